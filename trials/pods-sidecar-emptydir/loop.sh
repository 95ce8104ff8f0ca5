# correct: classic loop sidecar, short images, writer listed first
kubectl apply -n lab-pods-sidecar-emptydir -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: web-sidecar}
spec:
  volumes: [{name: html, emptyDir: {}}]
  containers:
  - name: writer
    image: busybox:1.35.0
    command: ["sh", "-c", "while true; do echo written-by-the-sidecar > /out/index.html; sleep 5; done"]
    volumeMounts: [{name: html, mountPath: /out}]
  - name: web
    image: nginx:1.22.1
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]
Y
kubectl wait -n lab-pods-sidecar-emptydir --for=condition=Ready pod/web-sidecar --timeout=120s
sleep 3
