# near-miss: "fixes" the crash by running only sleep: the file is never written
N=lab-trouble-crashloop-command
kubectl patch deploy worker -n $N --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/command","value":["sleep","3600"]}]'
kubectl rollout status deploy/worker -n $N --timeout=120s
