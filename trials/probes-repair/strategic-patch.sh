# correct: strategic-merge patch of both probes by container name
N=lab-probes-repair
kubectl patch deploy shop -n $N -p '{"spec":{"template":{"spec":{"containers":[{"name":"web","livenessProbe":{"httpGet":{"path":"/healthz","port":80}},"readinessProbe":{"httpGet":{"path":"/healthz","port":80}}}]}}}}'
kubectl rollout status deploy/shop -n $N --timeout=120s
