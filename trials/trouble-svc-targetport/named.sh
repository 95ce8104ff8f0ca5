# correct: targetPort by the container port's name
N=lab-trouble-svc-targetport
kubectl patch svc api -n $N --type=json -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":"http"}]'
sleep 3
