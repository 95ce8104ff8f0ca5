# correct: --opt=value forms, short image name, --net alias
docker network create --subnet=172.30.10.0/24 --gateway=172.30.10.1 kl-net
docker run -d --name=kl-app --net=kl-net --ip=172.30.10.10 kubelab/web:v1
