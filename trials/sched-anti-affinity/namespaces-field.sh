# correct: the term names its own namespace explicitly, label selector by Exists-free matchExpressions, container port
kubectl apply -n lab-sched-anti-affinity -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, labels: {app: spread}}
spec:
  replicas: 2
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread, tier: web}}
    spec:
      containers:
      - {name: app, image: docker.io/kubelab/web:v1, ports: [{containerPort: 80}]}
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - topologyKey: kubernetes.io/hostname
            namespaces: [lab-sched-anti-affinity]
            labelSelector:
              matchExpressions:
              - key: app
                operator: In
                values: [spread]
Y
kubectl rollout status deploy/spread -n lab-sched-anti-affinity --timeout=120s
