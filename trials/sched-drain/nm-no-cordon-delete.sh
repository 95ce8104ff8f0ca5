# near-miss: deletes the pods but never cordons the node
N=lab-sched-drain
kubectl delete pods -n $N --field-selector spec.nodeName=kubelab-worker2 --wait=true
kubectl rollout status deploy/web -n $N --timeout=120s
