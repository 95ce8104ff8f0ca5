# correct: label with --overwrite on "nodes", both pods in one file, an extra preferred term, other container names
N=lab-sched-node-selector
kubectl label nodes kubelab-worker2 disk=ssd --overwrite
kubectl apply -n $N -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: fast-app, labels: {app: fast-app}}
spec:
  nodeSelector:
    disk: ssd
  containers:
  - {name: web, image: docker.io/kubelab/web:v1}
---
kind: Pod
apiVersion: v1
metadata: {name: affine-app}
spec:
  containers:
  - {name: web, image: docker.io/kubelab/web:v1}
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 1
        preference:
          matchExpressions: [{key: disk, operator: In, values: [nvme]}]
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: disk
            operator: In
            values: [ssd, nvme]
Y
kubectl wait -n $N --for=condition=Ready pod/fast-app pod/affine-app --timeout=120s
