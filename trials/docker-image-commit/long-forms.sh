# correct: container still running, long subcommands, --author=, a message, save of both names via stdout
docker container run -d --name kl-src docker.io/library/busybox:1.35.0 sh -c 'echo snapshot > /snap.txt; sleep 3600'
sleep 2
docker container commit --author="kubelab" --message "snapshot taken" kl-src kl-snap:v1
docker image tag kl-snap:v1 127.0.0.1:5000/kubelab/snap:v1
docker save kl-snap:v1 127.0.0.1:5000/kubelab/snap:v1 > /tmp/kubelab-snap.tar
