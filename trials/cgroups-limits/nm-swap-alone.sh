# near-miss: --memory-swap read as "swap alone" = 64m (so memory+swap is 64 MiB, no swap)
docker run -d --name kl-limited -m 64m --memory-swap 64m --cpus 0.5 busybox:1.35.0 sleep 3600
