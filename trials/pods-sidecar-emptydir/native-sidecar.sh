# correct: writer as a native sidecar (init container with restartPolicy: Always), mounts with trailing slash
kubectl apply -n lab-pods-sidecar-emptydir -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: web-sidecar}
spec:
  initContainers:
  - name: writer
    image: docker.io/library/busybox:1.35.0
    restartPolicy: Always
    command: [/bin/sh, -c]
    args: ["echo written-by-the-sidecar > /out/index.html; exec sleep 3600"]
    volumeMounts: [{name: html, mountPath: /out/}]
  containers:
  - name: web
    image: docker.io/library/nginx:1.22.1
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html/}]
  volumes:
  - name: html
    emptyDir: {sizeLimit: 10Mi}
Y
kubectl wait -n lab-pods-sidecar-emptydir --for=condition=Ready pod/web-sidecar --timeout=120s
