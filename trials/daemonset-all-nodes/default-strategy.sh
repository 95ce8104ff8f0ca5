# correct: updateStrategy left out: the API server defaults it to RollingUpdate with maxUnavailable 1
kubectl apply -n lab-daemonset-all-nodes -f - <<'Y'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-agent}
spec:
  selector: {matchLabels: {app: node-agent}}
  template:
    metadata: {labels: {app: node-agent}}
    spec:
      tolerations:
      - {key: node-role.kubernetes.io/control-plane, effect: NoSchedule}
      containers:
      - name: agent
        image: busybox:1.35.0
        command: [sh, -c, "exec sleep 3600"]
Y
kubectl rollout status ds/node-agent -n lab-daemonset-all-nodes --timeout=120s
