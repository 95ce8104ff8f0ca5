# correct: --network= with an alias, labels on the network, --ip before --network
docker network create --driver=bridge --label team=web --subnet 172.30.10.0/24 --gateway 172.30.10.1 --opt com.docker.network.bridge.name=br-klnet kl-net
docker run --detach --ip 172.30.10.10 --network=kl-net --network-alias app --name kl-app kubelab/web:v1
