# correct: kubectl set resources
N=lab-trouble-pending-resources
kubectl set resources deploy report -n $N --requests=cpu=100m,memory=64Mi
kubectl rollout status deploy/report -n $N --timeout=120s
