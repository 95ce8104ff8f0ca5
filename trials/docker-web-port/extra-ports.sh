# correct: an extra published port and an --expose, --publish=
docker run -d --name kl-web --publish=8088:80 -p 127.0.0.1:8443:443 --expose 8080 nginx:1.22.1
