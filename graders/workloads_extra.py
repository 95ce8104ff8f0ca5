"""Workload primitives the pod/controller/probe labs need beyond `k8s`.

- pods_matching:        the pods a label selector picks (live ones, not terminating)
- init_container_completed: an init container terminated with exit code 0
- daemonset_on_every_node:  the DaemonSet has a ready pod on every node (control plane included)
- deployment_pods_run:  every live pod of a Deployment runs the image and is ready, count = replicas
- endpoints_split:      which pod IPs a Service lists as ready / not ready
- pod_recreated:        the pod is younger than another object by some seconds (it was deleted and came back)

All read through `kubelab.graders.k8s.Kube` and raise `Failed` with `expected X, found Y`.
"""

from __future__ import annotations

from datetime import datetime

from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.graders.k8s import Kube, _ready, must_get
from kubelab.graders.meaning import same_image


def _selector(labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in labels.items())


def pods_matching(kube: Kube, namespace: str, labels: dict) -> list[dict]:
    """Pods carrying all `labels`, leaving out those being deleted, sorted by name."""
    pods = kube.list("Pod", namespace, _selector(labels))
    pods = [p for p in pods if not field(p, "metadata.deletionTimestamp")
            and all((field(p, "metadata.labels") or {}).get(k) == v for k, v in labels.items())]
    return sorted(pods, key=lambda p: p["metadata"]["name"])


def only_pod(kube: Kube, namespace: str, labels: dict) -> dict:
    """The single live pod carrying `labels`; Failed when there is none or several."""
    pods = pods_matching(kube, namespace, labels)
    if len(pods) != 1:
        names = ", ".join(p["metadata"]["name"] for p in pods) or "none"
        raise Failed(f"pods with {_selector(labels)}: expected exactly 1, found {len(pods)} ({names})",
                     expected="1", found=str(len(pods)))
    return pods[0]


def init_container_completed(kube: Kube, namespace: str, pod: str, container: str) -> str:
    """Passes when the init container `container` terminated with exit code 0."""
    obj = must_get(kube, "Pod", pod, namespace)
    statuses = field(obj, "status.initContainerStatuses") or []
    st = next((s for s in statuses if s.get("name") == container), None)
    if st is None:
        names = ", ".join(s.get("name", "?") for s in statuses) or "none"
        raise Failed(f"pod {pod} init container {container}: expected it to have run, found init containers {names}",
                     expected=container, found=names)
    term = (st.get("state") or {}).get("terminated")
    if not term or term.get("exitCode") != 0:
        state = st.get("state") or {}
        found = (f"exit code {term.get('exitCode')}" if term else
                 ", ".join(f"{k}" + (f" ({v.get('reason')})" if isinstance(v, dict) and v.get("reason") else "")
                           for k, v in state.items()) or "no state")
        raise Failed(f"pod {pod} init container {container}: expected terminated with exit code 0, found {found}",
                     expected="exit code 0", found=found)
    return f"init container {container} completed (exit code 0)"


def daemonset_on_every_node(kube: Kube, namespace: str, name: str) -> str:
    """Passes when the DaemonSet has a ready pod on every node of the cluster."""
    ds = must_get(kube, "DaemonSet", name, namespace)
    nodes = sorted(n["metadata"]["name"] for n in kube.list("Node"))
    uid = field(ds, "metadata.uid")
    on = set()
    for p in kube.list("Pod", namespace):
        owners = field(p, "metadata.ownerReferences") or []
        if any(o.get("uid") == uid for o in owners) and _ready(p) and not field(p, "metadata.deletionTimestamp"):
            on.add(field(p, "spec.nodeName"))
    missing = [n for n in nodes if n not in on]
    if missing:
        raise Failed(f"daemonset {name}: expected a ready pod on each of {len(nodes)} nodes, "
                     f"found none on {', '.join(missing)}", expected=", ".join(nodes), found=", ".join(sorted(on)) or "none")
    return f"daemonset {name} has a ready pod on every node ({', '.join(nodes)})"


def deployment_pods_run(kube: Kube, namespace: str, name: str, image: str, replicas: int) -> str:
    """Passes when the Deployment's pod template runs `image` and it has exactly `replicas` live pods,
    all ready and all running `image` (pods of an old ReplicaSet still running it do not count as the repair)."""
    dep = must_get(kube, "Deployment", name, namespace)
    template = sorted({c.get("image") for c in field(dep, "spec.template.spec.containers") or []})
    if not template or not all(same_image(i, image) for i in template):   # the old pods may still run it
        raise Failed(f"deployment {name} template: expected its pods to run {image}, found "
                     f"{', '.join(template) or 'no container'}", expected=image, found=", ".join(template))
    labels = field(dep, "spec.selector.matchLabels") or {}
    pods = pods_matching(kube, namespace, labels)
    images = sorted({c.get("image") for p in pods for c in field(p, "spec.containers") or []})
    same = bool(images) and all(same_image(i, image) for i in images)   # nginx:1.22.1 = docker.io/library/nginx:1.22.1
    if len(pods) != replicas or not same or not all(_ready(p) for p in pods):
        ready = sum(1 for p in pods if _ready(p))
        found = f"{len(pods)} pod(s), {ready} ready, images {', '.join(images) or 'none'}"
        raise Failed(f"deployment {name} pods: expected {replicas} ready pod(s) running {image}, found {found}",
                     expected=f"{replicas} x {image}", found=found)
    return f"{replicas} ready pod(s) of {name}, all running {image}"


def endpoints_split(kube: Kube, namespace: str, service: str) -> tuple[set[str], set[str]]:
    """(ready IPs, not-ready IPs) that the Service's EndpointSlices list."""
    must_get(kube, "Service", service, namespace)
    ready, unready = set(), set()
    for s in kube.list("EndpointSlice", namespace, f"kubernetes.io/service-name={service}"):
        for ep in s.get("endpoints") or []:
            ok = (ep.get("conditions") or {}).get("ready", True)
            (ready if ok else unready).update(ep.get("addresses") or [])
    return ready, unready


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def pod_recreated(kube: Kube, namespace: str, pod: str, than_kind: str, than_name: str, seconds: float = 2.0) -> str:
    """Passes when the pod was created at least `seconds` after the other object (so it was deleted and came back)."""
    obj = must_get(kube, "Pod", pod, namespace)
    other = must_get(kube, than_kind, than_name, namespace)
    gap = (_time(obj["metadata"]["creationTimestamp"]) - _time(other["metadata"]["creationTimestamp"])).total_seconds()
    if gap < seconds:
        raise Failed(f"pod {pod}: expected to be created again after {than_kind} {than_name} "
                     f"(delete it and let the controller bring it back), found it is the original pod "
                     f"({gap:.0f} s younger)", expected="a re-created pod", found="the original pod")
    return f"pod {pod} was re-created {gap:.0f} s after {than_kind} {than_name}"
