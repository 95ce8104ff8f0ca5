# correct: kubectl set selector (replaces the whole selector)
N=lab-trouble-svc-selector
kubectl set selector svc shop -n $N 'app=shop,tier=frontend'
sleep 3
