# near-miss: a preferred node affinity (a wish, not a requirement)
N=lab-sched-node-selector
kubectl label node kubelab-worker2 disk=ssd
kubectl run fast-app -n $N --image=kubelab/web:v1 --overrides='{"spec":{"nodeSelector":{"disk":"ssd"}}}'
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: affine-app}
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        preference:
          matchExpressions: [{key: disk, operator: In, values: [ssd, nvme]}]
  containers:
  - name: affine-app
    image: kubelab/web:v1
Y
kubectl wait -n $N --for=condition=Ready pod/fast-app pod/affine-app --timeout=120s
