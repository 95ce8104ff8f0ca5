# near-miss: an ip-range of one address: Docker hands out .10, but it is not a fixed address
docker network create --subnet 172.30.10.0/24 --gateway 172.30.10.1 --ip-range 172.30.10.10/32 kl-net
docker run -d --name kl-app --network kl-net docker.io/kubelab/web:v1
