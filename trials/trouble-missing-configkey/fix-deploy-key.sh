# correct: point the Deployment at the existing key color
N=lab-trouble-missing-configkey
kubectl patch deploy paint -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/key","value":"color"}]'
kubectl rollout status deploy/paint -n $N --timeout=120s
