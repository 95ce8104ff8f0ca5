# near-miss: app-files made with --from-env-file: keys greeting and color, no app.properties file
N=lab-config-env-file
kubectl create configmap app-settings -n $N --from-literal=MODE=production --from-literal=LOG_LEVEL=debug
printf 'greeting=hello\ncolor=blue\n' > app.properties
kubectl create configmap app-files -n $N --from-env-file=app.properties
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: busybox:1.35.0
    command: [sleep, "3600"]
    envFrom: [{configMapRef: {name: app-settings}}]
    volumeMounts: [{name: files, mountPath: /etc/app}]
  volumes: [{name: files, configMap: {name: app-files}}]
Y
kubectl wait -n $N --for=condition=Ready pod/app --timeout=120s
