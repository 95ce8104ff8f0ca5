# correct: -h, --net=container:<id>
docker run -d -h kl-host --name kl-ns-a docker.io/library/busybox:1.35.0 sleep 3600
id=$(docker inspect -f '{{.Id}}' kl-ns-a)
docker run -d --name kl-ns-b --net=container:$id docker.io/library/busybox:1.35.0 sleep 3600
