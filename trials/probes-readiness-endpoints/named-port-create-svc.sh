# correct: probe on the named port http, extra label, kubectl create service clusterip (selector app=web)
for p in web-a web-b; do cat <<Y; echo ---; done > pods.yaml
kind: Pod
apiVersion: v1
metadata:
  name: $p
  labels: {app: web, member: $p}
spec:
  containers:
  - name: web
    image: docker.io/library/nginx:1.22.1
    ports: [{name: http, containerPort: 80}]
    readinessProbe:
      periodSeconds: 1
      httpGet: {port: http, path: /ready.html, scheme: HTTP}
Y
kubectl apply -n lab-probes-readiness-endpoints -f pods.yaml
kubectl create service clusterip web -n lab-probes-readiness-endpoints --tcp=80:http
kubectl wait -n lab-probes-readiness-endpoints --for=jsonpath='{.status.phase}'=Running pod/web-a pod/web-b --timeout=120s
kubectl exec -n lab-probes-readiness-endpoints web-a -- sh -c 'echo ok > /usr/share/nginx/html/ready.html'
kubectl wait -n lab-probes-readiness-endpoints --for=condition=Ready pod/web-a --timeout=60s
