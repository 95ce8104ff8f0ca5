# near-miss: 64M (megabytes) is not 64Mi, although the pod is Guaranteed
kubectl apply -n lab-pods-guaranteed-qos -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: critical}
spec:
  containers:
  - name: app
    image: nginx:1.22.1
    resources:
      limits: {cpu: 100m, memory: 64M}
      requests: {cpu: 100m, memory: 64M}
Y
kubectl wait -n lab-pods-guaranteed-qos --for=condition=Ready pod/critical --timeout=120s
