"""cgroups: relative CPU weights (cpu-shares) for two containers, read from the cgroup files."""

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.labs.model import Lab, Params, Run

P = Params(
    low="kl-low",          # the container with the small weight
    low_shares=512,        # its --cpu-shares
    high="kl-high",        # the container with the big weight
    high_shares=2048,      # its --cpu-shares
    image="busybox",       # image catalog key
)
IMAGE = lab_image(P.image)
SHARE = P.high_shares / (P.low_shares + P.high_shares)

lab = Lab(
    id="cgroups-cpu-shares",
    title="CPU weights: who gets the CPU when both want it",
    topic="namespaces-cgroups",
    shape="docker",
    minutes=10,
    params=P,
    docker={"containers": [P.low, P.high]},
    task=f"""\
Two busy containers on a busy CPU split it by their **weights**, not by a hard limit.

1. Run a detached container `{P.low}` from `{IMAGE}` (`sleep 3600`) with a CPU weight of **{P.low_shares}**.
2. Run a detached container `{P.high}` from `{IMAGE}` (`sleep 3600`) with a CPU weight of **{P.high_shares}**.
3. Work out the split when both spin on one CPU (`{P.high}` would get about {SHARE:.0%}), and read the
   weights from the cgroup files: `cpu.shares` under `/sys/fs/cgroup/cpu,cpuacct/docker/<id>/` (v1,
   the value itself), or `cpu.weight` (v2, where the runtime converts it: runc >= 1.3.2 and
   crun >= 1.23 write {dx.shares_to_weight_quadratic(P.low_shares)} and {dx.shares_to_weight_quadratic(P.high_shares)}, older ones {dx.shares_to_weight(P.low_shares)} and {dx.shares_to_weight(P.high_shares)}).

Neither container gets a CPU quota: a weight only matters when the CPU is contended.""",
)


@lab.check("low-running", f"Container {P.low} is running", points=1,
           hint=f"`docker run -d --name {P.low} ... {IMAGE} sleep 3600`")
def low_running(ctx):
    return de.container_running(ctx.docker, P.low)


@lab.check("high-running", f"Container {P.high} is running", points=1,
           hint=f"`docker run -d --name {P.high} ... {IMAGE} sleep 3600`")
def high_running(ctx):
    return de.container_running(ctx.docker, P.high)


@lab.check("low-shares", f"{P.low} has CPU weight {P.low_shares} (cgroup)", points=2, requires=["low-running"],
           hint=f"`--cpu-shares {P.low_shares}` (`-c`); the default weight is 1024 (cpu.weight 100 on cgroup v2)")
def low_shares(ctx):
    return dx.cpu_shares_is(ctx.docker, P.low, P.low_shares)


@lab.check("high-shares", f"{P.high} has CPU weight {P.high_shares} (cgroup)", points=2, requires=["high-running"],
           hint=f"`--cpu-shares {P.high_shares}`; `docker update --cpu-shares ... {P.high}` changes a running container")
def high_shares(ctx):
    return dx.cpu_shares_is(ctx.docker, P.high, P.high_shares)


@lab.check("no-quota", "Neither container has a hard CPU quota", points=1, requires=["low-shares", "high-shares"],
           hint="drop `--cpus`/`--cpu-quota`: this lab is about weights, which only count under contention")
def no_quota(ctx):
    from kubelab.graders import cgroups as cg
    from kubelab.graders.errors import Failed

    for name in (P.low, P.high):
        limits = cg.docker_container_limits(ctx.docker, name)
        if limits.cpus is not None:
            raise Failed(f"container {name} CPU quota: expected none, found {limits.cpus:g} CPU",
                         expected="no quota", found=f"{limits.cpus:g} CPU")
    return "no CPU quota on either container"


@lab.solution
def solution(p):
    image = lab_image(p.image)
    return [Run(["docker", "run", "-d", "--name", p.low, "--cpu-shares", str(p.low_shares), image, "sleep", "3600"]),
            Run(["docker", "run", "-d", "--name", p.high, "--cpu-shares", str(p.high_shares), image, "sleep", "3600"])]


lab.near_miss("swapped", "the weights are the wrong way round", params={"low_shares": 2048, "high_shares": 512},
              fails=["low-shares", "high-shares"], changes=["no-quota"])
lab.near_miss("default-weight", "the low container keeps the default weight 1024", params={"low_shares": 1024},
              fails=["low-shares"], changes=["no-quota"])
lab.near_miss("quota-too", "also caps the high container with --cpus 1",
              after=lambda p: [Run(["docker", "update", "--cpus", "1", p.high])], fails=["no-quota"])


@lab.variant("short-flag-container-run", "`docker container run` with the short flag -c and the short image name")
def short_flag(p):
    image = lab_image(p.image).removeprefix("docker.io/library/")
    return [Run(["docker", "container", "run", "--detach", f"--name={p.low}", "-c", str(p.low_shares), image,
                 "sleep", "3600"]),
            Run(["docker", "container", "run", "-d", f"--name={p.high}", f"--cpu-shares={p.high_shares}", image,
                 "sleep", "3600"])]


@lab.variant("update-later", "both started with the default weight, then `docker update --cpu-shares` "
                             "(the weight of a running container changes in place)")
def update_later(p):
    image = lab_image(p.image)
    return [Run(["docker", "run", "-d", "--name", p.low, image, "sleep", "3600"]),
            Run(["docker", "run", "-d", "--name", p.high, "--memory", "64m", image, "sleep", "3600"]),
            Run(["docker", "update", "--cpu-shares", str(p.low_shares), p.low]),
            Run(["docker", "update", "--cpu-shares", str(p.high_shares), p.high])]
