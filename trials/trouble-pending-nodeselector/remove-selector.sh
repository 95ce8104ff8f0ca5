# correct: remove the nodeSelector (the control-plane taint keeps pods off it)
N=lab-trouble-pending-nodeselector
kubectl patch deploy api -n $N --type=json -p '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]'
kubectl rollout status deploy/api -n $N --timeout=120s
