# near-miss: files written with echo: the password gets a trailing newline
N=lab-secret-mount-env
echo dbadmin > username; echo Kub3lab-s3cret > password
kubectl create secret generic db-credentials -n $N --from-file=username --from-file=password
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Pod
metadata: {name: db-client}
spec:
  containers:
  - name: db-client
    image: busybox:1.35.0
    command: [sleep, "3600"]
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db-credentials, key: password}}
    volumeMounts: [{name: creds, mountPath: /etc/db}]
  volumes:
  - name: creds
    secret: {secretName: db-credentials, defaultMode: 0400}
Y
kubectl wait -n $N --for=condition=Ready pod/db-client --timeout=120s
