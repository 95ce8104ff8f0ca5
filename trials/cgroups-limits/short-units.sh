# correct: -m with lower-case unit, --cpus
docker run -d --name kl-limited -m 64m --memory-swap 128m --cpus 0.5 busybox:1.35.0 sleep 3600
