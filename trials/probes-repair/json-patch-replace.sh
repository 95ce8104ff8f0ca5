# correct: JSON patch replacing the two probes whole, with a delay and other thresholds
N=lab-probes-repair
kubectl patch deployment shop -n $N --type=json -p '[
 {"op":"replace","path":"/spec/template/spec/containers/0/livenessProbe","value":{"httpGet":{"path":"/healthz","port":80,"scheme":"HTTP"},"initialDelaySeconds":2,"periodSeconds":5,"failureThreshold":3}},
 {"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe","value":{"httpGet":{"path":"/healthz","port":80},"periodSeconds":2}}]'
kubectl rollout status deployment/shop -n $N --timeout=120s
