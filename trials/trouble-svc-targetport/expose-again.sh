# correct: delete the Service and expose the Deployment again with the named target port
N=lab-trouble-svc-targetport
kubectl delete svc api -n $N
kubectl expose deployment api -n $N --name api --port 8080 --target-port http
sleep 3
