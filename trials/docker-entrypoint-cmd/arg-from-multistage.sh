# correct: the base named by a build ARG, a two-stage build whose last stage is FROM the same busybox
cat > Dockerfile <<'DF'
ARG BASE=docker.io/library/busybox:1.35.0
FROM ${BASE} AS build
RUN echo built > /built.txt
FROM ${BASE}
COPY --from=build /built.txt /built.txt
ENTRYPOINT ["echo","Hello,"]
CMD ["world"]
DF
docker build -t kl-greet:v1 -f Dockerfile .
