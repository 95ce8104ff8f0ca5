"""start / solve / reset: make live state, as the student would (kubectl, docker commands).

Steps run the very commands the rendered solution shows; `kubectl` gets `--context` of the
course cluster, and a shell step (`sh -c "kubectl ..."`) gets a kubeconfig whose current context
is the course cluster's, whatever the student's own current context is (another cluster, or none).
A failed step raises StepError carrying the command line and its output.
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


_step_kubeconfig: dict[tuple, str | None] = {}


def shell_env() -> dict | None:
    """The environment of a step that is not kubectl itself: KUBECONFIG names a copy of the
    kubeconfig reduced to the course context (written 0600 in the cache, atomically, again when
    the kubeconfig changes). None when there is no such context (the step's own error says so)."""
    from kubelab.cluster.paths import cache_dir

    sources = [p for p in (os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")).split(os.pathsep) if p]
    key = (kube_context(), tuple((p, os.path.getmtime(p) if os.path.exists(p) else 0.0) for p in sources))
    if key not in _step_kubeconfig:
        try:
            proc = subprocess.run([_kubectl(["kubectl"])[0], "config", "view", "--minify", "--flatten", "--raw",
                                   "--context", key[0]], capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            proc = None   # no kubectl (a Docker-only machine): the step runs as it is
        path = None
        if proc is not None and proc.returncode == 0 and proc.stdout.strip():
            target = cache_dir() / f"kubeconfig-{key[0]}"
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(proc.stdout)
            os.replace(tmp, target)
            path = str(target)
        _step_kubeconfig.clear()
        _step_kubeconfig[key] = path
    path = _step_kubeconfig[key]
    return {**os.environ, "KUBECONFIG": path} if path else None


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
        env = shell_env() if argv and argv[0] not in ("kubectl", "docker") else None
        proc = subprocess.run(full, input=stdin, capture_output=True, text=True, timeout=timeout, env=env)
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


def ensure_namespace(lab: Lab, log: Log = _quiet) -> None:
    """The lab namespace exists with the lab's label (created, or labelled when it was there
    without it), as `kubectl apply` of namespace_manifest would leave it. Raises StepError."""
    from kubelab.graders.errors import InfraError
    from kubelab.graders.k8s import Kube

    kube = Kube()
    manifest = namespace_manifest(lab)
    try:
        status, body = kube.rest("POST", kube.path("Namespace"), manifest)
        if status == 409:
            labels = ((kube.get("Namespace", lab.namespace) or {}).get("metadata") or {}).get("labels") or {}
            if labels.get(LAB_LABEL) == lab.id:
                return
            status, body = kube.rest("PATCH", kube.path("Namespace", lab.namespace),
                                     {"metadata": {"labels": manifest["metadata"]["labels"]}})
        elif 200 <= status < 300:
            log(f"namespace/{lab.namespace} created")
    except InfraError as exc:
        raise StepError(f"creating namespace {lab.namespace}: {exc}") from exc
    if not 200 <= status < 300:
        raise StepError(f"creating namespace {lab.namespace}: the API answered {status} "
                        f"{str(body.get('message', ''))[:200]}")


def start(lab: Lab, log: Log = _quiet, ensure: bool = True) -> None:
    """Ensure the cluster shape, create the lab namespace (labelled) and run the seed steps."""
    if ensure:
        ensure_shape(lab, log)
    if lab.namespace:
        _wait_namespace_gone(lab.namespace, log, only_if_terminating=True)
        ensure_namespace(lab, log)
    run_steps(lab.seed_steps(), log)


def solve(lab: Lab, log: Log = _quiet, near_miss: str | None = None, variant: str | None = None) -> None:
    """Apply the reference solution (or a declared near-miss of it, or a declared variant)."""
    if near_miss and variant:
        raise ValueError("give a near-miss or a variant, not both")
    if variant:
        run_steps(lab.variant_steps(lab.variant_by_id(variant)), log)
    elif near_miss:
        nm = next((n for n in lab.near_misses if n.id == near_miss), None)
        if nm is None:
            raise KeyError(f"lab {lab.id} has no near-miss {near_miss!r}")
        run_steps(lab.near_miss_steps(nm), log)
    else:
        run_steps(lab.solution_steps(), log)


def reset(lab: Lab, log: Log = _quiet, wait: bool = True, keep_namespace: bool = False) -> None:
    """Delete what the lab owns: its namespace, labelled cluster-scoped objects, its Docker objects.

    keep_namespace: empty the namespace instead of deleting it (every object the lab or the student
    made in it is deleted and waited for; only the namespace and what the control plane puts in
    every namespace stay). A `start` right after then need not wait for a Terminating namespace to
    vanish (seconds of the namespace controller's work): what `fresh` does between tests. A
    namespace that is already terminating is deleted and, with wait, waited for as without it (until it
    is gone its old objects are still there to be graded)."""
    run_steps(lab.extra_reset_steps(), log)
    if lab.shape == "docker" or lab.docker:
        _reset_docker(lab, log)
    if lab.shape != "docker":
        emptied = bool(lab.namespace and keep_namespace and _namespace_phase(lab.namespace) == "Active")
        if emptied:
            empty_namespace(lab.namespace, log)
        elif lab.namespace:
            delete_namespace(lab.namespace, log)
        for kind in lab.cluster_kinds:
            run_step(Run(["kubectl", "delete", kind, "-l", f"{LAB_LABEL}={lab.id}", "--ignore-not-found"]), log)
        if wait and lab.namespace and not emptied:  # a terminating namespace still holds the old objects
            _wait_namespace_gone(lab.namespace, log)


def fresh(lab: Lab, log: Log = _quiet, ensure: bool = True) -> None:
    """Reset the lab keeping its namespace, then start it: a clean lab without waiting for a namespace to go."""
    reset(lab, log, keep_namespace=True)
    start(lab, log, ensure=ensure)


def empty_namespace(namespace: str, log: Log = _quiet, timeout: float = 120.0) -> None:
    """Delete every object in the namespace and wait until they are gone; the namespace stays
    (kubelab.labs.wipe: through the API, under a second for a lab's namespace on an idle cluster).
    Raises StepError."""
    from kubelab.graders.errors import InfraError
    from kubelab.graders.k8s import Kube
    from kubelab.labs import wipe

    try:
        wipe.empty(Kube(), namespace, log, timeout=timeout)
    except (wipe.WipeError, InfraError) as exc:
        raise StepError(f"emptying namespace {namespace}: {exc}") from exc


def delete_namespace(namespace: str, log: Log = _quiet) -> None:
    """Delete a namespace without waiting, its pods first with no grace period (the namespace then
    goes in seconds, not after every pod's 30 s). Raises StepError."""
    from kubelab.graders.errors import InfraError
    from kubelab.graders.k8s import Kube

    kube = Kube()
    log(f"deleting namespace {namespace} (its pods first, at once)")
    try:
        for path, query in ((kube.path("Pod", None, namespace), [("gracePeriodSeconds", "0")]),
                            (kube.path("Namespace", namespace), [])):
            status, body = kube.rest("DELETE", path, query=query)
            if status not in (200, 202, 404, 409):  # 409: already terminating
                raise StepError(f"DELETE {path}: the API answered {status} {str(body.get('message', ''))[:200]}")
    except InfraError as exc:
        raise StepError(f"deleting namespace {namespace}: {exc}") from exc


def _namespace_phase(namespace: str) -> str | None:
    """'Active', 'Terminating', or None when the namespace does not exist."""
    from kubelab.graders.k8s import Kube

    ns = Kube().get("Namespace", namespace)
    return None if ns is None else ((ns.get("status") or {}).get("phase") or "Active")


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
        time.sleep(0.25)


def _reset_docker(lab: Lab, log: Log) -> None:
    from kubelab.graders.docker_engine import docker_client
    import docker

    client = docker_client()
    label = f"{DOCKER_LABEL}={lab.id}"
    names = set(lab.docker.get("containers", []))
    # the engine's list as such (containers.list() inspects each container after listing: one that
    # another test removes meanwhile would raise NotFound there)
    for c in client.api.containers(all=True):
        name = (c.get("Names") or ["/"])[0].lstrip("/")
        if name in names or (c.get("Labels") or {}).get(DOCKER_LABEL) == lab.id:
            log(f"docker rm -f {name}")
            try:
                client.api.remove_container(c["Id"], force=True, v=False)
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
