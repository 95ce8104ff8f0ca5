# correct: roll back to the revision before the bad image
N=lab-trouble-bad-image
kubectl rollout history deploy/web -n $N --revision=1
kubectl rollout undo deploy/web -n $N
kubectl rollout status deploy/web -n $N --timeout=180s
