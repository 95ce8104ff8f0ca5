# correct: kubectl edit with sed as the editor; the port named http first, probes point at the name
N=lab-probes-repair
KUBE_EDITOR="sed -i -e 's/port: 8080/port: http/' -e 's/path: \/health$/path: \/healthz/' -e 's/- containerPort: 80$/- name: http\n          containerPort: 80/' -e 's/port: 80$/port: http/'" kubectl edit deploy shop -n $N
kubectl get deploy shop -n $N -o yaml | grep -B2 -A8 'Probe:\|ports:'
kubectl rollout status deploy/shop -n $N --timeout=120s
