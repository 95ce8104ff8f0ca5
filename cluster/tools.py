"""Finding kind and kubectl, and the host facts the cluster layer depends on."""

from __future__ import annotations

import shutil
from pathlib import Path

from kubelab.cluster.api import ClusterError
from kubelab.cluster.execs import run
from kubelab.cluster.paths import bin_dir


def find_tool(name: str) -> Path | None:
    """kubelab's own build (pinned) first, then PATH."""
    own = bin_dir() / name
    if own.exists():
        return own
    found = shutil.which(name)
    return Path(found) if found else None


def require_tool(name: str) -> str:
    """The path of kind or kubectl. Raises ClusterError naming the fix when missing."""
    path = find_tool(name)
    if path is None:
        raise ClusterError(
            f"{name} not found (looked in {bin_dir()} and on PATH): run `kubelab cluster build-image` "
            f"to build it offline, or install {name} from its project's releases"
        )
    return str(path)


def docker_reachable() -> tuple[bool, str]:
    """(True, server version) or (False, what docker said)."""
    if not shutil.which("docker"):
        return False, "the docker command is not installed"
    proc = run(["docker", "version", "--format", "{{.Server.Version}}"], check=False, timeout=20)
    if proc.returncode == 0:
        return True, proc.stdout.strip()
    return False, (proc.stderr or proc.stdout).strip().splitlines()[-1] if (proc.stderr or proc.stdout).strip() else "no answer"


def require_docker() -> str:
    ok, detail = docker_reachable()
    if not ok:
        raise ClusterError(
            f"Docker is not answering ({detail}): start it (`sudo systemctl start docker`, Docker Desktop, "
            f"or `bash cluster/host/setup_docker.sh` on Debian as root)"
        )
    return detail


def has_sys_resource() -> bool:
    """Whether this host's capability bounding set has CAP_SYS_RESOURCE (bit 24)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapBnd:"):
            return bool(int(line.split()[1], 16) >> 24 & 1)
    return True


def cgroup_version() -> int:
    return 2 if Path("/sys/fs/cgroup/cgroup.controllers").exists() else 1


def mem_available_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0
