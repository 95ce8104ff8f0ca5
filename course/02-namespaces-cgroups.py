# %% [markdown]
# # 02 Namespaces and cgroups: what a container is made of
#
# **Learning objectives.** After this notebook you can
#
# - say what a container is to the kernel: an ordinary process with its own **namespaces**
#   (what it can see) and **cgroups** (how much it may use);
# - name the six classic namespaces, their `clone()` flags and what each isolates;
# - find a container's processes from the host, and read the namespace links in `/proc/<pid>/ns`;
# - make one container join another one's namespace (`--network container:`, `--pid container:`),
#   which is exactly how the containers of a Kubernetes Pod share a network;
# - limit CPU (`--cpu-shares`, `--cpus`), memory (`--memory`, `--memory-swap`) and block I/O, and
#   read each limit back from the cgroup files, on cgroup v1 and v2.
#
# The examples run live on this machine's Docker engine and kernel; objects they create are
# named `demo-02-...` and removed again. The graded labs are checked from the kernel's own view
# (namespace inodes, cgroup files), not from the options you typed.

# %% tags=["parameters"]
SOLVE = False

# %% [markdown]
# **Your environment.** The panel shows the Docker engine and the lab images.
# Anything missing comes with the command that fixes it; run that in a terminal, then press
# **Refresh**.

# %%
from kubelab.course.nb import cluster_status

cluster_status(cluster=False)

# %%
import os
from pathlib import Path

from kubelab.course.nb import docker_client, lab_task, quiz, sh
from kubelab.graders.cgroups import parse_proc_cgroup

sh("docker rm -f demo-02-a demo-02-b demo-02-c demo-02-lim demo-02-oom 2>/dev/null; true", quiet=True)


def host_pid(name: str) -> int:
    """The host PID of a container's main process (what `docker inspect -f '{{.State.Pid}}'` prints)."""
    return docker_client().api.inspect_container(name)["State"]["Pid"]


# %% [markdown]
# ## 1. A container is a process
#
# There is no "container" object in the Linux kernel. `docker run` asks runc to start an ordinary
# process with two kinds of fences around it:
#
# ```mermaid
# flowchart LR
#   subgraph host["host kernel"]
#     direction TB
#     ns["namespaces: what the process can SEE<br/>(its own PIDs, hostname, mounts, network, users, IPC)"]
#     cg["cgroups: how much it may USE<br/>(CPU time, memory, block I/O, PIDs)"]
#     p(("container process<br/>PID 1 inside, PID 4242 on the host"))
#     ns --- p --- cg
#   end
# ```
#
# Because it is just a process, a container starts in milliseconds, shares the host kernel and
# lives exactly as long as its main process. "One process per container" is a convention for
# clean life cycles and logs, not a kernel rule: a container may start helpers.

# %%
quiz("nscg-01", "nscg-02", "nscg-17", "nscg-18")

# %% [markdown]
# ## 2. The six namespaces
#
# A namespace wraps one global kernel resource so that the processes inside get their own copy.
# A process gets new namespaces through flags to `clone()` (or `unshare()`), or joins existing
# ones with `setns()`.
#
# | namespace | clone flag | isolates | since Linux |
# |---|---|---|---|
# | PID | `CLONE_NEWPID` | process IDs: the first process is PID 1 and sees only its descendants | 2.6.24 |
# | mount | `CLONE_NEWNS` | mount points: the container's own root file system | 2.4.19 (the first namespace) |
# | network | `CLONE_NEWNET` | interfaces, IP addresses, routes, ports, firewall rules | 2.6.24 - 2.6.29 |
# | user | `CLONE_NEWUSER` | user and group IDs (root inside can map to an unprivileged host user) | 2.6.23 - 3.8 |
# | UTS | `CLONE_NEWUTS` | hostname and NIS domain name | 2.6.19 |
# | IPC | `CLONE_NEWIPC` | System V IPC and POSIX message queues: semaphores, queues, shared memory | 2.6.19 |
#
# (Newer kernels add the cgroup namespace, 4.6, and the time namespace, 5.6.) The mount flag is
# called `NEWNS` because it was the first namespace, when nobody expected others.
#
# Each namespace a process is in appears as a link in `/proc/<pid>/ns/`, whose target names the
# namespace's inode: two processes share a namespace exactly when the inodes are equal.

# %%
sh("docker run -d --name demo-02-a --hostname demo-host busybox:1.35.0 sleep 300")
sh("""pid=$(docker inspect -f '{{.State.Pid}}' demo-02-a)
ps -o pid,args -p $pid""")                                      # the same process, seen from the host
pid = host_pid("demo-02-a")
sh("docker exec demo-02-a sh -c 'hostname; ps'")               # inside: PID 1, its own hostname
for kind in ("pid", "mnt", "net", "uts", "ipc", "user"):
    mine, theirs = os.readlink(f"/proc/self/ns/{kind}"), os.readlink(f"/proc/{pid}/ns/{kind}")
    print(f"{kind:5} this notebook {mine:22} demo-02-a {theirs:22} {'same' if mine == theirs else 'different'}")

# %% [markdown]
# Note the **user** namespace: Docker does not create one unless the daemon runs with
# `userns-remap`, so root in a container is root on the host (with fewer capabilities). And
# `docker exec` does not start a new container: it `setns()`-joins the running one's namespaces.

# %%
quiz("nscg-03", "nscg-04", "nscg-05", "nscg-06", "nscg-07", "nscg-08", "nscg-26", "nscg-30")

# %% [markdown]
# ## 3. Sharing a namespace between containers
#
# Instead of new namespaces, a container can join another one's:
#
# | option | joins | used for |
# |---|---|---|
# | `--network container:A` | A's network namespace | sidecars that talk over `localhost`; a Pod's containers all join the pause container's |
# | `--pid container:A` | A's PID namespace | a debug container that sees (and can `strace`) A's processes |
# | `--ipc container:A` | A's IPC namespace (A started with `--ipc shareable`) | shared memory between processes |
# | `--network host`, `--pid host`, `--uts host` | the host's | tools that must see the host |
#
# ```mermaid
# flowchart LR
#   subgraph netns["one network namespace (eth0 172.17.0.5, lo)"]
#     a["demo-02-a<br/>pid ns A, uts ns A"]
#     b["demo-02-b<br/>pid ns B, uts ns B"]
#   end
# ```

# %%
sh("docker run -d --name demo-02-b --network container:demo-02-a busybox:1.35.0 sleep 300")
sh("docker run -d --name demo-02-c busybox:1.35.0 sleep 300")       # an ordinary neighbour on the bridge
for name in ("demo-02-a", "demo-02-b", "demo-02-c"):
    p = host_pid(name)
    print(f"{name}: " + "  ".join(os.readlink(f"/proc/{p}/ns/{k}") for k in ("net", "pid", "uts")))
sh("""docker exec demo-02-b ip -4 -o addr show eth0 | awk '{print "demo-02-b sees", $4}'""")
sh("docker rm -f demo-02-a demo-02-b demo-02-c >/dev/null")

# %% [markdown]
# `demo-02-b` has the same `net:[...]` as `demo-02-a` but its own `pid:[...]` and `uts:[...]`;
# `demo-02-c` can reach both over the bridge, yet has a network namespace of its own. That is why
# the lab below grades by comparing inodes: "they can ping each other" proves nothing.

# %%
quiz("nscg-19", "nscg-20", "nscg-21", "nscg-27", "nscg-29")

# %%
lab_task("ns-uts-shared-net", solve=SOLVE)

# %% [markdown]
# ## 4. cgroups: how much a container may use
#
# A **control group** puts processes in a group and lets controllers (cpu, memory, blkio, pids,
# ...) account for and limit the group's use. cgroups can also set priorities and freeze
# (`docker pause`) and thaw the group. Docker makes one cgroup per container and writes the
# limits you ask for into its files:
#
# ```mermaid
# flowchart TB
#   subgraph v1["cgroup v1: one tree per controller"]
#     m1["/sys/fs/cgroup/memory/docker/&lt;id&gt;/memory.limit_in_bytes"]
#     c1["/sys/fs/cgroup/cpu,cpuacct/docker/&lt;id&gt;/cpu.cfs_quota_us"]
#   end
#   subgraph v2["cgroup v2: one unified tree"]
#     m2["/sys/fs/cgroup/system.slice/docker-&lt;id&gt;.scope/memory.max"]
#     c2["/sys/fs/cgroup/system.slice/docker-&lt;id&gt;.scope/cpu.max"]
#   end
# ```
#
# | docker run | meaning | cgroup v1 file | cgroup v2 file |
# |---|---|---|---|
# | `--cpu-shares 512` (`-c`) | relative weight (default 1024), only matters when CPUs are busy | `cpu.shares` = 512 | `cpu.weight` = 59 (converted, see below) |
# | `--cpus 0.5` | hard limit: quota per CFS period | `cpu.cfs_quota_us` = 50000, `cpu.cfs_period_us` = 100000 | `cpu.max` = `50000 100000` |
# | `--memory 64m` (`-m`) | RAM limit (Docker's `m` = MiB); above it the OOM killer ends the container | `memory.limit_in_bytes` | `memory.max` |
# | `--memory-swap 128m` | memory **plus** swap (so 64 MiB of swap); `-1` = unlimited swap; unset = twice the memory | `memory.memsw.limit_in_bytes` | `memory.swap.max` = swap alone |
# | `--blkio-weight 300` | relative block I/O weight (10-1000) | `blkio.weight` | `io.weight` |
# | `--device-read-bps /dev/sda:1mb`, `--device-write-bps` | bytes per second to a device | `blkio.throttle.read_bps_device` | `io.max` (`rbps=`) |
# | `--device-read-iops /dev/sda:100`, `--device-write-iops` | I/O operations per second | `blkio.throttle.read_iops_device` | `io.max` (`riops=`) |
#
# By default Docker sets no memory limit at all. The two CPU options answer different questions:
# with shares 512 and 2048, two containers spinning on one CPU split it about 20 % / 80 %, but an
# idle neighbour leaves the whole CPU to the other; a quota caps a container even on an idle host.
#
# On cgroup v2 the OCI runtime converts cpu-shares (2-262144) into `cpu.weight` (1-10000), and
# there are two conversions in the field. runc before 1.3.2 and crun before 1.23 map linearly,
# `1 + (shares - 2) * 9999 / 262142`: 512 -> 20, 1024 -> 39, 2048 -> 79, so the default 1024 lands
# far below v2's own default weight of 100. runc >= 1.3.2 and crun >= 1.23 use a curve that keeps
# 1024 at 100: 512 -> 59, 1024 -> 100, 2048 -> 174 (Kubernetes blog, 2025-10-25, "New Conversion
# from cgroup v1 CPU Shares to v2 CPU Weight"). Which numbers you read depends on the runtime of
# the host, not on Docker's version; the ratio between two containers changes too (1:4 in shares
# is 1:4 in the linear weights but about 1:3 in the new ones). Read `cpu.weight` to know.

# %%
sh("docker run -d --name demo-02-lim --memory 64m --memory-swap 96m --cpus 0.25 --cpu-shares 256 busybox:1.35.0 sleep 300")
pid = host_pid("demo-02-lim")
cgroup = parse_proc_cgroup(Path(f"/proc/{pid}/cgroup").read_text())
root = Path("/sys/fs/cgroup")
if (root / "cgroup.controllers").exists():                         # cgroup v2: one directory
    base = root / cgroup[""].lstrip("/")
    files = [base / f for f in ("memory.max", "memory.swap.max", "cpu.max", "cpu.weight")]
else:                                                             # cgroup v1: one tree per controller
    mem = root / "memory" / cgroup["memory"].lstrip("/")
    cpu = next(root / c / cgroup["cpu"].lstrip("/") for c in ("cpu,cpuacct", "cpu") if (root / c).exists())
    files = [mem / "memory.limit_in_bytes", mem / "memory.memsw.limit_in_bytes",
             cpu / "cpu.cfs_quota_us", cpu / "cpu.cfs_period_us", cpu / "cpu.shares"]
for f in files:
    print(f"{f.read_text().strip():>12}  {f}")
sh("docker rm -f demo-02-lim >/dev/null")

# %% [markdown]
# When a container needs more memory than its limit (and swap) allows, the kernel's OOM killer
# ends it: exit code 137 (128 + SIGKILL) and `OOMKilled: true` in `docker inspect`.

# %%
sh("docker run --name demo-02-oom --memory 16m --memory-swap 16m busybox:1.35.0 tail /dev/zero", check=False)
sh("docker inspect -f 'exit {{.State.ExitCode}}, OOMKilled {{.State.OOMKilled}}' demo-02-oom")
sh("docker rm demo-02-oom >/dev/null")

# %%
quiz("nscg-09", "nscg-10", "nscg-11", "nscg-28", "nscg-12", "nscg-13", "nscg-14", "nscg-15", "nscg-16", "nscg-25")

# %%
lab_task("cgroups-limits", solve=SOLVE)

# %%
lab_task("cgroups-cpu-shares", solve=SOLVE)

# %% [markdown]
# ## Exam tips
#
# - Namespaces isolate (what you see), cgroups limit (what you use). Know the six namespaces
#   with their flags: PID `CLONE_NEWPID`, mount `CLONE_NEWNS`, network `CLONE_NEWNET`, user
#   `CLONE_NEWUSER`, UTS `CLONE_NEWUTS`, IPC `CLONE_NEWIPC`.
# - `docker inspect -f '{{.State.Pid}}' NAME` gives the host PID; `ls -l /proc/PID/ns` shows its
#   namespaces; equal inodes mean a shared namespace.
# - `--memory-swap` is memory **plus** swap; `-m 400M --memory-swap 450M` leaves 50 MiB of swap.
# - `--cpus 1.5` = quota 150000 per 100000 us period; `--cpu-shares` is only a weight.
# - Units: Docker's `m`/`g` are MiB/GiB; in Kubernetes `Mi`/`Gi` are binary, `M`/`G` decimal and a
#   lower-case `m` means milli.
# - `docker update` changes CPU and memory limits of a running container; namespaces cannot be
#   changed after creation - re-create the container.
