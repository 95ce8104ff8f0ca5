# correct: command and args split, ; instead of &&, no exec
N=lab-trouble-crashloop-command
kubectl patch deploy worker -n $N -p '{"spec":{"template":{"spec":{"containers":[{"name":"worker","command":["/bin/sh","-c"],"args":["echo ready > /tmp/started; sleep 3600"]}]}}}}'
kubectl rollout status deploy/worker -n $N --timeout=120s
