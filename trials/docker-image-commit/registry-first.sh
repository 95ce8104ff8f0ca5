# correct: printf without newline, commit to the registry name first, then tag the short name from it
docker run --name kl-src busybox:1.35.0 sh -c 'printf snapshot > /snap.txt'
docker commit --author=kubelab kl-src 127.0.0.1:5000/kubelab/snap:v1
docker tag 127.0.0.1:5000/kubelab/snap:v1 kl-snap:v1
docker image save --output=/tmp/kubelab-snap.tar kl-snap:v1
