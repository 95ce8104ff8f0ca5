# correct: schedule 0-59/15, extra harmless fields, args split from command
N=lab-cronjob-schedule
kubectl apply -n $N -f - <<'Y'
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  failedJobsHistoryLimit: 1
  successfulJobsHistoryLimit: 2
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 120
  suspend: false
  schedule: "0-59/15 * * * *"
  jobTemplate:
    spec:
      backoffLimit: 3
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: docker.io/library/busybox:1.35.0
            command: [/bin/sh, -c]
            args: ["date; echo report done"]
Y
kubectl create job report-now -n $N --from=cronjob/report
kubectl wait -n $N --for=condition=Complete job/report-now --timeout=120s
