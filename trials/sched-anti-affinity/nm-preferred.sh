# near-miss: preferred anti-affinity only (a third replica would land next to another)
kubectl apply -n lab-sched-anti-affinity -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 2
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              labelSelector: {matchLabels: {app: spread}}
              topologyKey: kubernetes.io/hostname
      containers:
      - name: web
        image: kubelab/web:v1
Y
kubectl rollout status deploy/spread -n lab-sched-anti-affinity --timeout=120s
