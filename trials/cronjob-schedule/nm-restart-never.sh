# near-miss: the pods use restartPolicy Never (the task asks for OnFailure)
N=lab-cronjob-schedule
kubectl create cronjob report -n $N --image=busybox:1.35.0 --schedule="*/15 * * * *" --restart=Never -- sh -c "date; echo report done"
kubectl patch cronjob report -n $N -p '{"spec":{"concurrencyPolicy":"Forbid","successfulJobsHistoryLimit":2,"failedJobsHistoryLimit":1}}'
kubectl create job report-now -n $N --from=cronjob/report
kubectl wait -n $N --for=condition=Complete job/report-now --timeout=120s
