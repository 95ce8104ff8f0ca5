"""Last step of a replay: remove everything it made, by name and by label.

`cleanup_replay(r)` runs after every submission (and in the replay's own `finally` when a step
failed, with the names made so far). `leftovers()` / `cleanup_leftovers()` find what an
interrupted run left behind (`kubelab instructor cleanup`): namespaces labelled
`kubelab.io/grading`, containers, networks and volumes labelled `kubelab.grade`, images tagged
`kg-<hash>-image<N>:replay`, scratch folders `kubelab-replay-*` in the temp directory.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from kubelab.instructor.replay_k8s import kubectl
from kubelab.instructor.sandbox import DOCKER_GRADE_LABEL, GRADE_LABEL, IMAGE_TAG, WORKDIR_PREFIX

FINALIZED_KINDS = "configmaps,secrets,services,persistentvolumeclaims,pods,deployments,replicasets,statefulsets," \
                  "daemonsets,jobs,cronjobs,serviceaccounts,roles,rolebindings,networkpolicies,ingresses," \
                  "poddisruptionbudgets,horizontalpodautoscalers"


def strip_finalizers(namespace: str) -> list[str]:
    """Drop the finalizers of every object in the namespace (something at run time may have added
    them): a namespace whose objects keep finalizers stays Terminating with them alive."""
    p = kubectl(["get", FINALIZED_KINDS, "-n", namespace, "-o", "json", "--ignore-not-found"], timeout=30)
    stripped = []
    if p.returncode != 0 or not p.stdout.strip():
        return stripped
    try:
        items = json.loads(p.stdout).get("items") or []
    except ValueError:
        return stripped
    for obj in items:
        meta = obj.get("metadata") or {}
        if meta.get("finalizers"):
            kind = obj.get("kind", "")
            group = obj.get("apiVersion", "v1").split("/")[0] if "/" in obj.get("apiVersion", "") else ""
            resource = f"{kind.lower()}.{group}" if group else kind.lower()
            kubectl(["patch", resource, meta.get("name", ""), "-n", namespace, "--type=merge",
                     "-p", '{"metadata":{"finalizers":null}}'], timeout=20)
            stripped.append(f"{kind} {meta.get('name')}")
    return stripped


def cleanup_kubernetes(namespace: str, wait: bool = False, finalizers: bool = False) -> None:
    """Force-delete the pods, then the namespace (through the API: no kubectl started per replay).
    finalizers=True first strips finalizers from what is left (recorded ones are stripped at apply
    and replay pods hold no API credentials to add more, so only `kubelab instructor cleanup` and a
    waiting cleanup pay for that extra look). wait=True returns once the namespace is gone."""
    from kubelab.labs.actions import StepError, _wait_namespace_gone, delete_namespace

    if finalizers or wait:
        strip_finalizers(namespace)
    try:
        delete_namespace(namespace)
        if wait:
            _wait_namespace_gone(namespace, lambda _: None)
    except StepError:
        pass  # the API cannot be asked: `kubelab instructor cleanup` finds the namespace later (leftovers)


def leftover_namespaces() -> list[str]:
    p = kubectl(["get", "ns", "-l", GRADE_LABEL, "-o", "jsonpath={.items[*].metadata.name}"])
    return p.stdout.split() if p.returncode == 0 else []


def _quiet(fn, *args, **kwargs) -> bool:
    try:
        fn(*args, **kwargs)
        return True
    except Exception:
        return False


def cleanup_docker(prefix: str, made: dict | None = None) -> None:
    """Containers (with their anonymous volumes), networks, volumes and images of one replay."""
    from kubelab.graders.docker_engine import docker_client

    client = docker_client()
    flt = {"label": f"{DOCKER_GRADE_LABEL}={prefix.rstrip('-')}"}
    made = made or {}
    # list calls of the low-level API only: `containers.list` inspects each container it lists, and
    # one removed meanwhile (by its own --rm) would raise
    for c in client.api.containers(all=True, filters=flt):
        _quiet(client.api.remove_container, c["Id"], force=True, v=True)
    for name in made.get("containers", []):
        _quiet(client.api.remove_container, name, force=True, v=True)
    networks = {n.id: n for n in client.networks.list(filters=flt)}
    for name in made.get("networks", []):
        try:
            n = client.networks.get(name)
            networks.setdefault(n.id, n)
        except Exception:
            pass
    for n in networks.values():
        _quiet(n.remove)
    for v in client.volumes.list(filters=flt):
        _quiet(v.remove, force=True)
    for name in made.get("volumes", []):
        _quiet(client.api.remove_volume, name, force=True)
    for img in client.images.list():
        for tag in img.tags:
            if tag.startswith(prefix):
                _quiet(client.images.remove, tag, force=True)


def cleanup_replay(r, wait: bool = False) -> None:
    if r.namespace:
        cleanup_kubernetes(r.namespace, wait=wait)
    if r.prefix:
        cleanup_docker(r.prefix, getattr(r, "made", None))
    if r.workdir:
        shutil.rmtree(r.workdir, ignore_errors=True)


def leftovers() -> dict[str, list[str]]:
    """What replays left behind, found by label / tag / name."""
    out: dict[str, list[str]] = {"namespaces": leftover_namespaces(), "containers": [], "networks": [],
                                 "volumes": [], "images": [], "folders": []}
    try:
        from kubelab.graders.docker_engine import docker_client

        client = docker_client()
        flt = {"label": DOCKER_GRADE_LABEL}
        out["containers"] = [(c.get("Names") or [c["Id"]])[0].lstrip("/")
                             for c in client.api.containers(all=True, filters=flt)]
        out["networks"] = [n.name for n in client.networks.list(filters=flt)]
        out["volumes"] = [v.name for v in client.volumes.list(filters=flt)]
        out["images"] = [t for img in client.images.list() for t in img.tags if IMAGE_TAG.match(t)]
    except Exception:  # no Docker engine: nothing of it to clean
        pass
    out["folders"] = [str(p) for p in Path(tempfile.gettempdir()).glob(f"{WORKDIR_PREFIX}kg-*") if p.is_dir()]
    return out


def cleanup_leftovers(echo=print) -> dict[str, list[str]]:
    """Remove every leftover (see leftovers()); echo one line per thing removed. Returns what was found."""
    found = leftovers()
    for ns in found["namespaces"]:
        cleanup_kubernetes(ns, finalizers=True)
        echo(f"deleted namespace {ns}")
    if any(found[k] for k in ("containers", "networks", "volumes", "images")):
        from kubelab.graders.docker_engine import docker_client

        client = docker_client()
        for name in found["containers"]:
            if _quiet(client.api.remove_container, name, force=True, v=True):
                echo(f"removed container {name}")
        for name in found["networks"]:
            if _quiet(client.api.remove_network, name):
                echo(f"removed network {name}")
        for name in found["volumes"]:
            if _quiet(client.api.remove_volume, name, force=True):
                echo(f"removed volume {name}")
        for tag in found["images"]:
            if _quiet(client.images.remove, tag, force=True):
                echo(f"removed image {tag}")
    for folder in found["folders"]:
        shutil.rmtree(folder, ignore_errors=True)
        echo(f"removed folder {folder}")
    return found
