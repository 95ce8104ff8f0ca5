# near-miss: "rolls back" by setting the image to v1 again - a new revision, but is it a rollback to revision 1?
N=lab-deploy-rollout-rollback
kubectl patch deploy web -n $N -p '{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}'
kubectl scale deploy web -n $N --replicas=3
kubectl set image deploy/web -n $N web=docker.io/kubelab/web:v2
kubectl rollout status deploy/web -n $N --timeout=120s
kubectl set image deploy/web -n $N web=docker.io/kubelab/web:v1
kubectl rollout status deploy/web -n $N --timeout=120s
