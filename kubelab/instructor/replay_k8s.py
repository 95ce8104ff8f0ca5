"""Kubernetes steps of a replay: make the fence, apply the screened objects as the replay identity.

Every object is applied server-side as `system:serviceaccount:<ns>:kubelab-replay` (impersonated,
as `kubectl apply --as` did: kubelab.instructor.server_apply), so the API server enforces the fence
again (RBAC, Pod Security, quota, LimitRange) whatever the screen missed. The API's refusal is named
in the replay's `refused` list; an API that cannot be asked is the replay's trouble (ReplayError),
never the submission's.
"""

from __future__ import annotations

import json
import re
import subprocess

from kubelab.instructor import policy
from kubelab.instructor.sandbox import (CONTAINER_DEFAULT_LIMIT, CONTAINER_DEFAULT_REQUEST, CONTAINER_MAX,
                                        REPLAY_SA, replay_identity, sandbox_manifests)


class ReplayError(RuntimeError):
    """The replay's own machinery failed (not the submission's fault). `.replay` is what it made."""

    def __init__(self, message: str, replay=None):
        super().__init__(message)
        self.replay = replay


def _kubectl_argv() -> list[str]:
    from kubelab.cluster.tools import find_tool
    from kubelab.graders.k8s import default_context

    return [str(find_tool("kubectl") or "kubectl"), "--context", default_context()]


def kubectl(args: list[str], stdin: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(_kubectl_argv() + args, input=stdin, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"kubectl {' '.join(args[:3])}: no answer in {timeout:g} s")


def to_yaml(docs: list[dict]) -> str:
    import yaml

    return yaml.safe_dump_all(docs, sort_keys=False)


def api_message(text: str) -> str:
    """The useful part of a kubectl error (`Error from server (Forbidden): ... : <reason>`)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("Warning:")]
    line = lines[-1] if lines else text.strip()
    line = re.sub(r"^Error from server \((\w+)\): ", r"\1: ", line)
    line = re.sub(r"error when (creating|applying patch|retrieving current configuration of)[^:]*\"STDIN\": ", "", line)
    return line[:300]


def _kube():
    from kubelab.graders.k8s import Kube

    return Kube()


def _apply(r, obj: dict, as_user: str | None = None) -> str:
    """Apply one object (server-side); "" when taken, else the API's refusal. The API being
    unreachable raises ReplayError: the replay's trouble, not a refusal of the submission."""
    from kubelab.graders.errors import InfraError
    from kubelab.instructor import server_apply

    try:
        return server_apply.apply(_kube(), obj, as_user=as_user, namespace=r.namespace)
    except InfraError as exc:
        raise ReplayError(f"applying {policy.ref(obj)} in {r.namespace}: {exc}", r) from exc


def _apply_noted(r, obj: dict, as_user: str | None = None) -> None:
    """Apply one object and name it in the replay's `applied` or, with the API's reason, `refused`."""
    why = _apply(r, obj, as_user=as_user)
    if why:
        r.refused.append(f"{policy.ref(obj)}: {why}")
    else:
        r.applied.append(policy.ref(obj))


def _patch(r, kind: str, name: str, namespace: str | None, patch: dict, what: str) -> str:
    """A JSON merge patch by the instructor; "" when taken, else the API's refusal. The API being
    unreachable raises ReplayError (`what` names the step)."""
    from kubelab.graders.errors import InfraError
    from kubelab.instructor.server_apply import problem

    kube = _kube()
    try:
        status, body = kube.rest("PATCH", kube.path(kind, name, namespace), patch)
    except InfraError as exc:
        raise ReplayError(f"{what}: {exc}", r) from exc
    return "" if 200 <= status < 300 else problem(status, body)


def make_sandbox(r, lab_id: str) -> None:
    for obj in sandbox_manifests(r.namespace, lab_id):
        why = _apply(r, obj)
        if why:
            raise ReplayError(f"could not create the replay namespace {r.namespace}: {policy.ref(obj)}: {why}", r)


_CLASSES: dict = {}


def storage_classes(ttl: float = 60.0) -> set[str] | None:
    """Names of the cluster's StorageClasses, read at most once a minute (None when they cannot be
    read: the screen then leaves the class to the API)."""
    import time

    from kubelab.graders.errors import InfraError

    now = time.monotonic()
    if _CLASSES.get("at", -ttl) + ttl > now:
        return _CLASSES["names"]
    try:
        names = {c["metadata"]["name"] for c in _kube().list("StorageClass")}
    except (InfraError, KeyError, TypeError):
        return None
    _CLASSES.update(at=now, names=names)
    return names


def in_replay(obj: dict, lab_namespace: str | None, namespace: str) -> dict:
    """The screened object moved into the replay namespace (RoleBinding subjects with it)."""
    obj = json.loads(json.dumps(obj))
    obj["metadata"]["namespace"] = namespace
    if obj.get("kind") == "RoleBinding":
        for s in obj.get("subjects") or []:
            if s.get("kind") == "ServiceAccount":
                s["namespace"] = namespace
    if obj.get("kind") == "Ingress":
        # one controller serves every namespace: hosts of their own, so that replays (and the live lab)
        # never share a route; the graders ask for the same names (graders/http_probe.lab_host)
        from kubelab.graders.http_probe import replay_host

        spec = obj.get("spec") or {}
        for rule in spec.get("rules") or []:
            rule["host"] = replay_host(rule.get("host"), namespace)
        for tls in spec.get("tls") or []:
            if tls.get("hosts"):
                tls["hosts"] = [replay_host(h, namespace) for h in tls["hosts"]]
    return obj


def apply_objects(r, allowed: list[dict]) -> None:
    who = replay_identity(r.namespace)
    for obj in allowed:
        _apply_noted(r, in_replay(obj, r.lab_namespace, r.namespace), as_user=who)


def replay_nodes(r, nodes: list, scope) -> None:
    """Re-apply the recorded node state the lab concerns (screened by policy.screen_nodes), as the
    instructor: the lab is graded serially and its reset steps undo this afterwards."""
    commands, refused = policy.screen_nodes(nodes, scope)
    r.refused += refused
    for argv, what in commands:
        p = kubectl(argv)
        if p.returncode == 0:
            r.applied.append(what)
        else:
            r.refused.append(f"{what}: {api_message(p.stderr or p.stdout)}")


REJECTED = "Pod was rejected:"  # the kubelet's admission refusal (status.message of a Failed pod)


def _unschedulable(status: dict) -> bool:
    return any(c.get("type") == "PodScheduled" and c.get("status") == "False" for c in status.get("conditions") or [])


def readmit_rejected(r, allowed: list[dict], within: float = 15.0, pause: float = 0.5) -> None:
    """Make again, once, a bare pod the kubelet rejected at admission right after the replay changed
    the lab's nodes. The replay labels or taints a node and applies the pod milliseconds later: the
    scheduler may place the pod by the new node state while the kubelet's own copy of its node does
    not show it yet, and the kubelet then fails the pod ("Pod was rejected: Predicate NodeAffinity
    failed"), a race of the replay's own speed that a student typing the commands does not meet.
    Waits until every bare pod runs, has finished, is unscheduled, or `within` seconds passed."""
    import time

    from kubelab.graders.errors import InfraError

    pods = {o["metadata"]["name"]: o for o in allowed if o.get("kind") == "Pod" and policy.ref(o) in r.applied}
    if not pods:
        return
    kube, again, deadline = _kube(), set(), time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            status, body = kube.rest("GET", kube.path("Pod", None, r.namespace))
        except InfraError:
            return  # the convergence step reports an API that cannot be asked
        settled = True
        for pod in (body.get("items") or []) if status == 200 else []:
            name, st = pod["metadata"]["name"], pod.get("status") or {}
            if name not in pods:
                continue
            if st.get("phase") == "Failed" and str(st.get("message", "")).startswith(REJECTED) and name not in again:
                again.add(name)
                kube.rest("DELETE", kube.path("Pod", name, r.namespace), query=[("gracePeriodSeconds", "0")])
                while kube.rest("GET", kube.path("Pod", name, r.namespace))[0] == 200 and time.monotonic() < deadline:
                    time.sleep(0.2)
                why = _apply(r, in_replay(pods[name], r.lab_namespace, r.namespace), as_user=replay_identity(r.namespace))
                r.notes.append(f"Pod {name}: rejected by the kubelet as the node state was being replayed "
                               f"({str(st.get('message'))[:120]}); made again" + (f", refused: {why}" if why else ""))
                settled = False
            elif st.get("phase") == "Pending" and not _unschedulable(st):
                settled = False  # not placed yet, or placed and not admitted or started yet
        if settled:
            return
        time.sleep(pause)


def label_namespace(r, labels: dict) -> None:
    """The record's Pod Security labels (screened: baseline or stricter) on the replay namespace, set
    by the instructor before any object is applied (the replay identity may not label namespaces)."""
    if not labels:
        return
    why = _patch(r, "Namespace", r.namespace, None, {"metadata": {"labels": {k: str(v) for k, v in labels.items()}}},
                 f"labelling the replay namespace {r.namespace}")
    if not why:
        r.applied.append(f"Namespace labels {', '.join(f'{k}={v}' for k, v in sorted(labels.items()))}")
    else:
        r.refused.append(f"Namespace labels: {why}")


def api_defaults(item: dict) -> dict[str, dict]:
    """A Container LimitRange item's defaults as the API server stores them: a `max` with no
    `default` becomes the default, a `default` with no `defaultRequest` the request (else the `min`)."""
    default = {**(item.get("max") or {}), **(item.get("default") or {})}
    request = {**(item.get("min") or {}), **default, **(item.get("defaultRequest") or {})}
    return {"default": default, "defaultRequest": request}


def sandbox_limits_agreeing(recorded: dict[str, dict]) -> list[dict]:
    """The replay's own LimitRange item, its maxima kept, whose defaults for the resources a recorded
    LimitRange defaults are the recorded ones. The API picks among several LimitRanges' defaults in
    no fixed order, and it makes an item's `max` its default where none is given, so leaving those
    defaults out of the replay's LimitRange is not enough: its 1Gi max would become a second
    memory default, applied to some pods and not others. Agreeing, the order does not matter."""
    from kubelab.graders.meaning import parse_quantity

    default = {**CONTAINER_DEFAULT_LIMIT, **recorded.get("default", {})}
    request = {**CONTAINER_DEFAULT_REQUEST, **recorded.get("defaultRequest", {})}
    for key, value in request.items():  # a recorded request above the replay's own default limit
        if key not in recorded.get("default", {}):
            try:
                if parse_quantity(value) > parse_quantity(default.get(key, value)):
                    default[key] = value
            except Exception:
                pass  # not a quantity: the API refuses the patch and the replay says so
    return [{"type": "Container", "max": dict(CONTAINER_MAX), "defaultRequest": request, "default": default}]


def apply_limits(r, limits: list[dict]) -> None:
    """The record's ResourceQuotas and LimitRanges (screened), applied by the instructor after the
    objects: a quota or a limit range only narrows what the namespace admits, and the replay identity
    may not touch the replay's own. The replay's LimitRange takes the recorded LimitRanges' defaults
    for the resources they default (`sandbox_limits_agreeing`)."""
    recorded: dict[str, dict] = {"default": {}, "defaultRequest": {}}
    for obj in limits:
        if obj.get("kind") != "LimitRange":
            continue
        for item in (obj.get("spec") or {}).get("limits") or []:
            if isinstance(item, dict) and item.get("type") == "Container":
                for part, values in api_defaults(item).items():
                    for key, value in values.items():
                        recorded[part].setdefault(key, value)
    if any(recorded.values()):
        what = "could not adjust the replay's LimitRange"
        why = _patch(r, "LimitRange", REPLAY_SA, r.namespace, {"spec": {"limits": sandbox_limits_agreeing(recorded)}}, what)
        if why:
            raise ReplayError(f"{what}: {why}", r)
    for obj in limits:
        _apply_noted(r, in_replay(obj, r.lab_namespace, r.namespace))
