# correct: kubectl create secret docker-registry / tls, kubectl run --overrides
N=lab-secret-registry
kubectl create secret docker-registry regcred -n $N --docker-server=registry.kubelab.example:5000 --docker-username=student --docker-password=pull-Me-2026
kubectl run private-web -n $N --image=kubelab/web:v1 --overrides='{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}'
openssl req -x509 -nodes -newkey rsa:2048 -days 30 -keyout tls.key -out tls.crt -subj "/CN=web.kubelab.example"
kubectl create secret tls web-tls -n $N --cert=tls.crt --key=tls.key
kubectl wait -n $N --for=condition=Ready pod/private-web --timeout=120s
