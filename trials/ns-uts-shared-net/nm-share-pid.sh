# near-miss: shares the PID namespace too
docker run -d --name kl-ns-a --hostname kl-host busybox:1.35.0 sleep 3600
docker run -d --name kl-ns-b --network container:kl-ns-a --pid container:kl-ns-a busybox:1.35.0 sleep 3600
