# correct: /bin/cat, all defaults written out, command+args split
kubectl apply -n lab-probes-liveness-restart -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: liveness-exec}
spec:
  containers:
  - image: docker.io/library/busybox:1.35.0
    name: app
    command: [/bin/sh, -c]
    args: ["touch /tmp/healthy; sleep 5; rm -f /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      failureThreshold: 2
      periodSeconds: 1
      initialDelaySeconds: 0
      timeoutSeconds: 1
      successThreshold: 1
      exec:
        command: [/bin/cat, /tmp/healthy]
Y
