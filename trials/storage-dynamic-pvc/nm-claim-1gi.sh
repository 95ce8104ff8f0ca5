# near-miss: a claim of 1Gi copied from an example (the task asks for 64Mi)
N=lab-storage-dynamic-pvc
cat > pvc-pod.yaml <<'Y'
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: lab-storage-dynamic-pvc}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: counter, namespace: lab-storage-dynamic-pvc}
spec:
  containers:
  - name: counter
    image: busybox:1.35.0
    command: [sh, -c, 'echo "boot $(date)" >> /data/boots.log; sleep 3600']
    volumeMounts: [{name: store, mountPath: /data}]
  volumes:
  - name: store
    persistentVolumeClaim: {claimName: data}
Y
kubectl apply -f pvc-pod.yaml
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
sleep 2
kubectl get pod counter -n $N -o yaml | kubectl replace --force -f -
kubectl wait -n $N --for=condition=Ready pod/counter --timeout=120s
kubectl exec -n $N counter -- cat /data/boots.log
