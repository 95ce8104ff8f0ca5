"""Memory and CPU limits read from cgroup files, v1 and v2 alike.

Where the files are read is a parameter (`read(path) -> str | None`), so the same code reads
the host's /sys/fs/cgroup for a container's PID, the files inside a container (`docker exec`
or a pod exec, where the container sees its own cgroup at the root), or a fixture folder.

- v1: memory/<cg>/memory.limit_in_bytes; cpu[,cpuacct]/<cg>/cpu.cfs_quota_us and cpu.cfs_period_us
- v2: <cg>/memory.max ("max" or bytes); <cg>/cpu.max ("max 100000" or "50000 100000")
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kubelab.graders.errors import Failed

Reader = Callable[[str], "str | None"]
UNLIMITED_V1 = 1 << 62  # v1 reports "no limit" as a huge page-rounded number


@dataclass
class Limits:
    version: int
    memory_bytes: int | None  # None: no limit
    cpu_quota_us: int | None  # None: no limit
    cpu_period_us: int

    @property
    def cpus(self) -> float | None:
        return None if self.cpu_quota_us is None else self.cpu_quota_us / self.cpu_period_us


def file_reader(prefix: str | Path = "") -> Reader:
    """Read files under prefix (a fixture folder, or "" for the real file system)."""
    base = str(prefix).rstrip("/")

    def read(path: str) -> str | None:
        try:
            return Path(base + path).read_text()
        except OSError:
            return None

    return read


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/<pid>/cgroup -> {controller: path}; the v2 line `0::/path` is under key ""."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.strip().split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            out[""] = path
        for c in controllers.split(","):
            if c:
                out[c.removeprefix("name=")] = path
    return out


def read_limits(read: Reader, root: str = "/sys/fs/cgroup", cgroup: dict[str, str] | None = None) -> Limits:
    """Limits of the cgroup named in `cgroup` (from parse_proc_cgroup), or of the root when omitted.

    Raises Failed when neither a v1 nor a v2 layout is readable.
    """
    cgroup = cgroup or {}
    if read(f"{root}/cgroup.controllers") is not None:
        base = _join(root, cgroup.get("", "/"))
        mem = (read(f"{base}/memory.max") or "").strip()
        cpu = (read(f"{base}/cpu.max") or "").split()
        if not mem and not cpu:
            raise Failed(f"cgroup v2 files not found under {base}", found="no cgroup files")
        memory = None if mem in ("", "max") else int(mem)
        quota = None if not cpu or cpu[0] == "max" else int(cpu[0])
        period = int(cpu[1]) if len(cpu) > 1 else 100000
        return Limits(2, memory, quota, period)
    mem_dir = _join(f"{root}/memory", cgroup.get("memory", "/"))
    mem = read(f"{mem_dir}/memory.limit_in_bytes")
    quota = period = None
    for ctrl in ("cpu,cpuacct", "cpu", "cpuacct,cpu"):
        cpu_dir = _join(f"{root}/{ctrl}", cgroup.get("cpu", "/"))
        quota = read(f"{cpu_dir}/cpu.cfs_quota_us")
        if quota is not None:
            period = read(f"{cpu_dir}/cpu.cfs_period_us")
            break
    if mem is None and quota is None:
        raise Failed(f"no cgroup v1 or v2 files under {root}", found="no cgroup files")
    memory = None if mem is None or int(mem) >= UNLIMITED_V1 else int(mem)
    q = None if quota is None or int(quota) < 0 else int(quota)
    return Limits(1, memory, q, int(period) if period else 100000)


def _join(root: str, path: str) -> str:
    return root.rstrip("/") + "/" + path.strip("/") if path.strip("/") else root.rstrip("/")


def limits_of_pid(pid: int, read: Reader | None = None, root: str = "/sys/fs/cgroup") -> Limits:
    """Limits of a host process's cgroup (e.g. a Docker container's State.Pid)."""
    read = read or file_reader()
    text = read(f"/proc/{pid}/cgroup")
    if text is None:
        raise Failed(f"process {pid}: expected to exist, found no /proc/{pid}/cgroup", found="no such process")
    return read_limits(read, root, parse_proc_cgroup(text))


_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "ki": 1024, "mi": 1024**2, "gi": 1024**3}
_DOCKER_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def parse_bytes(text: str | int) -> int:
    """'64Mi' (Kubernetes) / '64m' (docker: binary) / '1G' / 1048576 -> bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not m:
        raise ValueError(f"not a memory size: {text!r}")
    num, unit = float(m.group(1)), m.group(2)
    if unit in _DOCKER_UNITS:  # docker --memory 64m means MiB
        return int(num * _DOCKER_UNITS[unit])
    unit = unit.lower().removesuffix("b") if unit.lower() not in ("b",) else ""
    if unit not in _UNITS:
        raise ValueError(f"unknown memory unit in {text!r}")
    return int(num * _UNITS[unit])


def _mib(n: int | None) -> str:
    return "no limit" if n is None else (f"{n // 1024**2}Mi" if n % 1024**2 == 0 else f"{n} bytes")


def memory_limit_is(limits: Limits, expected: str | int, who: str = "container") -> str:
    """Passes when the cgroup memory limit equals expected (e.g. '64Mi', '128m')."""
    want = parse_bytes(expected)
    if limits.memory_bytes != want:
        raise Failed(f"{who} memory limit (cgroup v{limits.version}): expected {_mib(want)}, found {_mib(limits.memory_bytes)}",
                     expected=_mib(want), found=_mib(limits.memory_bytes))
    return f"{who} memory limit is {_mib(want)} (cgroup v{limits.version})"


def cpu_limit_is(limits: Limits, cpus: float | str, who: str = "container") -> str:
    """Passes when quota/period equals cpus (0.5, '500m', '1.5')."""
    if isinstance(cpus, str):
        cpus = float(cpus[:-1]) / 1000 if cpus.endswith("m") else float(cpus)
    found = limits.cpus
    if found is None or abs(found - cpus) > 0.001:
        shown = "no limit" if found is None else f"{found:g} CPU"
        raise Failed(f"{who} CPU limit (cgroup v{limits.version}): expected {cpus:g} CPU, found {shown}",
                     expected=f"{cpus:g} CPU", found=shown)
    return f"{who} CPU limit is {cpus:g} CPU (cgroup v{limits.version})"


def exec_reader(run: Callable[[list[str]], tuple[int, str]]) -> Reader:
    """A Reader that cats files inside a container through `run(argv) -> (rc, output)`."""

    def read(path: str) -> str | None:
        rc, out = run(["cat", path])
        return out if rc == 0 else None

    return read


def docker_container_limits(d, name: str) -> Limits:
    """Limits of a running Docker container: from the host's cgroup files when this process
    can see the container's PID, otherwise from inside the container (docker exec cat)."""
    from kubelab.graders.docker_engine import container_pid

    pid = container_pid(d, name)
    host = file_reader()
    if host(f"/proc/{pid}/cgroup") is not None:
        return limits_of_pid(pid, host)
    return read_limits(exec_reader(lambda argv: d.exec(name, argv)))


def pod_container_limits(kube, namespace: str, pod: str, container: str | None = None) -> Limits:
    """Limits of a pod's container, read inside it (its own cgroup is at the root of its view)."""

    def run(argv: list[str]) -> tuple[int, str]:
        rc, out, _ = kube.exec(namespace, pod, argv, container=container)
        return rc, out

    return read_limits(exec_reader(run))
