# correct: claim size in bytes, volumeMode written out, pod via kubectl run --overrides, delete and run again
N=lab-storage-dynamic-pvc
kubectl apply -n $N -f - <<'Y'
kind: PersistentVolumeClaim
apiVersion: v1
metadata: {name: data}
spec:
  volumeMode: Filesystem
  resources:
    requests:
      storage: "67108864"
  accessModes: ["ReadWriteOnce"]
Y
ov='{"spec":{"containers":[{"name":"c","image":"docker.io/library/busybox:1.35.0","command":["sh","-c","echo \"boot $(date)\" >> /data/boots.log; sleep 3600"],"volumeMounts":[{"name":"data","mountPath":"/data"}]}],"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data"}}]}}'
kubectl run counter -n $N --image=busybox:1.35.0 --overrides="$ov"
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
kubectl delete pod counter -n $N --wait=true
kubectl run counter -n $N --image=busybox:1.35.0 --overrides="$ov"
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
kubectl exec -n $N counter -- cat /data/boots.log
