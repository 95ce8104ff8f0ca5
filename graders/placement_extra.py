"""Placement primitives for the scheduling labs: where pods run, node schedulability.

Same contract as `kubelab.graders.k8s`: return a short observation when the state is right,
raise `Failed` (the student's) or `InfraError` (the cluster's) when not. They read through a
`Kube` reader (`get`/`list`), so unit tests pass a fake one.
"""

from __future__ import annotations

from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.graders.k8s import Kube, must_get, pod_phase_text


def _selector(labels: dict[str, str] | str | None) -> str | None:
    if labels is None or isinstance(labels, str):
        return labels
    return ",".join(f"{k}={v}" for k, v in labels.items())


def _active(pods: list[dict]) -> list[dict]:
    """Pods that are not finished and not being deleted."""
    return [p for p in pods if not field(p, "metadata.deletionTimestamp")
            and field(p, "status.phase") not in ("Succeeded", "Failed")]


def _owner_kind(pod: dict) -> str | None:
    owners = field(pod, "metadata.ownerReferences") or []
    return owners[0].get("kind") if owners else None


def node_schedulable(kube: Kube, node: str, expected: bool = True) -> str:
    """Passes when the node is schedulable (expected=True) or cordoned (expected=False)."""
    obj = must_get(kube, "Node", node)
    cordoned = bool(field(obj, "spec.unschedulable"))
    want = "schedulable" if expected else "cordoned (SchedulingDisabled)"
    found = "cordoned (SchedulingDisabled)" if cordoned else "schedulable"
    if cordoned == expected:
        raise Failed(f"node {node}: expected {want}, found {found}", expected=want, found=found)
    return f"node {node} is {found}"


def no_evictable_pods_on_node(kube: Kube, namespace: str, node: str) -> str:
    """Passes when no pod of the namespace, other than DaemonSet pods, runs on the node."""
    pods = [p for p in _active(kube.list("Pod", namespace))
            if field(p, "spec.nodeName") == node and _owner_kind(p) != "DaemonSet"]
    if pods:
        names = ", ".join(p["metadata"]["name"] for p in pods[:5])
        raise Failed(f"node {node}: expected no evictable pods of {namespace} on it, found {len(pods)} ({names})",
                     expected="0", found=str(len(pods)))
    return f"no evictable pods of {namespace} on {node}"


def deployment_available(kube: Kube, namespace: str, name: str, replicas: int | None = None) -> str:
    """Passes when the Deployment has spec.replicas (or `replicas`) ready, updated replicas."""
    dep = must_get(kube, "Deployment", name, namespace)
    want = int(replicas if replicas is not None else field(dep, "spec.replicas") or 1)
    spec = int(field(dep, "spec.replicas") if field(dep, "spec.replicas") is not None else 1)
    ready = int(field(dep, "status.readyReplicas") or 0)
    updated = int(field(dep, "status.updatedReplicas") or 0)
    if spec != want:
        raise Failed(f"deployment {name} spec.replicas: expected {want}, found {spec}",
                     expected=str(want), found=str(spec))
    if ready < want:
        raise Failed(f"deployment {name}: expected {want} ready replicas, found {ready}",
                     expected=str(want), found=str(ready))
    if updated < want:
        raise Failed(f"deployment {name}: expected {want} replicas of the current pod template, found {updated} "
                     f"(the rollout has not finished: `kubectl rollout status deployment/{name} -n {namespace}`)",
                     expected=str(want), found=f"{updated} updated")
    return f"deployment {name} has {ready}/{want} ready replicas"


def pods_on_distinct_nodes(kube: Kube, namespace: str, labels: dict[str, str] | str, minimum: int) -> str:
    """Passes when at least `minimum` running pods match and no two of them share a node."""
    pods = [p for p in _active(kube.list("Pod", namespace, _selector(labels)))
            if field(p, "status.phase") == "Running"]
    nodes = [field(p, "spec.nodeName") for p in pods]
    shown = ", ".join(f"{p['metadata']['name']}@{n}" for p, n in zip(pods, nodes)) or "none"
    if len(pods) < minimum:
        raise Failed(f"pods {_selector(labels)}: expected at least {minimum} running, found {len(pods)} ({shown})",
                     expected=str(minimum), found=str(len(pods)))
    if len(set(nodes)) != len(nodes):
        raise Failed(f"pods {_selector(labels)}: expected each on its own node, found {shown}",
                     expected="one pod per node", found=shown)
    return f"{len(pods)} pods on {len(set(nodes))} nodes: {shown}"


def pods_all_on_node(kube: Kube, namespace: str, labels: dict[str, str] | str, node: str, minimum: int = 1) -> str:
    """Passes when at least `minimum` pods match, all Running on `node`."""
    pods = _active(kube.list("Pod", namespace, _selector(labels)))
    wrong = [p for p in pods if field(p, "spec.nodeName") != node or field(p, "status.phase") != "Running"]
    shown = ", ".join(f"{p['metadata']['name']}@{field(p, 'spec.nodeName') or pod_phase_text(p)}" for p in pods[:6])
    if len(pods) < minimum or wrong:
        raise Failed(f"pods {_selector(labels)}: expected at least {minimum} Running on {node}, "
                     f"found {shown or 'none'}", expected=f">= {minimum} on {node}", found=shown or "none")
    return f"{len(pods)} pod(s) {_selector(labels)} Running on {node}"


def only_tolerating_pods_on_node(kube: Kube, namespace: str, node: str, key: str) -> str:
    """Passes when every pod of the namespace on the node tolerates taint `key`."""
    on_node = [p for p in _active(kube.list("Pod", namespace)) if field(p, "spec.nodeName") == node]
    bad = []
    for p in on_node:
        tols = field(p, "spec.tolerations") or []
        if not any(t.get("key") == key or (t.get("operator") == "Exists" and not t.get("key")) for t in tols):
            bad.append(p["metadata"]["name"])
    if bad:
        raise Failed(f"node {node}: expected only pods tolerating {key}, found {', '.join(bad[:5])} without it",
                     expected=f"only pods tolerating {key}", found=", ".join(bad[:5]))
    return f"all {len(on_node)} pod(s) of {namespace} on {node} tolerate {key}"
