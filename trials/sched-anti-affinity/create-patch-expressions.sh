# correct: kubectl create deployment (labels app=spread), then a strategic-merge patch with matchExpressions
N=lab-sched-anti-affinity
kubectl create deployment spread -n $N --image=docker.io/kubelab/web:v1 --replicas=2
kubectl patch deployment spread -n $N -p '{"spec":{"template":{"spec":{"affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"topologyKey":"kubernetes.io/hostname","labelSelector":{"matchExpressions":[{"key":"app","operator":"In","values":["spread"]}]}}]}}}}}}'
kubectl rollout status deploy/spread -n $N --timeout=120s
