# correct: exactly the bounds, in other units (0.25 CPU, 134217728 bytes), with limits too
N=lab-trouble-pending-resources
kubectl patch deploy report -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/resources","value":{"requests":{"cpu":"0.25","memory":"134217728"},"limits":{"cpu":"500m","memory":"256Mi"}}}]'
kubectl rollout status deploy/report -n $N --timeout=120s
