# correct: absolute path to echo, build from stdin, short FROM
cat > Dockerfile <<'DF'
FROM busybox:1.35.0
ENTRYPOINT ["/bin/echo", "Hello,"]
CMD ["world"]
DF
docker build -t kl-greet:v1 - < Dockerfile
