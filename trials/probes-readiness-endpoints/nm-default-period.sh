# near-miss: the probe period left at its default (10 s)
for p in web-a web-b; do cat <<Y; echo ---; done > pods.yaml
apiVersion: v1
kind: Pod
metadata: {name: $p, labels: {app: web}}
spec:
  containers:
  - name: web
    image: nginx:1.22.1
    readinessProbe:
      httpGet: {path: /ready.html, port: 80}
Y
kubectl apply -n lab-probes-readiness-endpoints -f pods.yaml
kubectl expose pod web-a -n lab-probes-readiness-endpoints --name web --port 80 --selector app=web
kubectl wait -n lab-probes-readiness-endpoints --for=jsonpath='{.status.phase}'=Running pod/web-a pod/web-b --timeout=120s
kubectl exec -n lab-probes-readiness-endpoints web-a -- sh -c 'echo ok > /usr/share/nginx/html/ready.html'
kubectl wait -n lab-probes-readiness-endpoints --for=condition=Ready pod/web-a --timeout=60s
