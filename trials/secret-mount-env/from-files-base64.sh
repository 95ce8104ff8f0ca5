# correct: secret from files written without newline, data base64; defaultMode 256
N=lab-secret-mount-env
printf dbadmin > username; printf Kub3lab-s3cret > password
kubectl create secret generic db-credentials -n $N --from-file=username --from-file=password
kubectl apply -n $N -f - <<'Y'
kind: Pod
apiVersion: v1
metadata: {name: db-client}
spec:
  volumes:
  - name: db
    secret:
      secretName: db-credentials
      defaultMode: 256
  containers:
  - image: busybox:1.35.0
    name: client
    command: [sh, -c, "exec sleep 3600"]
    volumeMounts: [{mountPath: /etc/db, name: db}]
    env:
    - {name: DB_USER, valueFrom: {secretKeyRef: {name: db-credentials, key: username}}}
    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {key: password, name: db-credentials}}}
Y
kubectl wait -n $N --for=condition=Ready pod/db-client --timeout=120s
