# near-miss: kubectl run --port leaves the port unnamed
kubectl run web -n lab-pods-basics --image=nginx:1.22.1 --labels=app=web,tier=frontend --port=80 --env=GREETING=hello-kubelab
kubectl wait -n lab-pods-basics --for=condition=Ready pod/web --timeout=120s
