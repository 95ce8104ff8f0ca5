# correct: -d bridge and an ip-range; create the container, move it from the default bridge to kl-net with a fixed IP, start it
docker network create -d bridge --subnet 172.30.10.0/24 --gateway 172.30.10.1 --ip-range 172.30.10.128/25 kl-net
docker create --name kl-app docker.io/kubelab/web:v1
docker network disconnect bridge kl-app
docker network connect --ip 172.30.10.10 kl-net kl-app
docker start kl-app
