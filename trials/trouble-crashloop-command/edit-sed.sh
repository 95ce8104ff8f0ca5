# correct: kubectl edit (sed) fixes the typo in place
N=lab-trouble-crashloop-command
KUBE_EDITOR="sed -i 's#/bin/sleeep#sleep#'" kubectl edit deployment/worker -n $N
kubectl rollout status deploy/worker -n $N --timeout=120s
