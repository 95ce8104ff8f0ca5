# near-miss: fits the nodes but asks for more memory than the task allows
N=lab-trouble-pending-resources
kubectl set resources deploy report -n $N --requests=cpu=200m,memory=256Mi
kubectl rollout status deploy/report -n $N --timeout=120s
