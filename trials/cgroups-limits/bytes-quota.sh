# correct: byte counts and explicit CFS period/quota
docker run -d --name kl-limited --memory=67108864 --memory-swap=134217728 --cpu-period=100000 --cpu-quota=50000 docker.io/library/busybox:1.35.0 sleep 3600
