# near-miss: the pod mounts an emptyDir, the claim stays unused
N=lab-storage-dynamic-pvc
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: counter}
spec:
  containers:
  - name: counter
    image: busybox:1.35.0
    command: [sh, -c, 'echo "boot $(date)" >> /data/boots.log; sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    emptyDir: {}
Y
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
kubectl delete pod counter -n $N
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: counter}
spec:
  containers:
  - name: counter
    image: busybox:1.35.0
    command: [sh, -c, 'echo "boot $(date)" >> /data/boots.log; sleep 3600']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - name: data
    emptyDir: {}
Y
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
