# correct: both ConfigMaps as YAML (block scalar for the file), pod by kubectl run --overrides
N=lab-config-env-file
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: app-settings}
data:
  LOG_LEVEL: debug
  MODE: production
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-files}
data:
  app.properties: |
    greeting=hello
    color=blue
Y
kubectl run app -n $N --image=busybox:1.35.0 --overrides='{"spec":{"containers":[{"name":"app","image":"busybox:1.35.0","command":["sleep","3600"],"envFrom":[{"configMapRef":{"name":"app-settings"}}],"volumeMounts":[{"name":"v","mountPath":"/etc/app"}]}],"volumes":[{"name":"v","configMap":{"name":"app-files"}}]}}'
kubectl wait -n $N --for=condition=Ready pod/app --timeout=120s
