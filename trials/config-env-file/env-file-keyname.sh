# correct: --from-env-file for the literals, --from-file=KEY=path with another file name, items in the volume, readOnly mount
N=lab-config-env-file
printf 'MODE=production\nLOG_LEVEL=debug\n' > settings.env
kubectl create configmap app-settings -n $N --from-env-file=settings.env
printf 'greeting=hello\ncolor=blue\n' > props.txt
kubectl create configmap app-files -n $N --from-file=app.properties=props.txt
kubectl apply -n $N -f - <<'Y'
kind: Pod
apiVersion: v1
metadata:
  name: app
spec:
  volumes:
  - name: cfg
    configMap:
      name: app-files
      items: [{key: app.properties, path: app.properties}]
  containers:
  - image: docker.io/library/busybox:1.35.0
    name: app
    args: [sh, -c, "exec sleep 3600"]
    envFrom:
    - configMapRef:
        name: app-settings
        optional: false
    volumeMounts:
    - mountPath: /etc/app
      name: cfg
      readOnly: true
Y
kubectl wait -n $N --for=condition=Ready pod/app --timeout=120s
