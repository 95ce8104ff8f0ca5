# correct: capacity 1024Mi, claim 524288000 bytes (= 500Mi), PV pre-bound by claimRef, volumeMode written out
kubectl apply -f - <<'Y'
kind: PersistentVolume
apiVersion: v1
metadata:
  name: lab-pv
  labels: {type: local}
spec:
  storageClassName: manual
  volumeMode: Filesystem
  persistentVolumeReclaimPolicy: Retain
  accessModes: ["ReadWriteOnce"]
  capacity:
    storage: 1024Mi
  claimRef: {namespace: lab-storage-static-pv, name: data-claim}
  hostPath:
    type: DirectoryOrCreate
    path: /kubelab/storage-static-pv/data
Y
kubectl apply -n lab-storage-static-pv -f - <<'Y'
kind: PersistentVolumeClaim
apiVersion: v1
metadata: {name: data-claim}
spec:
  storageClassName: manual
  resources: {requests: {storage: "524288000"}}
  accessModes: ["ReadWriteOnce"]
  volumeMode: Filesystem
Y
kubectl apply -n lab-storage-static-pv -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: writer}
spec:
  volumes: [{name: data, persistentVolumeClaim: {claimName: data-claim}}]
  containers:
  - image: docker.io/library/busybox:1.35.0
    name: main
    args: [sh, -c, "printf 'written through a static PV\n' > /data/hello.txt; exec sleep 3600"]
    volumeMounts: [{mountPath: /data/, name: data}]
Y
kubectl wait -n lab-storage-static-pv --for=condition=Ready pod/writer --timeout=120s
