# correct: label, kubectl run --overrides for the nodeSelector, affinity values in the other order
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
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: disk, operator: In, values: [nvme, ssd]}
  containers:
  - name: affine-app
    image: kubelab/web:v1
Y
kubectl wait -n $N --for=condition=Ready pod/fast-app pod/affine-app --timeout=120s
