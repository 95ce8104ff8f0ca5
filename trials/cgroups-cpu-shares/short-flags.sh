# correct: short image name, --cpu-shares=VALUE and -c VALUE
docker run -d --name kl-low --cpu-shares=512 busybox:1.35.0 sleep 3600
docker run -d --name kl-high -c 2048 docker.io/library/busybox:1.35.0 sleep 3600
