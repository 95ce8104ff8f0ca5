# near-miss: nginx -s stop is a fast shutdown, not the graceful quit the task asks for
kubectl apply -n lab-pods-poststart-hook -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: nginx:1.22.1
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo poststart-ran > /usr/share/nginx/html/started.txt"]}}
      preStop: {exec: {command: ["sh", "-c", "nginx -s stop; sleep 1"]}}
Y
kubectl wait -n lab-pods-poststart-hook --for=condition=Ready pod/hooked --timeout=120s
