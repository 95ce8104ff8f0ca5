# correct: fractional gigabytes and a quota with the default period
docker run -d --name kl-limited --memory=0.0625g --memory-swap=0.125g --cpu-quota=50000 busybox:1.35.0 sleep 3600
