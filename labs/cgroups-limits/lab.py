"""cgroups: a container limited in memory, memory+swap and CPU time, graded from the cgroup files."""

from kubelab.cluster.api import lab_image
from kubelab.graders import cgroups as cg
from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.labs.model import Lab, Params, Run

P = Params(
    container="kl-limited",   # the limited container
    image="busybox",          # image catalog key
    memory="64m",             # docker --memory (Docker's m = MiB)
    memory_swap="128m",       # docker --memory-swap: memory AND swap together
    cpus="0.5",               # docker --cpus: CFS quota / period
)
IMAGE = lab_image(P.image)
MEM = cg.parse_bytes(P.memory)
MEMSW = cg.parse_bytes(P.memory_swap)

lab = Lab(
    id="cgroups-limits",
    title="Memory, memory+swap and CPU limits in the cgroup files",
    topic="namespaces-cgroups",
    shape="docker",
    minutes=12,
    params=P,
    docker={"containers": [P.container]},
    task=f"""\
Run a detached container `{P.container}` from `{IMAGE}` (`sleep 3600`) that the kernel limits to:

- **{MEM // 1024**2} MiB** of memory,
- **{MEMSW // 1024**2} MiB** of memory and swap **together** (so at most {(MEMSW - MEM) // 1024**2} MiB of swap),
- **{P.cpus} CPU** of CPU time (a CFS quota of {int(float(P.cpus) * 100000)} us per 100000 us period).

Then read the limits where the kernel keeps them: find the container's cgroup with
`cat /proc/$(docker inspect -f '{{{{.State.Pid}}}}' {P.container})/cgroup` and look in
`/sys/fs/cgroup/memory/...` and `/sys/fs/cgroup/cpu,cpuacct/...` (cgroup v1) or `/sys/fs/cgroup/...`
(cgroup v2). The checks read the same files, so a wrong unit shows up.""",
)


@lab.check("running", f"Container {P.container} is running", points=1,
           hint=f"`docker run -d --name {P.container} ... {IMAGE} sleep 3600`")
def running(ctx):
    return de.container_running(ctx.docker, P.container)


@lab.check("memory-limit", f"Memory limit is {MEM // 1024**2} MiB (cgroup)", points=2, requires=["running"],
           hint=f"`--memory {P.memory}` (`-m`): Docker's `m` means MiB; a number without a unit means bytes. "
                f"`docker update --memory ... --memory-swap ... {P.container}` changes a running container")
def memory_limit(ctx):
    return cg.memory_limit_is(cg.docker_container_limits(ctx.docker, P.container), MEM, who=P.container)


@lab.check("memory-swap-limit", f"Memory+swap limit is {MEMSW // 1024**2} MiB (engine and cgroup)", points=2,
           requires=["running"],
           hint=f"`--memory-swap {P.memory_swap}` is the total of memory and swap, not the swap alone; "
                "without it Docker allows twice the memory, and -1 means unlimited swap")
def memory_swap_limit(ctx):
    return dx.memory_swap_limit_is(ctx.docker, P.container, MEMSW)


@lab.check("cpu-quota", f"CPU limit is {P.cpus} CPU (CFS quota/period)", points=2, requires=["running"],
           hint=f"`--cpus {P.cpus}` (or `--cpu-period 100000 --cpu-quota {int(float(P.cpus) * 100000)}`); "
                "`--cpu-shares` is a relative weight, not a limit")
def cpu_quota(ctx):
    return cg.cpu_limit_is(cg.docker_container_limits(ctx.docker, P.container), float(P.cpus), who=P.container)


@lab.solution
def solution(p):
    return [Run(["docker", "run", "-d", "--name", p.container, "--memory", p.memory, "--memory-swap", p.memory_swap,
                 "--cpus", p.cpus, lab_image(p.image), "sleep", "3600"])]


lab.near_miss("swap-alone", "--memory-swap 64m, read as 'swap = 64m' (it is the total: no swap at all)",
              params={"memory_swap": "64m"}, fails=["memory-swap-limit"])
lab.near_miss("wrong-unit", "--memory 64000k: 64000 KiB is not 64 MiB", params={"memory": "64000k"},
              fails=["memory-limit"])
lab.near_miss("shares-not-quota", "--cpu-shares 512 instead of a CPU quota",
              after=lambda p: [Run(["docker", "rm", "-f", p.container]),
                               Run(["docker", "run", "-d", "--name", p.container, "--memory", p.memory,
                                    "--memory-swap", p.memory_swap, "--cpu-shares", "512", lab_image(p.image),
                                    "sleep", "3600"])],
              fails=["cpu-quota"])
lab.near_miss("whole-cpu", "--cpus 1 (a whole CPU)", params={"cpus": "1"}, fails=["cpu-quota"])


@lab.variant("quota-period-bytes", "the limits in other units: `-m` in bytes, `--memory-swap` in upper-case MiB, "
             "the CPU as `--cpu-period`/`--cpu-quota` (half of a 50000 us period is also 0.5 CPU)")
def quota_period_bytes(p):
    period = 50000
    return [Run(["docker", "run", "-m", str(MEM), f"--memory-swap={MEMSW // 1024**2}M", "--cpu-period", str(period),
                 "--cpu-quota", str(int(float(p.cpus) * period)), "--name", p.container, "-d",
                 lab_image(p.image).removeprefix("docker.io/library/"), "sleep", "3600"])]


@lab.variant("docker-update", "run without limits, then `docker update --memory ... --memory-swap ... --cpus ...` "
             "on the running container")
def docker_update(p):
    return [Run(["docker", "run", "-d", "--name", p.container, lab_image(p.image), "sleep", "3600"]),
            Run(["docker", "update", "--memory", p.memory, "--memory-swap", p.memory_swap, "--cpus", p.cpus,
                 p.container])]
