# near-miss: container:host order reversed
docker run -d --name kl-web -p 80:8088 nginx:1.22.1
