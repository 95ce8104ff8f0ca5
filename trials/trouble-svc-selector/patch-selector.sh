# correct: fix the typo in the selector with a merge patch
N=lab-trouble-svc-selector
kubectl patch svc shop -n $N -p '{"spec":{"selector":{"app":"shop","tier":"frontend"}}}'
sleep 3
