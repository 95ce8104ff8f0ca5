# near-miss: an Opaque secret holding the credentials (the kubelet never reads it as a pull secret)
N=lab-secret-registry
kubectl create secret generic regcred -n $N --from-literal=server=registry.kubelab.example:5000 --from-literal=username=student --from-literal=password=pull-Me-2026
kubectl run private-web -n $N --image=kubelab/web:v1 --overrides='{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}'
openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout tls.key -out tls.crt -subj "/CN=web.kubelab.example"
kubectl create secret tls web-tls -n $N --cert=tls.crt --key=tls.key
kubectl wait -n $N --for=condition=Ready pod/private-web --timeout=120s
