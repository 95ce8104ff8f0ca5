# correct: keys in another order, env from a ConfigMap key, extra label, explicit protocol, resources, pull policy
kubectl apply -n lab-pods-basics -f - <<'Y'
apiVersion: v1
kind: ConfigMap
metadata: {name: greet}
data: {GREETING: hello-kubelab}
---
kind: Pod
apiVersion: v1
metadata:
  labels:
    tier: frontend
    version: "1"
    app: web
  name: web
spec:
  containers:
  - image: docker.io/nginx:1.22.1
    imagePullPolicy: IfNotPresent
    ports:
    - protocol: TCP
      name: http
      containerPort: 80
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef: {name: greet, key: GREETING}
    resources:
      requests: {cpu: 50m, memory: 32Mi}
    name: web
Y
kubectl wait -n lab-pods-basics --for=condition=Ready pod/web --timeout=120s
