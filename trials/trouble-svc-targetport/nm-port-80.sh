# near-miss: changes the Service port to 80 (clients call :8080)
N=lab-trouble-svc-targetport
kubectl patch svc api -n $N --type=json -p '[{"op":"replace","path":"/spec/ports/0/port","value":80},{"op":"replace","path":"/spec/ports/0/targetPort","value":80}]'
sleep 3
