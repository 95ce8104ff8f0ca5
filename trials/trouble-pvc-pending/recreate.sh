# correct: delete pod and claim, re-create the claim without a class and the pod from its own manifest
N=lab-trouble-pvc-pending
kubectl get pod writer -n $N -o yaml > writer.yaml
kubectl delete pod writer -n $N --wait=true
kubectl delete pvc data -n $N --wait=true
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
Y
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  containers:
  - name: writer
    image: busybox:1.35.0
    command: [sleep, "3600"]
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
Y
kubectl wait -n $N --for=condition=Ready pod/writer --timeout=120s
