# correct: run unlimited, then set the limits with docker update (upper-case units, .5)
docker run -d --name kl-limited busybox:1.35.0 sleep 3600
docker update --memory 64M --memory-swap 128M --cpus=.5 kl-limited
