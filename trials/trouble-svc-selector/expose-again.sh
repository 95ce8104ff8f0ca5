# correct: re-create the Service from the Deployment (kubectl expose copies its selector)
N=lab-trouble-svc-selector
kubectl delete svc shop -n $N
kubectl expose deploy shop -n $N --port 80 --target-port 80
sleep 3
