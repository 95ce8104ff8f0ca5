# correct: kubectl create service clusterip --clusterip=None (selector app=web), Parallel pod management, claim in bytes, named port
N=lab-statefulset-web
kubectl create service clusterip web -n $N --clusterip=None --tcp=80:80
kubectl apply -n $N -f - <<'Y'
kind: StatefulSet
apiVersion: apps/v1
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 3
  podManagementPolicy: Parallel
  serviceName: web
  selector:
    matchExpressions: [{key: app, operator: In, values: [web]}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      resources: {requests: {storage: "67108864"}}
      accessModes: ["ReadWriteOnce"]
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - image: docker.io/library/nginx:1.22.1
        name: nginx
        ports: [{name: http, containerPort: 80}]
        volumeMounts: [{mountPath: /usr/share/nginx/html/, name: www}]
Y
kubectl rollout status statefulset/web -n $N --timeout=300s
kubectl exec -n $N web-1 -c nginx -- sh -c 'printf "data-of-web-1\n" > /usr/share/nginx/html/index.html'
kubectl delete pod/web-1 -n $N --wait=true
kubectl wait -n $N --for=condition=Ready pod/web-1 --timeout=180s
