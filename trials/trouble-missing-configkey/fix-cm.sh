# correct: add the key the Deployment asks for to the ConfigMap, then restart
N=lab-trouble-missing-configkey
kubectl patch configmap app-config -n $N --type merge -p '{"data":{"colour":"blue"}}'
kubectl rollout restart deploy/paint -n $N
kubectl rollout status deploy/paint -n $N --timeout=120s
