# near-miss: leaves the claim and makes a hostPath PV of class fast-ssd for it (binds, but no StorageClass the cluster has)
kubectl apply -f - <<'Y'
apiVersion: v1
kind: PersistentVolume
metadata: {name: trial2-fast-ssd-pv}
spec:
  capacity: {storage: 64Mi}
  accessModes: [ReadWriteOnce]
  storageClassName: fast-ssd
  persistentVolumeReclaimPolicy: Delete
  hostPath: {path: /tmp/trial2-fast-ssd, type: DirectoryOrCreate}
Y
kubectl wait -n lab-trouble-pvc-pending --for=condition=Ready pod/writer --timeout=120s
