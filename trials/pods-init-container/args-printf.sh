# correct: command + args split, printf, mount with trailing slash, memory-backed emptyDir, containers before initContainers
kubectl apply -n lab-pods-init-container -f - <<'Y'
apiVersion: v1
kind: Pod
metadata:
  name: app
  labels: {app: app}
spec:
  containers:
  - name: app
    image: docker.io/library/busybox:1.35.0
    command: [/bin/sh, -c]
    args: ["cat /config/app.conf && exec sleep 3600"]
    volumeMounts:
    - mountPath: /config/
      name: config
  initContainers:
  - name: prepare
    image: docker.io/busybox:1.35.0
    command: [/bin/sh]
    args: [-c, "printf 'mode=production\n' > /config/app.conf"]
    volumeMounts:
    - mountPath: /config
      name: config
  volumes:
  - name: config
    emptyDir: {medium: Memory}
Y
kubectl wait -n lab-pods-init-container --for=condition=Ready pod/app --timeout=120s
