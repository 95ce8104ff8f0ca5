# correct: the volume created implicitly by the first docker run -v, writer removed with rm -f, trailing slash on the target
docker run --name kl-writer -v kl-data:/data/ busybox:1.35.0 sh -c 'printf "kubelab keeps me\n" > /data/note.txt'
docker container rm -f kl-writer
docker run -d --name kl-reader --volume kl-data:/data busybox:1.35.0 sleep 3600
