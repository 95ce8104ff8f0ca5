"""`kubelab doctor`: is this machine ready for the course, and if not, what to do."""

from __future__ import annotations

from dataclasses import dataclass

from kubelab.cluster.execs import run
from kubelab.cluster.paths import bin_dir, pins
from kubelab.cluster.tools import cgroup_version, docker_reachable, find_tool, has_sys_resource, mem_available_gib


@dataclass
class Finding:
    name: str
    level: str        # ok, warn, fail
    detail: str
    fix: str = ""


def _tool_version(path: str, args: list[str]) -> str:
    proc = run([path, *args], check=False, timeout=20)
    return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr).strip() else "?"


def diagnose() -> list[Finding]:
    p = pins()
    out: list[Finding] = []
    ok, detail = docker_reachable()
    out.append(Finding("docker", "ok" if ok else "fail",
                       f"engine {detail}" if ok else detail,
                       "" if ok else "start Docker (`sudo systemctl start docker`, Docker Desktop), or on Debian as root: "
                                     "`bash cluster/host/setup_docker.sh`"))
    if ok and not has_sys_resource():
        runtime = run(["docker", "info", "--format", "{{.DefaultRuntime}}"], check=False).stdout.strip()
        good = runtime == "kubelab-runc"
        out.append(Finding("privileged containers", "ok" if good else "fail",
                           f"host lacks CAP_SYS_RESOURCE; dockerd default runtime is {runtime!r}",
                           "" if good else "restart dockerd through `bash cluster/host/setup_docker.sh` "
                                           "(it registers the kubelab-runc front)"))
    for tool, args, want in (("kind", ["version"], p.kind), ("kubectl", ["version", "--client"], p.kubernetes)):
        path = find_tool(tool)
        if path is None:
            out.append(Finding(tool, "fail", f"not found in {bin_dir()} or on PATH",
                               "`kubelab cluster build-image` builds it offline (or install it from its releases)"))
            continue
        version = _tool_version(str(path), args)
        if tool == "kubectl":
            minor = version.split("v1.")[-1].split(".")[0] if "v1." in version else "?"
            level = "ok" if minor.isdigit() and abs(int(minor) - int(p.kube_minor)) <= 1 else "warn"
            fix = "" if level == "ok" else f"kubectl should be within one minor of v1.{p.kube_minor}: `kubelab cluster build-image` builds a matching one"
        else:
            level = "ok" if want in version else "warn"
            fix = "" if level == "ok" else f"kubelab is tested with kind {want}"
        out.append(Finding(tool, level, f"{path}: {version}", fix))
    mem = mem_available_gib()
    out.append(Finding("memory", "ok" if mem >= 4 else ("warn" if mem >= 2.5 else "fail"),
                       f"{mem:.1f} GiB available (the 3-node course cluster uses about 2 GiB)",
                       "" if mem >= 4 else "close other programs, or use `kubelab cluster up --shape single`"))
    cg = cgroup_version()
    out.append(Finding("cgroups", "ok", f"cgroup v{cg}" + (" (Kubernetes 1.34's kubelet still runs on v1)" if cg == 1 else "")))
    if ok:
        have_local = run(["docker", "image", "inspect", p.local_node_image], check=False).returncode == 0
        have_up = run(["docker", "image", "inspect", p.upstream_node_image.split("@")[0]], check=False).returncode == 0
        if have_local or have_up:
            out.append(Finding("node image", "ok", p.local_node_image if have_local else p.upstream_node_image))
        else:
            out.append(Finding("node image", "warn", "no node image yet",
                               "`kubelab cluster up` pulls kind's image where Docker Hub answers; offline, run "
                               "`kubelab cluster build-image` first"))
    return out
