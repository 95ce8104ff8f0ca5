# correct: get -o yaml | sed | kubectl replace
N=lab-trouble-bad-image
kubectl get deploy web -n $N -o yaml | sed 's#nginx:1.22.9#nginx:1.22.1#' | kubectl replace -f -
kubectl rollout status deploy/web -n $N --timeout=180s
