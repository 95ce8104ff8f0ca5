# correct: kubectl edit, targetPort 80
N=lab-trouble-svc-targetport
KUBE_EDITOR="sed -i 's/targetPort: 8080/targetPort: 80/'" kubectl edit svc api -n $N
sleep 3
