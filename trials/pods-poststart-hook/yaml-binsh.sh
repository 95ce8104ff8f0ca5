# correct: /bin/sh hooks, block lists
kubectl apply -n lab-pods-poststart-hook -f - <<'Y'
apiVersion: v1
kind: Pod
metadata:
  name: hooked
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: nginx:1.22.1
    lifecycle:
      postStart:
        exec:
          command:
          - /bin/sh
          - -c
          - echo poststart-ran > /usr/share/nginx/html/started.txt
      preStop:
        exec:
          command:
          - /bin/sh
          - -c
          - nginx -s quit; sleep 1
Y
kubectl wait -n lab-pods-poststart-hook --for=condition=Ready pod/hooked --timeout=120s
