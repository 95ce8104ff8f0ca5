# near-miss: --cpus expresses a hard quota, not a relative weight
docker run -d --name kl-low --cpus 0.5 busybox:1.35.0 sleep 3600
docker run -d --name kl-high --cpus 2 busybox:1.35.0 sleep 3600
