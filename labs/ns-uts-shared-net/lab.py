"""Namespaces: a container with its own hostname (UTS), and a second one joining its network namespace."""

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.graders import namespaces as ns
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Lab, Params, Run

P = Params(
    first="kl-ns-a",          # the container that owns the network namespace
    hostname="kl-host",       # its hostname (UTS namespace)
    second="kl-ns-b",         # the container that joins the first one's network namespace
    image="busybox",          # image catalog key
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="ns-uts-shared-net",
    title="A hostname of its own, a network namespace shared",
    topic="namespaces-cgroups",
    shape="docker",
    minutes=12,
    params=P,
    docker={"containers": [P.first, P.second]},
    task=f"""\
Every container gets new namespaces; Docker can also make a container **join** another one's.

1. Run a detached container `{P.first}` from `{IMAGE}` (`sleep 3600`) whose hostname is
   **`{P.hostname}`** - set in its own UTS namespace when it is created.
2. Run a detached container `{P.second}` from `{IMAGE}` (`sleep 3600`) that **shares the network
   namespace** of `{P.first}` (same interfaces, same IP, `localhost` is the same), while keeping its
   own PID namespace.
3. Compare the namespace links on the host:
   `readlink /proc/$(docker inspect -f '{{{{.State.Pid}}}}' {P.first})/ns/net` and the same for `{P.second}`.

The checks compare the namespace inodes the kernel reports, not the options you typed.""",
)


@lab.check("first-running", f"Container {P.first} is running", points=1,
           hint=f"`docker run -d --name {P.first} ... {IMAGE} sleep 3600`")
def first_running(ctx):
    return de.container_running(ctx.docker, P.first)


@lab.check("first-hostname", f"{P.first} has the hostname {P.hostname}", points=2, requires=["first-running"],
           hint=f"`-h {P.hostname}` (`--hostname`) on `docker run`; `docker exec {P.first} hostname` shows it. "
                "A running container's hostname option cannot be changed: remove it and run it again")
def first_hostname(ctx):
    return dx.hostname_is(ctx.docker, P.first, P.hostname)


@lab.check("second-running", f"Container {P.second} is running", points=1,
           hint=f"`docker run -d --name {P.second} ... {IMAGE} sleep 3600`")
def second_running(ctx):
    return de.container_running(ctx.docker, P.second)


@lab.check("net-shared", f"{P.second} shares the network namespace of {P.first}", points=3,
           requires=["first-running", "second-running"],
           hint=f"`--network container:{P.first}` on `docker run` for {P.second}: it then has no network of its "
                "own. Two containers on the same bridge network still have two network namespaces")
def net_shared(ctx):
    return ns.docker_share_namespace(ctx.docker, P.first, P.second, "net", shared=True)


@lab.check("pid-separate", f"{P.second} keeps its own PID namespace", points=1,
           requires=["first-running", "second-running"],
           hint=f"share only the network: no `--pid container:{P.first}` (and no `--pid host`)")
def pid_separate(ctx):
    # the host's PID namespace is not one of its own either, though it differs from the first container's
    if field(de.must_inspect(ctx.docker, P.second), "HostConfig.PidMode") == "host":
        raise Failed(f"container {P.second} PID namespace: expected its own, found the host's (--pid host)",
                     expected="its own PID namespace", found="the host's")
    return ns.docker_share_namespace(ctx.docker, P.first, P.second, "pid", shared=False)


@lab.solution
def solution(p):
    image = lab_image(p.image)
    return [Run(["docker", "run", "-d", "--name", p.first, "--hostname", p.hostname, image, "sleep", "3600"]),
            Run(["docker", "run", "-d", "--name", p.second, "--network", f"container:{p.first}", image,
                 "sleep", "3600"])]


def _second(opts):
    return lambda p: [Run(["docker", "rm", "-f", p.second]),
                      Run(["docker", "run", "-d", "--name", p.second, *opts(p), lab_image(p.image), "sleep", "3600"])]


lab.near_miss("wrong-hostname", "the hostname is kl-box", params={"hostname": "kl-box"}, fails=["first-hostname"])
lab.near_miss("same-bridge", "both containers on the default bridge: they can talk, but have two network namespaces",
              after=_second(lambda p: []), fails=["net-shared"])
lab.near_miss("pid-instead", "shares the PID namespace (--pid container:) instead of the network",
              after=_second(lambda p: ["--pid", f"container:{p.first}"]), fails=["net-shared", "pid-separate"])
lab.near_miss("both-shared", "shares the network and also the PID namespace",
              after=_second(lambda p: ["--network", f"container:{p.first}", "--pid", f"container:{p.first}"]),
              fails=["pid-separate"])
lab.near_miss("pid-host", "shares the network, and runs in the host's PID namespace (--pid host)",
              after=_second(lambda p: ["--network", f"container:{p.first}", "--pid", "host"]), fails=["pid-separate"])


@lab.variant("short-flags-by-id", "`-h` for the hostname, the network joined by the first container's ID "
             "(`--net container:<id>`), the short image name")
def short_flags_by_id(p):
    short = lab_image(p.image).removeprefix("docker.io/library/")
    return [Run(["docker", "run", "-dh", p.hostname, "--name", p.first, short, "sleep", "3600"]),
            Run(["sh", "-c", f"docker run -d --net container:$(docker inspect -f '{{{{.Id}}}}' {p.first}) "
                             f"--name {p.second} {short} sleep 3600"])]


@lab.variant("create-then-start", "both containers made with `docker create` and started afterwards, "
             "`--network=container:NAME` with its own IPC namespace (`--ipc private`), `--hostname=`")
def create_then_start(p):
    image = lab_image(p.image)
    return [Run(["docker", "create", "--name", p.first, f"--hostname={p.hostname}", image, "sleep", "3600"]),
            Run(["docker", "start", p.first]),
            Run(["docker", "create", "--name", p.second, f"--network=container:{p.first}", "--ipc", "private",
                 image, "sleep", "3600"]),
            Run(["docker", "start", p.second])]
