# correct: nodeSelector on the hostname, sizeLimit in bytes, trailing slash on the hostPath
kubectl apply -n lab-storage-hostpath -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: logger}
spec:
  nodeSelector: {kubernetes.io/hostname: kubelab-worker}
  volumes:
  - name: cache
    emptyDir: {sizeLimit: "67108864", medium: Memory}
  - name: logs
    hostPath: {type: DirectoryOrCreate, path: /kubelab/storage-hostpath/logs/}
  containers:
  - image: docker.io/library/busybox:1.35.0
    name: app
    args: [/bin/sh, -c, "echo 'hello from logger' >> /var/log/app/app.log; sleep 3600"]
    volumeMounts:
    - {mountPath: /cache, name: cache}
    - {mountPath: /var/log/app/, name: logs}
Y
kubectl wait -n lab-storage-hostpath --for=condition=Ready pod/logger --timeout=120s
