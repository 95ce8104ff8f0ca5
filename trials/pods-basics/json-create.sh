# correct: JSON manifest through kubectl create, image without docker.io, env with a $(VAR) reference
cat > pod.json <<'J'
{"apiVersion":"v1","kind":"Pod",
 "metadata":{"name":"web","namespace":"lab-pods-basics","labels":{"app":"web","tier":"frontend"}},
 "spec":{"containers":[{"name":"web","image":"library/nginx:1.22.1",
   "env":[{"name":"WORD","value":"kubelab"},{"name":"GREETING","value":"hello-$(WORD)"}],
   "ports":[{"name":"http","containerPort":80}]}]}}
J
kubectl create -f pod.json
kubectl wait -n lab-pods-basics --for=condition=Ready pod/web --timeout=120s
