# correct: create secret generic --from-literal, defaultMode 0400 (YAML octal)
N=lab-secret-mount-env
kubectl create secret generic db-credentials -n $N --from-literal=username=dbadmin --from-literal=password=Kub3lab-s3cret
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
    volumeMounts: [{name: creds, mountPath: /etc/db, readOnly: true}]
  volumes:
  - name: creds
    secret: {secretName: db-credentials, defaultMode: 0400}
Y
kubectl wait -n $N --for=condition=Ready pod/db-client --timeout=120s
