# correct: failedJobsHistoryLimit left to its default (1), schedule with a step over *, YAML
N=lab-cronjob-schedule
kubectl apply -n $N -f - <<'Y'
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "*/15 * * * *"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: busybox:1.35.0
            command: ["sh", "-c", "date; echo report done"]
Y
kubectl create job report-now -n $N --from=cronjob/report
kubectl wait -n $N --for=condition=Complete job/report-now --timeout=120s
