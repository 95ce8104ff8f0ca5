# correct: Secret YAML with stringData, per-item mode 256 (decimal), JSON pod
N=lab-secret-mount-env
kubectl apply -n $N -f - <<'Y'
apiVersion: v1
kind: Secret
metadata: {name: db-credentials}
type: Opaque
stringData:
  username: dbadmin
  password: Kub3lab-s3cret
Y
kubectl apply -n $N -f - <<'J'
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"db-client"},
 "spec":{"volumes":[{"name":"s","secret":{"secretName":"db-credentials",
    "items":[{"key":"username","path":"username","mode":256},{"key":"password","path":"password","mode":256}]}}],
  "containers":[{"name":"c","image":"docker.io/library/busybox:1.35.0","args":["sleep","3600"],
    "volumeMounts":[{"name":"s","mountPath":"/etc/db"}],
    "env":[{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db-credentials","key":"password"}}}]}]}}
J
kubectl wait -n $N --for=condition=Ready pod/db-client --timeout=120s
