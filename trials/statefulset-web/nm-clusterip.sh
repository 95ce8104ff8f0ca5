# near-miss: the governing Service gets a cluster IP (not headless)
N=lab-statefulset-web
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.22.1
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 64Mi}}
Y
kubectl rollout status sts/web -n $N --timeout=300s
kubectl exec -n $N web-1 -- sh -c 'echo data-of-web-1 > /usr/share/nginx/html/index.html'
kubectl delete pod web-1 -n $N
sleep 5
kubectl wait -n $N --for=condition=Ready pod/web-1 --timeout=180s
