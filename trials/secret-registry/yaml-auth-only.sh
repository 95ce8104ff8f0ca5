# correct: the dockerconfigjson written by hand with only "auth" (as docker login writes it), TLS with SAN, all YAML
N=lab-secret-registry
auth=$(printf 'student:pull-Me-2026' | base64 -w0)
cfg=$(printf '{"auths":{"registry.kubelab.example:5000":{"auth":"%s"}}}' "$auth" | base64 -w0)
openssl req -x509 -nodes -newkey rsa:2048 -days 365 -keyout k.pem -out c.pem -subj "/O=kubelab/CN=web.kubelab.example" -addext "subjectAltName=DNS:web.kubelab.example"
kubectl apply -n $N -f - <<Y
apiVersion: v1
kind: Secret
metadata: {name: regcred}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: $cfg
---
apiVersion: v1
kind: Secret
metadata: {name: web-tls}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 c.pem)
  tls.key: $(base64 -w0 k.pem)
---
apiVersion: v1
kind: Pod
metadata: {name: private-web}
spec:
  imagePullSecrets: [{name: regcred}]
  containers: [{name: web, image: docker.io/kubelab/web:v1, imagePullPolicy: IfNotPresent}]
Y
kubectl wait -n $N --for=condition=Ready pod/private-web --timeout=120s
