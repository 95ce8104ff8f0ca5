# near-miss: the "init container" is a native sidecar (restartPolicy: Always) that never exits
kubectl apply -n lab-pods-init-container -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  volumes:
  - name: config
    emptyDir: {}
  initContainers:
  - name: prepare
    image: busybox:1.35.0
    restartPolicy: Always
    command: ["sh", "-c", "echo mode=production > /config/app.conf; exec sleep 3600"]
    volumeMounts: [{name: config, mountPath: /config}]
  containers:
  - name: app
    image: busybox:1.35.0
    command: ["sh", "-c", "sleep 2; cat /config/app.conf && exec sleep 3600"]
    volumeMounts: [{name: config, mountPath: /config}]
Y
kubectl wait -n lab-pods-init-container --for=condition=Ready pod/app --timeout=120s
