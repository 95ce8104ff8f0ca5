# correct: -v with :rw, reader runs sh -c with exec, writer stops before rm
docker volume create --driver local kl-data
docker run -d --name kl-writer -v kl-data:/data:rw busybox:1.35.0 sh -c 'echo "kubelab keeps me" > /data/note.txt; sleep 1'
docker wait kl-writer
docker rm kl-writer
docker run -d --name kl-reader -v kl-data:/data:rw busybox:1.35.0 sh -c 'exec sleep 3600'
