# correct: docker create + start, 0.0.0.0 explicit, a restart policy
docker create --name kl-web --restart unless-stopped -p 0.0.0.0:8088:80 docker.io/nginx:1.22.1
docker start kl-web
