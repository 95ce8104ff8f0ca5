"""Docker: a user-defined bridge network with its own subnet and gateway, and a container on a fixed IP."""

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.labs.model import Lab, Params, Run

P = Params(
    network="kl-net",             # the user-defined bridge network
    subnet="172.30.10.0/24",      # its address range
    gateway="172.30.10.1",        # the bridge's own address, the containers' default route
    container="kl-app",           # the container on the network
    image="web-v1",               # image catalog key: busybox httpd answering "kubelab web v1"
    ip="172.30.10.10",            # the container's fixed address
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="docker-user-network",
    title="A user bridge network with a fixed container IP",
    topic="docker",
    shape="docker",
    minutes=10,
    params=P,
    docker={"containers": [P.container], "networks": [P.network]},
    task=f"""\
Give an application its own network instead of Docker's default `bridge`.

1. Create a **bridge** network `{P.network}` with subnet **{P.subnet}** and gateway **{P.gateway}**.
2. Run a detached container `{P.container}` from `{IMAGE}` attached to `{P.network}` with the
   **fixed** address **{P.ip}** (not one Docker happens to hand out).
3. Look at the result: `docker network inspect {P.network}` and
   `docker inspect -f '{{{{json .NetworkSettings.Networks}}}}' {P.container}`.""",
)


@lab.check("network-exists", f"Bridge network {P.network} exists", points=1,
           hint=f"`docker network create --driver bridge ... {P.network}`; `docker network ls` lists networks")
def network_exists(ctx):
    return dx.network_exists(ctx.docker, P.network, driver="bridge")


@lab.check("network-subnet", f"{P.network} has subnet {P.subnet}", points=1, requires=["network-exists"],
           hint=f"`--subnet {P.subnet}` when creating the network; a network's IPAM cannot be changed, so "
                f"`docker network rm {P.network}` (after removing its containers) and create it again")
def network_subnet(ctx):
    return dx.network_subnet(ctx.docker, P.network, P.subnet)


@lab.check("network-gateway", f"{P.network} has gateway {P.gateway}", points=1, requires=["network-exists"],
           hint=f"`--gateway {P.gateway}` (an address inside the subnet) when creating the network")
def network_gateway(ctx):
    return dx.network_gateway(ctx.docker, P.network, P.gateway, effective=True)


@lab.check("container-running", f"Container {P.container} runs {IMAGE}", points=1,
           hint=f"`docker run -d --name {P.container} ... {IMAGE}`")
def container_running(ctx):
    de.container_image(ctx.docker, P.container, IMAGE)
    return de.container_running(ctx.docker, P.container)


@lab.check("on-network", f"{P.container} is attached to {P.network}", points=1, requires=["container-running"],
           hint=f"`--network {P.network}` on `docker run` (or `docker network connect {P.network} {P.container}`)")
def on_network(ctx):
    return de.on_network(ctx.docker, P.container, P.network)


@lab.check("fixed-ip", f"{P.container} has the fixed address {P.ip} on {P.network}", points=2,
           requires=["on-network"],
           hint=f"`--ip {P.ip}` together with `--network {P.network}`: only user-defined networks with a "
                f"subnet accept a fixed IP; an address Docker hands out is not fixed")
def fixed_ip(ctx):
    return de.fixed_ip(ctx.docker, P.container, P.network, P.ip)


@lab.solution
def solution(p):
    return [Run(["docker", "network", "create", "--driver", "bridge", "--subnet", p.subnet, "--gateway", p.gateway,
                 p.network]),
            Run(["docker", "run", "-d", "--name", p.container, "--network", p.network, "--ip", p.ip,
                 lab_image(p.image)])]


lab.near_miss("wrong-subnet", "the whole network on 172.30.20.0/24 (subnet, gateway and IP consistent but wrong)",
              params={"subnet": "172.30.20.0/24", "gateway": "172.30.20.1", "ip": "172.30.20.10"},
              fails=["network-subnet", "network-gateway", "fixed-ip"])
lab.near_miss("default-gateway", "the gateway is another address of the subnet (172.30.10.254)",
              params={"gateway": "172.30.10.254"}, fails=["network-gateway"])
lab.near_miss("dynamic-ip", "runs on the network without --ip (an address handed out, not fixed)",
              after=lambda p: [Run(["docker", "rm", "-f", p.container]),
                               Run(["docker", "run", "-d", "--name", p.container, "--network", p.network,
                                    lab_image(p.image)])],
              fails=["fixed-ip"])
lab.near_miss("default-bridge", "the container runs on Docker's default bridge, not on the network",
              after=lambda p: [Run(["docker", "rm", "-f", p.container]),
                               Run(["docker", "run", "-d", "--name", p.container, lab_image(p.image)])],
              fails=["on-network"], changes=["fixed-ip"])


def _short(ref: str) -> str:
    """The image reference as students type it: docker.io/kubelab/web:v1 -> kubelab/web:v1."""
    return ref.removeprefix("docker.io/library/").removeprefix("docker.io/")


@lab.variant("flags-after-name", "the default driver (bridge), no --gateway (Docker gives the subnet's first "
             "address, which is the task's gateway), `--subnet=` after the network name, "
             "`--net=`/`--ip=`/`--detach` in another order, the short image name")
def flags_after_name(p):
    import ipaddress

    assert p.gateway == str(next(ipaddress.ip_network(p.subnet).hosts())), "the default gateway is the task's"
    return [Run(["docker", "network", "create", p.network, f"--subnet={p.subnet}"]),
            Run(["docker", "run", "--detach", f"--net={p.network}", f"--ip={p.ip}", f"--name={p.container}",
                 _short(lab_image(p.image))])]


@lab.variant("connect-later", "the container created first, then connected with `docker network connect --ip` "
             "(it stays on the default bridge as well) and started; the network has an --ip-range and a label")
def connect_later(p):
    return [Run(["docker", "network", "create", "-d", "bridge", "--subnet", p.subnet, "--gateway", p.gateway,
                 "--ip-range", p.subnet.rsplit(".", 1)[0] + ".128/25", "--label", "app=kl", p.network]),
            Run(["docker", "create", "--name", p.container, lab_image(p.image)]),
            Run(["docker", "network", "connect", "--ip", p.ip, p.network, p.container]),
            Run(["docker", "start", p.container])]
