# correct: cordon, then delete this lab's pods on the node by hand
N=lab-sched-drain
kubectl cordon kubelab-worker2
kubectl delete pods -n $N --field-selector spec.nodeName=kubelab-worker2 --wait=true
kubectl rollout status deploy/web -n $N --timeout=120s
