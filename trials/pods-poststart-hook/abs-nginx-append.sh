# correct: absolute path to nginx, append >>, quoted line, pull policy, grace after containers
kubectl apply -n lab-pods-poststart-hook -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: hooked, labels: {app: hooked}}
spec:
  containers:
  - image: docker.io/library/nginx:1.22.1
    imagePullPolicy: IfNotPresent
    name: web
    ports: [{containerPort: 80}]
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "/usr/sbin/nginx -s quit; sleep 1"]}
      postStart:
        exec: {command: ["sh", "-c", "echo 'poststart-ran' >> /usr/share/nginx/html/started.txt"]}
  terminationGracePeriodSeconds: 5
Y
kubectl wait -n lab-pods-poststart-hook --for=condition=Ready pod/hooked --timeout=120s
