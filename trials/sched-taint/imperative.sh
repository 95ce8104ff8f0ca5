# correct: kubectl taint, create deployment, patch tolerations + nodeSelector, delete legacy
N=lab-sched-taint
kubectl taint nodes kubelab-worker2 dedicated=gpu:NoSchedule
kubectl create deployment gpu-app -n $N --image=kubelab/web:v1 --replicas=2
kubectl patch deploy gpu-app -n $N -p '{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/hostname":"kubelab-worker2"},"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}}}}'
kubectl rollout status deploy/gpu-app -n $N --timeout=120s
kubectl delete pod legacy -n $N --wait=true
