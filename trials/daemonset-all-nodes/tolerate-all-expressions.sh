# correct: a toleration of every taint (operator Exists, no key), matchExpressions selector, maxSurge 0 written out
kubectl apply -n lab-daemonset-all-nodes -f - <<'Y'
kind: DaemonSet
apiVersion: apps/v1
metadata:
  name: node-agent
  labels: {app: node-agent}
spec:
  updateStrategy:
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
    type: RollingUpdate
  selector:
    matchExpressions:
    - {key: app, operator: In, values: [node-agent]}
  template:
    metadata:
      labels: {app: node-agent, role: agent}
    spec:
      tolerations:
      - operator: Exists
      containers:
      - image: docker.io/library/busybox:1.35.0
        name: agent
        args: [sh, -c, "exec sleep 3600"]
        resources: {requests: {cpu: 10m, memory: 16Mi}}
Y
kubectl rollout status ds/node-agent -n lab-daemonset-all-nodes --timeout=120s
