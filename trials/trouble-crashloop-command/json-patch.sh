# correct: JSON patch of the command (sleeep -> sleep)
N=lab-trouble-crashloop-command
kubectl patch deploy worker -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sh","-c","echo ready > /tmp/started && exec /bin/sleep 3600"]}]'
kubectl rollout status deploy/worker -n $N --timeout=120s
