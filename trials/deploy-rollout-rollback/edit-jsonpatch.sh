# correct: strategy via kubectl edit (sed as editor), image via a JSON patch, plain rollout undo (the previous revision is 1)
N=lab-deploy-rollout-rollback
kubectl get deploy web -n $N -o yaml | grep -A4 'strategy:'
KUBE_EDITOR="sed -i -e 's/maxSurge: .*/maxSurge: 1/' -e 's/maxUnavailable: .*/maxUnavailable: 0/'" kubectl edit deploy web -n $N
kubectl get deploy web -n $N -o jsonpath='{.spec.strategy}'; echo
kubectl scale deployment/web --replicas 3 -n $N
kubectl patch deployment web -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"docker.io/kubelab/web:v2"}]'
kubectl rollout status deployment/web -n $N --timeout=120s
kubectl rollout undo deployment/web -n $N
kubectl rollout status deployment/web -n $N --timeout=120s
