# correct: the probe command wrapped in sh -c
kubectl apply -n lab-probes-liveness-restart -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  containers:
  - name: app
    image: busybox:1.35.0
    args: [sh, -c, "touch /tmp/healthy; sleep 5; rm -f /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: [sh, -c, "cat /tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
Y
