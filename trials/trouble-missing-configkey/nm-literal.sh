# near-miss: the value set as a literal with kubectl set env (the ConfigMap ref removed)
N=lab-trouble-missing-configkey
kubectl set env deploy/paint -n $N APP_COLOR=blue
kubectl rollout status deploy/paint -n $N --timeout=120s
