# correct: lower-case instructions, spacing, extra LABEL/ENV, stage name, build from a folder with docker image build --tag=
mkdir greet
cat > greet/Dockerfile <<'DF'
# greeting image
from docker.io/library/busybox:1.35.0 as base
label maintainer="student@example.com"
env LANG=C.UTF-8
entrypoint [ "echo", "Hello," ]
cmd [ "world" ]
DF
docker image build --tag=kl-greet:v1 greet
