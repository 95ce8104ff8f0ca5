# correct: the same amounts in other units in requests and limits
kubectl apply -n lab-pods-guaranteed-qos -f - <<'Y'
kind: Pod
apiVersion: v1
metadata:
  name: critical
  labels: {app: critical}
spec:
  containers:
  - image: docker.io/library/nginx:1.22.1
    name: app
    resources:
      requests:
        memory: "67108864"
        cpu: 100m
      limits:
        memory: 65536Ki
        cpu: "0.100"
Y
kubectl wait -n lab-pods-guaranteed-qos --for=condition=Ready pod/critical --timeout=120s
