# near-miss: the toleration names the wrong effect (NoExecute), so the control plane stays closed
kubectl apply -n lab-daemonset-all-nodes -f - <<'Y'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  selector: {matchLabels: {app: node-agent}}
  updateStrategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 1}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoExecute
      containers:
      - name: agent
        image: busybox:1.35.0
        command: [sh, -c, "exec sleep 3600"]
Y
kubectl rollout status ds/node-agent -n lab-daemonset-all-nodes --timeout=60s
