# correct: plain YAML
kubectl apply -n lab-job-completions -f - <<'Y'
apiVersion: batch/v1
kind: Job
metadata: {name: batch}
spec:
  completions: 4
  parallelism: 2
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: worker
        image: busybox:1.35.0
        command: ["sh", "-c", "echo processed item on $(hostname)"]
Y
kubectl wait -n lab-job-completions --for=condition=Complete job/batch --timeout=180s
