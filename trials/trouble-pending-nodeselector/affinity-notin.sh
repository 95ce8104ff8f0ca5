# correct: replace the selector by a required node affinity that excludes the control plane
N=lab-trouble-pending-nodeselector
kubectl patch deploy api -n $N -p '{"spec":{"template":{"spec":{"nodeSelector":null,"affinity":{"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"node-role.kubernetes.io/control-plane","operator":"DoesNotExist"}]}]}}}}}}}'
kubectl rollout status deploy/api -n $N --timeout=120s
