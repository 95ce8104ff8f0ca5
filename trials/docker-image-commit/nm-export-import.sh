# near-miss: export/import flattens the layers and loses the author
docker run --name kl-src busybox:1.35.0 sh -c 'echo snapshot > /snap.txt'
docker export kl-src | docker import --message kubelab - kl-snap:v1
docker tag kl-snap:v1 127.0.0.1:5000/kubelab/snap:v1
docker save -o /tmp/kubelab-snap.tar kl-snap:v1
