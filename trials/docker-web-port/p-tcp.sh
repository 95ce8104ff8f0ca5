# correct: -p with /tcp, short image name
docker run -d --name kl-web -p 8088:80/tcp nginx:1.22.1
