# correct: --mount type=volume, the writer removed by --rm, reader mounts read-only, volume created by docker volume create --name
docker volume create --name kl-data
docker run --rm --name kl-writer --mount type=volume,source=kl-data,target=/data docker.io/library/busybox:1.35.0 sh -c 'echo kubelab keeps me >> /data/note.txt'
docker run --detach --name kl-reader --mount type=volume,src=kl-data,dst=/data,readonly busybox:1.35.0 sleep 3600
