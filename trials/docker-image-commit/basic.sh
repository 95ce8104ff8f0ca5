# correct: the plain sequence
docker run --name kl-src busybox:1.35.0 sh -c 'echo snapshot > /snap.txt'
docker commit -a kubelab kl-src kl-snap:v1
docker tag kl-snap:v1 127.0.0.1:5000/kubelab/snap:v1
docker save -o /tmp/kubelab-snap.tar kl-snap:v1
