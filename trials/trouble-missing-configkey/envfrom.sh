# correct: a key APP_COLOR added to the ConfigMap (existing keys kept), consumed by envFrom instead of the broken env entry
N=lab-trouble-missing-configkey
kubectl patch cm app-config -n $N -p '{"data":{"APP_COLOR":"blue"}}'
kubectl patch deploy paint -n $N --type=json -p '[{"op":"remove","path":"/spec/template/spec/containers/0/env"},{"op":"add","path":"/spec/template/spec/containers/0/envFrom","value":[{"configMapRef":{"name":"app-config"}}]}]'
kubectl rollout status deploy/paint -n $N --timeout=120s
