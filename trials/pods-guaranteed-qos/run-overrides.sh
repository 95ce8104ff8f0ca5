# correct: kubectl run --overrides, memory as 0.0625Gi
kubectl run critical -n lab-pods-guaranteed-qos --image=nginx:1.22.1 \
  --overrides='{"spec":{"containers":[{"name":"app","image":"nginx:1.22.1","resources":{"limits":{"cpu":"100m","memory":"0.0625Gi"},"requests":{"cpu":"0.1","memory":"64Mi"}}}]}}'
kubectl wait -n lab-pods-guaranteed-qos --for=condition=Ready pod/critical --timeout=120s
kubectl get pod critical -n lab-pods-guaranteed-qos -o jsonpath='{.status.qosClass} {.spec.containers[0].resources}'
