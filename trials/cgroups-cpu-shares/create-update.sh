# correct: docker create + start, and a weight changed afterwards with docker update
docker create --name kl-low --cpu-shares 512 busybox:1.35.0 sleep 3600
docker start kl-low
docker container run --detach --name kl-high busybox:1.35.0 sleep 3600
docker update --cpu-shares 2048 kl-high
