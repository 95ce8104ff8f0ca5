# correct: patch, scale, set image with the short name, undo --to-revision
N=lab-deploy-rollout-rollback
kubectl patch deploy web -n $N -p '{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}'
kubectl scale deploy web -n $N --replicas=3
kubectl rollout status deploy/web -n $N --timeout=120s
kubectl set image deploy/web -n $N web=kubelab/web:v2
kubectl rollout status deploy/web -n $N --timeout=120s
kubectl rollout history deploy/web -n $N
kubectl rollout undo deploy/web -n $N --to-revision=1
kubectl rollout status deploy/web -n $N --timeout=120s
