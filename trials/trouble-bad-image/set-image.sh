# correct: kubectl set image with the short name
N=lab-trouble-bad-image
kubectl set image deploy/web -n $N web=nginx:1.22.1
kubectl rollout status deploy/web -n $N --timeout=180s
