# correct: toleration by key with operator Exists and no effect, YAML, legacy deleted with --now
N=lab-sched-taint
kubectl taint node kubelab-worker2 dedicated=gpu:NoSchedule --overwrite
kubectl apply -n $N -f - <<'Y'
apiVersion: apps/v1
kind: Deployment
metadata: {name: gpu-app}
spec:
  replicas: 2
  selector:
    matchExpressions: [{key: app, operator: In, values: [gpu-app]}]
  template:
    metadata: {labels: {app: gpu-app}}
    spec:
      tolerations:
      - key: dedicated
        operator: Exists
      nodeSelector:
        kubernetes.io/hostname: kubelab-worker2
      containers:
      - name: gpu
        image: docker.io/kubelab/web:v1
Y
kubectl rollout status deploy/gpu-app -n $N --timeout=120s
kubectl get pods -n $N -o wide
kubectl delete pod/legacy -n $N --now
