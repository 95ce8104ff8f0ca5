# near-miss: the whole command in CMD: an argument replaces all of it
cat > Dockerfile <<'DF'
FROM busybox:1.35.0
CMD ["echo", "Hello,", "world"]
DF
docker build -t kl-greet:v1 - < Dockerfile
