# correct: a config.json file as --from-file with --type, the pull secret attached to the default ServiceAccount
N=lab-secret-registry
printf '{"auths":{"registry.kubelab.example:5000":{"username":"student","password":"pull-Me-2026","auth":"%s"}}}' "$(printf student:pull-Me-2026 | base64 -w0)" > config.json
kubectl create secret generic regcred -n $N --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=config.json
kubectl patch serviceaccount default -n $N -p '{"imagePullSecrets":[{"name":"regcred"}]}'
kubectl run private-web -n $N --image=docker.io/kubelab/web:v1
openssl req -x509 -nodes -newkey rsa:2048 -keyout web.key -out web.crt -subj /CN=web.kubelab.example -days 10
kubectl create secret tls web-tls -n $N --cert web.crt --key web.key
kubectl get pod private-web -n $N -o jsonpath='{.spec.imagePullSecrets}'; echo
kubectl wait -n $N --for=condition=Ready pod/private-web --timeout=120s
