# correct: the claim re-made with the class named explicitly (standard), other volume name, pod by replace --force
N=lab-trouble-pvc-pending
kubectl get sc
kubectl get pvc data -n $N -o yaml | sed -e 's/storageClassName: fast-ssd/storageClassName: standard/' > pvc.yaml
kubectl delete pod writer -n $N --now
kubectl replace --force -f pvc.yaml
cat > pod.yaml <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: lab-trouble-pvc-pending}
spec:
  containers:
  - name: main
    image: docker.io/library/busybox:1.35.0
    args: [sh, -c, "sleep 3600"]
    volumeMounts: [{name: storage, mountPath: /data/}]
  volumes: [{name: storage, persistentVolumeClaim: {claimName: data}}]
Y
kubectl apply -f pod.yaml
kubectl wait -n $N --for=condition=Ready pod/writer --timeout=120s
