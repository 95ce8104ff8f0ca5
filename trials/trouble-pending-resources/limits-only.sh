# correct: limits only (the API server copies them into the requests), at the bounds
N=lab-trouble-pending-resources
kubectl patch deploy report -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/resources","value":{"limits":{"cpu":"250m","memory":"128Mi"}}}]'
kubectl rollout status deploy/report -n $N --timeout=120s
kubectl get deploy report -n $N -o jsonpath='{.spec.template.spec.containers[0].resources}'
