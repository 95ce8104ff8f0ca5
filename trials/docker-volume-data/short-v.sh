# correct: -v everywhere, explicit volume create
docker volume create kl-data
docker run --name kl-writer -v kl-data:/data busybox:1.35.0 sh -c 'echo "kubelab keeps me" > /data/note.txt'
docker rm kl-writer
docker run -d --name kl-reader -v kl-data:/data busybox:1.35.0 sleep 3600
