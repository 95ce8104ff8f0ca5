# correct: --publish bound to 127.0.0.1, --detach, --name=
docker run --detach --name=kl-web --publish 127.0.0.1:8088:80 docker.io/library/nginx:1.22.1
