"""Do two processes (containers) share a Linux namespace? Compare /proc/<pid>/ns/<kind> inodes.

`readlink /proc/<pid>/ns/net` reads `net:[4026532561]`; two processes share the namespace
exactly when the inode numbers are equal. The numbers are the same whoever reads them, so
the link can be read on the host (a container's State.Pid) or inside each container
(`readlink /proc/1/ns/net` through an exec).
"""

from __future__ import annotations

import os
import re
from typing import Callable

from kubelab.graders.errors import Failed

KINDS = ("net", "pid", "ipc", "uts", "mnt", "user", "cgroup", "time")
_LINK = re.compile(r"^\s*(\w+):\[(\d+)\]\s*$")


def parse_ns_link(text: str) -> tuple[str, int]:
    """'net:[4026532561]' -> ('net', 4026532561)."""
    m = _LINK.match(text)
    if not m:
        raise ValueError(f"not a namespace link: {text!r}")
    return m.group(1), int(m.group(2))


def host_inode(pid: int, kind: str, proc: str = "/proc") -> int:
    """The namespace inode of a process visible to this one."""
    if kind not in KINDS:
        raise ValueError(f"unknown namespace kind {kind!r}; one of {', '.join(KINDS)}")
    try:
        return parse_ns_link(os.readlink(f"{proc}/{pid}/ns/{kind}"))[1]
    except FileNotFoundError as exc:
        raise Failed(f"process {pid}: expected to exist, found none", found="no such process") from exc


def exec_inode(run: Callable[[list[str]], tuple[int, str]], kind: str, pid: int | str = 1) -> int:
    """The namespace inode read inside a container through run(argv) -> (rc, output)."""
    rc, out = run(["readlink", f"/proc/{pid}/ns/{kind}"])
    if rc != 0:
        raise Failed(f"could not read /proc/{pid}/ns/{kind} in the container: {out.strip()[:80]}")
    return parse_ns_link(out.strip())[1]


def expect_shared(kind: str, a: tuple[str, int], b: tuple[str, int], shared: bool = True) -> str:
    """Compare two (label, inode) pairs; Failed unless they share (or, shared=False, do not share)."""
    (la, ia), (lb, ib) = a, b
    same = ia == ib
    if same != shared:
        want = "the same" if shared else "different"
        found = f"{la} {kind}:[{ia}], {lb} {kind}:[{ib}]"
        raise Failed(f"{kind} namespace of {la} and {lb}: expected {want}, found {found}",
                     expected=f"{want} {kind} namespace", found=found)
    if same:
        return f"{la} and {lb} share the {kind} namespace ({kind}:[{ia}])"
    return f"{la} and {lb} do not share the {kind} namespace ({kind}:[{ia}] vs {kind}:[{ib}])"


def docker_share_namespace(d, a: str, b: str, kind: str = "net", shared: bool = True) -> str:
    """Passes when Docker containers a and b share (shared=False: do not share) a namespace."""
    from kubelab.graders.docker_engine import container_pid

    def inode(name: str) -> int:
        pid = container_pid(d, name)
        if os.path.exists(f"/proc/{pid}/ns"):
            return host_inode(pid, kind)
        return exec_inode(lambda argv: d.exec(name, argv), kind)

    return expect_shared(kind, (a, inode(a)), (b, inode(b)), shared)


def pod_containers_share_namespace(kube, namespace: str, pod: str, a: str, b: str, kind: str = "pid",
                                   shared: bool = True) -> str:
    """Passes when two containers of a pod share (or not) a namespace, read inside each container."""

    def inode(container: str) -> int:
        def run(argv):
            rc, out, err = kube.exec(namespace, pod, argv, container=container)
            return rc, out or err

        return exec_inode(run, kind, "self")

    return expect_shared(kind, (a, inode(a)), (b, inode(b)), shared)
