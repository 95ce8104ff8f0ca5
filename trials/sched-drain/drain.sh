# correct: kubectl drain with the flags this lab needs
kubectl drain kubelab-worker2 --ignore-daemonsets --delete-emptydir-data --force --pod-selector=kubelab.io/lab=sched-drain --timeout=120s
kubectl rollout status deploy/web -n lab-sched-drain --timeout=120s
