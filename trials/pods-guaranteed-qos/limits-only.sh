# correct: limits only (the API server copies them into requests), cpu as 0.1
kubectl apply -n lab-pods-guaranteed-qos -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: critical}
spec:
  containers:
  - name: app
    image: nginx:1.22.1
    resources:
      limits: {cpu: "0.1", memory: 64Mi}
Y
kubectl wait -n lab-pods-guaranteed-qos --for=condition=Ready pod/critical --timeout=120s
