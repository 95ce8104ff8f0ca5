"""start / solve / reset: make live state, as the student would (kubectl, docker commands).

Steps run the very commands the rendered solution shows; `kubectl` gets `--context` of the
course cluster. A failed step raises StepError carrying the command line and its output.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from typing import Callable

import yaml

from kubelab.labs.model import DOCKER_LABEL, LAB_LABEL, Apply, Lab, Run, Step

Log = Callable[[str], None]


class StepError(RuntimeError):
    """A seed/solution/reset step failed; the message has the command and its output."""


def _quiet(_: str) -> None:
    pass


def kube_context() -> str:
    from kubelab.graders.k8s import default_context

    return default_context()


def _kubectl(argv: list[str]) -> list[str]:
    """kubectl as the student types it, run with kubelab's pinned kubectl (when built) and the
    course cluster's context."""
    if not argv or argv[0] != "kubectl":
        return list(argv)
    from kubelab.cluster.tools import find_tool

    binary = str(find_tool("kubectl") or "kubectl")
    if any(a.startswith("--context") for a in argv):
        return [binary, *argv[1:]]
    return [binary, "--context", kube_context(), *argv[1:]]


def manifests_yaml(docs: list[dict]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)


def step_text(step: Step) -> str:
    """The step as a student types it (bash)."""
    if isinstance(step, Apply):
        return f"kubectl apply -f - <<'EOF'\n{manifests_yaml(step.docs())}EOF"
    return shlex.join(step.argv)


def run_step(step: Step, log: Log = _quiet) -> str:
    """Run one step; return its output. Raises StepError."""
    if isinstance(step, Apply):
        argv, stdin, ok, timeout = ["kubectl", "apply", "-f", "-"], manifests_yaml(step.docs()), (0,), 60.0
    else:
        argv, stdin, ok, timeout = step.argv, None, step.ok_codes, step.timeout
    full = _kubectl(argv)
    log(f"$ {step_text(step).splitlines()[0]}")
    try:
        proc = subprocess.run(full, input=stdin, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise StepError(f"{full[0]}: not found on PATH (needed for: {shlex.join(full)})") from exc
    except subprocess.TimeoutExpired as exc:
        raise StepError(f"no answer within {timeout:g} s: {shlex.join(full)}") from exc
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode not in ok:
        raise StepError(f"command failed (exit {proc.returncode}): {shlex.join(full)}\n{out[-2000:]}")
    return out


def run_steps(steps: list[Step], log: Log = _quiet) -> None:
    for step in steps:
        run_step(step, log)


# ---- cluster shape ------------------------------------------------------------------------------

def cluster_fits(shape: str) -> tuple[bool, str]:
    """Is the course cluster reachable with enough Ready nodes for the shape?"""
    from kubelab.graders.errors import InfraError
    from kubelab.graders.k8s import Kube

    try:
        nodes = Kube(request_timeout=3).list("Node")
    except InfraError as exc:
        return False, exc.message
    ready = [n for n in nodes if any(c.get("type") == "Ready" and c.get("status") == "True"
                                     for c in (n.get("status") or {}).get("conditions") or [])]
    need = 3 if shape == "course" else 1
    if len(ready) < need:
        return False, f"{len(ready)} Ready node(s), the {shape} shape needs {need}"
    return True, f"{len(ready)} Ready nodes"


def ensure_shape(lab: Lab, log: Log = _quiet) -> None:
    """Docker labs: the engine answers. Cluster labs: the cluster has the shape (bring it up if not)."""
    if lab.shape == "docker":
        from kubelab.graders.docker_engine import docker_client

        docker_client().ping()
        return
    ok, why = cluster_fits(lab.shape)
    if ok:
        return
    log(f"cluster not ready ({why}); bringing up the {lab.shape} cluster ...")
    from kubelab.cluster.api import ensure_cluster

    ensure_cluster(lab.shape)


# ---- start / solve / reset ------------------------------------------------------------------------

def namespace_manifest(lab: Lab) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": lab.namespace, "labels": {LAB_LABEL: lab.id}}}


def start(lab: Lab, log: Log = _quiet, ensure: bool = True) -> None:
    """Ensure the cluster shape, create the lab namespace (labelled) and run the seed steps."""
    if ensure:
        ensure_shape(lab, log)
    if lab.namespace:
        _wait_namespace_gone(lab.namespace, log, only_if_terminating=True)
        run_step(Apply(namespace_manifest(lab)), log)
    run_steps(lab.seed_steps(), log)


def solve(lab: Lab, log: Log = _quiet, near_miss: str | None = None) -> None:
    """Apply the reference solution (or a declared near-miss of it)."""
    if near_miss:
        nm = next((n for n in lab.near_misses if n.id == near_miss), None)
        if nm is None:
            raise KeyError(f"lab {lab.id} has no near-miss {near_miss!r}")
        run_steps(lab.near_miss_steps(nm), log)
    else:
        run_steps(lab.solution_steps(), log)


def reset(lab: Lab, log: Log = _quiet, wait: bool = True) -> None:
    """Delete what the lab owns: its namespace, labelled cluster-scoped objects, its Docker objects."""
    run_steps(lab.extra_reset_steps(), log)
    if lab.shape == "docker" or lab.docker:
        _reset_docker(lab, log)
    if lab.shape != "docker":
        if lab.namespace:
            # pods first with no grace period: namespace deletion then takes seconds, not 30 s
            run_step(Run(["kubectl", "delete", "pods", "--all", "-n", lab.namespace, "--grace-period=0", "--force",
                          "--ignore-not-found", "--wait=false"], ok_codes=(0, 1)), log)
            run_step(Run(["kubectl", "delete", "namespace", lab.namespace, "--ignore-not-found", "--wait=false"]), log)
        for kind in lab.cluster_kinds:
            run_step(Run(["kubectl", "delete", kind, "-l", f"{LAB_LABEL}={lab.id}", "--ignore-not-found"]), log)
        if wait and lab.namespace:
            _wait_namespace_gone(lab.namespace, log)


def _wait_namespace_gone(namespace: str, log: Log, timeout: float = 120.0, only_if_terminating: bool = False) -> None:
    from kubelab.graders.k8s import Kube

    deadline = time.monotonic() + timeout
    kube = Kube()
    while True:
        kube.clear()
        ns = kube.get("Namespace", namespace)
        if ns is None:
            return
        if only_if_terminating and (ns.get("status") or {}).get("phase") != "Terminating":
            return
        if time.monotonic() > deadline:
            raise StepError(f"namespace {namespace} is still terminating after {timeout:g} s; "
                            f"see `kubectl get ns {namespace} -o yaml`")
        time.sleep(0.5)


def _reset_docker(lab: Lab, log: Log) -> None:
    from kubelab.graders.docker_engine import docker_client
    import docker

    client = docker_client()
    label = f"{DOCKER_LABEL}={lab.id}"
    names = set(lab.docker.get("containers", []))
    for c in client.containers.list(all=True):
        if c.name in names or c.labels.get(DOCKER_LABEL) == lab.id:
            log(f"docker rm -f {c.name}")
            try:
                c.remove(force=True, v=False)
            except docker.errors.NotFound:
                pass  # gone between listing and removal: nothing left to undo
    for n in set(lab.docker.get("networks", [])) | {n.name for n in client.networks.list(filters={"label": label})}:
        try:
            client.networks.get(n).remove()
            log(f"docker network rm {n}")
        except docker.errors.NotFound:
            pass
    for v in set(lab.docker.get("volumes", [])) | {v.name for v in client.volumes.list(filters={"label": label})}:
        try:
            client.volumes.get(v).remove(force=True)
            log(f"docker volume rm {v}")
        except docker.errors.NotFound:
            pass
