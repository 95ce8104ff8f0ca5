"""Docker: run a web server detached and publish its port on the host."""

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_engine as de
from kubelab.labs.model import Lab, Params, Run

P = Params(
    container="kl-web",   # container name
    image="nginx",        # image catalog key (cluster/images.yaml)
    host_port=8088,       # port on the host
    container_port=80,    # port nginx listens on inside the container
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="docker-web-port",
    title="Run a detached web container and publish its port",
    topic="docker",
    shape="docker",
    minutes=10,
    params=P,
    docker={"containers": [P.container]},
    task=f"""\
Run a web server in Docker so that it keeps running in the background and answers on the host.

1. Start a container named `{P.container}` from the image `{IMAGE}`, **detached**.
2. Publish host port **{P.host_port}** to the container's port **{P.container_port}**.
3. Confirm it answers: `curl -s http://127.0.0.1:{P.host_port}/` prints the welcome page.

The image is already in your Docker engine (no registry needed).""",
)


@lab.check("container-exists", f"A container named {P.container} exists", points=1,
           hint=f"`docker run --name {P.container} ...`; `docker ps -a` lists every container")
def container_exists(ctx):
    return de.container_exists(ctx.docker, P.container)


@lab.check("container-running", f"Container {P.container} is running (detached)", points=1,
           requires=["container-exists"],
           hint="start it with `-d` so that it runs in the background; `docker start` restarts a stopped one")
def container_running(ctx):
    return de.container_running(ctx.docker, P.container)


@lab.check("container-image", f"Container {P.container} runs {IMAGE}", points=1, requires=["container-exists"],
           hint=f"the image is the last argument of `docker run`: `{IMAGE}`; an image cannot be changed, "
                "so remove the container (`docker rm -f`) and run it again")
def container_image(ctx):
    return de.container_image(ctx.docker, P.container, IMAGE)


@lab.check("port-mapping", f"Host port {P.host_port} is published to container port {P.container_port}",
           points=2, requires=["container-exists"],
           hint=f"`-p {P.host_port}:{P.container_port}` (host first, container second); "
                f"`docker port {P.container}` shows the mapping")
def port_mapping(ctx):
    return de.port_mapping(ctx.docker, P.container, P.container_port, P.host_port)


@lab.check("answers-http", f"http://127.0.0.1:{P.host_port}/ answers", points=2,
           hint=f"the container must be running with `-p {P.host_port}:{P.container_port}`; "
                f"try `curl -v http://127.0.0.1:{P.host_port}/`")
def answers_http(ctx):
    return ctx.docker.http_answers(P.host_port)


@lab.solution
def solution(p):
    return [Run(["docker", "run", "-d", "--name", p.container, "-p", f"{p.host_port}:{p.container_port}",
                 lab_image(p.image)])]


lab.near_miss("wrong-host-port", "publishes host port 8089 instead", params={"host_port": 8089},
              fails=["port-mapping", "answers-http"])
lab.near_miss("stopped", "the container was stopped (or never detached)",
              after=lambda p: [Run(["docker", "stop", "-t", "1", p.container])],
              fails=["container-running", "answers-http"])
lab.near_miss("wrong-image", "runs the web-v1 image instead of nginx", params={"image": "web-v1"},
              fails=["container-image"])


@lab.variant("long-options-short-image", "`--publish`/`--detach`/`--name=` long options in another order and "
             "the short image name nginx:1.22.1")
def long_options_short_image(p):
    short = lab_image(p.image).removeprefix("docker.io/library/")
    return [Run(["docker", "run", "--publish", f"{p.host_port}:{p.container_port}", f"--name={p.container}",
                 "--detach", short])]


@lab.variant("create-start-loopback", "`docker create` then `docker start`, published on 127.0.0.1 only with an "
             "explicit /tcp (`-p 127.0.0.1:H:C/tcp`), a restart policy")
def create_start_loopback(p):
    return [Run(["docker", "create", "--name", p.container, "--restart", "unless-stopped",
                 "-p", f"127.0.0.1:{p.host_port}:{p.container_port}/tcp", lab_image(p.image)]),
            Run(["docker", "start", p.container])]
