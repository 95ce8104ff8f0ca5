# near-miss: "15 * * * *" runs once an hour, at minute 15
N=lab-cronjob-schedule
kubectl create cronjob report -n $N --image=busybox:1.35.0 --schedule="15 * * * *" --restart=OnFailure -- sh -c "date; echo report done"
kubectl patch cronjob report -n $N -p '{"spec":{"concurrencyPolicy":"Forbid","successfulJobsHistoryLimit":2,"failedJobsHistoryLimit":1}}'
kubectl create job report-now -n $N --from=cronjob/report
kubectl wait -n $N --for=condition=Complete job/report-now --timeout=120s
