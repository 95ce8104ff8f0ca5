# correct: kubectl run with short image, port name added with sed, then wait
kubectl run web -n lab-pods-basics --image=nginx:1.22.1 --labels=app=web,tier=frontend --port=80 \
  --env=GREETING=hello-kubelab --dry-run=client -o yaml \
 | sed 's/^\(\s*\)- containerPort: 80$/\1- containerPort: 80\n\1  name: http/' > pod.yaml
cat pod.yaml
kubectl apply -f pod.yaml
kubectl wait -n lab-pods-basics --for=condition=Ready pod/web --timeout=120s
