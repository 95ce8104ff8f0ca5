# near-miss: a bind mount of a host directory instead of the named volume
docker volume create kl-data
mkdir -p /tmp/kl-data-trial2
docker run --name kl-writer -v /tmp/kl-data-trial2:/data busybox:1.35.0 sh -c 'echo "kubelab keeps me" > /data/note.txt'
docker rm kl-writer
docker run -d --name kl-reader -v /tmp/kl-data-trial2:/data busybox:1.35.0 sleep 3600
