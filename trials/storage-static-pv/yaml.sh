# correct: plain YAML
kubectl apply -f - <<'Y'
apiVersion: v1
kind: PersistentVolume
metadata: {name: lab-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  hostPath: {path: /kubelab/storage-static-pv/data, type: DirectoryOrCreate}
Y
kubectl apply -n lab-storage-static-pv -f - <<'Y'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-claim}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: {requests: {storage: 500Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  containers:
  - name: writer
    image: busybox:1.35.0
    command: [sh, -c, "echo written through a static PV > /data/hello.txt && sleep 3600"]
    volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data-claim}}]
Y
kubectl wait -n lab-storage-static-pv --for=condition=Ready pod/writer --timeout=120s
