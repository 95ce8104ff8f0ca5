# correct: kubectl edit: the selector changed to a label every node has (kubernetes.io/os: linux)
N=lab-trouble-pending-nodeselector
KUBE_EDITOR="sed -i 's#disktype: ssd#kubernetes.io/os: linux#'" kubectl edit deploy api -n $N
kubectl rollout status deploy/api -n $N --timeout=120s
