# correct: pinned by a required node affinity on the hostname, sizeLimit 0.0625Gi
kubectl apply -n lab-storage-hostpath -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: logger}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [kubelab-worker]}]
  containers:
  - name: logger
    image: busybox:1.35.0
    command: [sh, -c, "echo hello from logger >> /var/log/app/app.log; exec sleep 3600"]
    volumeMounts:
    - {name: logs, mountPath: /var/log/app}
    - {name: cache, mountPath: /cache}
  volumes:
  - name: logs
    hostPath: {path: /kubelab/storage-hostpath/logs, type: DirectoryOrCreate}
  - name: cache
    emptyDir: {medium: Memory, sizeLimit: 0.0625Gi}
Y
kubectl wait -n lab-storage-hostpath --for=condition=Ready pod/logger --timeout=120s
