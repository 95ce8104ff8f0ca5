# correct: plain exec probe, short image
kubectl apply -n lab-probes-liveness-restart -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: liveness-exec}
spec:
  containers:
  - name: app
    image: busybox:1.35.0
    command: ["sh", "-c", "touch /tmp/healthy; sleep 5; rm -f /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      periodSeconds: 1
      failureThreshold: 2
Y
