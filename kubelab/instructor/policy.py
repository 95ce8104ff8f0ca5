"""What a submission may replay on the instructor's machine, decided before anything is applied.

A record is untrusted input. `screen_objects` and `screen_containers` sort what it holds into
what may be replayed and what is refused, each refusal with a reason a student can read
(`Pod evil: privileged container "c" (refused: the replay namespace enforces Pod Security "baseline")`).
The cluster enforces the same limits again (RBAC, Pod Security Admission, ResourceQuota): this
screen exists so that the feedback names the problem instead of a ReplicaSet event nobody reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# namespaced kinds a replay may create (anything else is refused)
ALLOWED_KINDS = {
    "Pod", "Service", "ConfigMap", "Secret", "PersistentVolumeClaim", "ServiceAccount", "Deployment",
    "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "NetworkPolicy", "Ingress", "Role",
    "RoleBinding", "HorizontalPodAutoscaler", "PodDisruptionBudget",
}
CLUSTER_SCOPED = {
    "Namespace", "Node", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "APIService", "CSIDriver", "RuntimeClass", "IngressClass",
}
# never replayed: the server makes them, or they would undo the replay's own limits
SERVER_MADE = {"Event", "Endpoints", "EndpointSlice", "ControllerRevision", "ResourceQuota", "LimitRange",
               "Lease"}
MAX_OBJECTS = 40
MAX_RECORD_BYTES = 2_000_000
BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                 "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
PSA = "refused: the replay namespace enforces Pod Security \"baseline\""


@dataclass
class Screened:
    """Objects that may be replayed, and refusals as readable lines."""

    allowed: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def ref(obj: dict) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return f"{obj.get('kind', '?')} {meta.get('name', '?')}"


def pod_spec_of(obj: dict) -> dict | None:
    """The pod spec inside a Pod or a workload (its template), or None."""
    kind = obj.get("kind")
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {})
    tmpl = spec.get("template") if isinstance(spec.get("template"), dict) else None
    if tmpl is not None:
        return tmpl.get("spec") if isinstance(tmpl.get("spec"), dict) else {}
    return None


def pod_spec_problems(spec: dict) -> list[str]:
    """What Pod Security "baseline" forbids in this pod spec (privileged, host namespaces, hostPath ...)."""
    problems = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"{key}: true")
    for vol in spec.get("volumes") or []:
        if isinstance(vol, dict) and "hostPath" in vol:
            path = (vol.get("hostPath") or {}).get("path", "?")
            problems.append(f"hostPath volume {vol.get('name', '?')} ({path})")
    containers = [c for key in ("initContainers", "containers", "ephemeralContainers")
                  for c in (spec.get(key) or []) if isinstance(c, dict)]
    for c in containers:
        name = c.get("name", "?")
        sc = c.get("securityContext") or {}
        if sc.get("privileged"):
            problems.append(f"privileged container {name!r}")
        added = set(((sc.get("capabilities") or {}).get("add")) or []) - BASELINE_CAPS
        if added:
            problems.append(f"container {name!r} adds capabilities {', '.join(sorted(map(str, added)))}")
        for port in c.get("ports") or []:
            if isinstance(port, dict) and port.get("hostPort"):
                problems.append(f"container {name!r} uses hostPort {port['hostPort']}")
    return problems


def screen_objects(objects: list, namespace: str | None, max_objects: int = MAX_OBJECTS) -> Screened:
    """Sort recorded objects into replayable and refused (with reasons). Never raises."""
    out = Screened()
    if not isinstance(objects, list):
        out.refused.append(f"objects: expected a list of manifests, found {type(objects).__name__}")
        return out
    for i, obj in enumerate(objects):
        where = f"object #{i + 1}"
        if not isinstance(obj, dict):
            out.refused.append(f"{where}: not a manifest (found {type(obj).__name__})")
            continue
        meta = obj.get("metadata")
        kind = obj.get("kind")
        if not isinstance(kind, str) or not isinstance(obj.get("apiVersion"), str):
            out.refused.append(f"{where}: missing apiVersion or kind")
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
            out.refused.append(f"{where} ({kind}): missing metadata.name")
            continue
        name = ref(obj)
        if kind in CLUSTER_SCOPED:
            out.refused.append(f"{name}: cluster-scoped object (refused: a replay may only touch its own namespace)")
            continue
        if kind in SERVER_MADE:
            continue  # made by the server (or the replay's own limits): silently not replayed
        if kind not in ALLOWED_KINDS:
            out.refused.append(f"{name}: kind {kind} is not replayed (allowed: {', '.join(sorted(ALLOWED_KINDS))})")
            continue
        ns = meta.get("namespace")
        if ns not in (None, "", namespace):
            out.refused.append(f"{name}: in namespace {ns} (refused: only objects of the lab's namespace "
                               f"{namespace} are replayed)")
            continue
        spec = pod_spec_of(obj)
        problems = pod_spec_problems(spec) if spec else []
        if problems:
            out.refused.append(f"{name}: {'; '.join(problems)} ({PSA})")
            continue
        if len(out.allowed) >= max_objects:
            out.refused.append(f"{name}: more than {max_objects} objects (refused: flood limit)")
            continue
        out.allowed.append(obj)
    return out


# ---- Docker -----------------------------------------------------------------------------------

def container_problems(spec: dict) -> list[str]:
    """What a Docker replay refuses: privileged, added capabilities, host namespaces, bind mounts, devices."""
    problems = []
    if spec.get("privileged"):
        problems.append("--privileged")
    if spec.get("cap_add"):
        problems.append(f"--cap-add {','.join(map(str, spec['cap_add']))}")
    for key in ("network_mode", "pid_mode", "ipc_mode", "userns_mode", "uts_mode"):
        if str(spec.get(key) or "") == "host":
            problems.append(f"{key.replace('_mode', '')}=host")
    if spec.get("devices"):
        problems.append("--device")
    for m in spec.get("mounts") or []:
        if not isinstance(m, dict) or m.get("type") not in ("volume", "tmpfs"):
            src = m.get("source", "?") if isinstance(m, dict) else "?"
            problems.append(f"bind mount of {src} (only named volumes and tmpfs are replayed)")
    for opt in spec.get("security_opt") or []:
        if "unconfined" in str(opt):
            problems.append(f"--security-opt {opt}")
    return problems


def screen_containers(containers: list, max_containers: int = 10) -> tuple[list[dict], list[str]]:
    """(replayable container specs, refusals)."""
    allowed, refused = [], []
    if not isinstance(containers, list):
        return [], [f"containers: expected a list, found {type(containers).__name__}"]
    for i, spec in enumerate(containers):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not isinstance(spec.get("image"), str):
            refused.append(f"container #{i + 1}: needs a name and an image")
            continue
        problems = container_problems(spec)
        if problems:
            refused.append(f"container {spec['name']}: {'; '.join(problems)} (refused on the instructor's engine)")
            continue
        if len(allowed) >= max_containers:
            refused.append(f"container {spec['name']}: more than {max_containers} containers (refused: flood limit)")
            continue
        allowed.append(spec)
    return allowed, refused


# ---- node state (scheduling labs) ----------------------------------------------------------------

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
REPLAYED_EFFECTS = ("NoSchedule", "PreferNoSchedule")  # NoExecute would evict the instructor's own pods


def _label_value_ok(value) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(LABEL_VALUE.match(value))


def screen_nodes(nodes: list, scope) -> tuple[list[tuple[list[str], str]], list[str]]:
    """Recorded node state -> ([(kubectl argv, what)], refused). Only the lab's NodeScope passes: its
    nodes, its label keys, its taint keys (NoSchedule/PreferNoSchedule), the cordon when it asks for one."""
    commands: list[tuple[list[str], str]] = []
    refused: list[str] = []
    if not isinstance(nodes, list):
        return [], [f"nodes: expected a list, found {type(nodes).__name__}"]
    for entry in nodes[: len(scope.nodes) + 2]:
        if not isinstance(entry, dict) or entry.get("name") not in scope.nodes:
            name = entry.get("name") if isinstance(entry, dict) else entry
            refused.append(f"node {str(name)[:60]}: not a node this lab concerns ({', '.join(scope.nodes)})")
            continue
        name = entry["name"]
        labels = entry.get("labels") or {}
        for key, value in (labels.items() if isinstance(labels, dict) else []):
            if key not in scope.labels:
                refused.append(f"node {name} label {str(key)[:60]}: not a label this lab concerns")
            elif not _label_value_ok(value):
                refused.append(f"node {name} label {key}: {str(value)[:60]!r} is not a valid label value")
            else:
                commands.append((["label", "node", name, f"{key}={value}", "--overwrite"],
                                 f"node {name}: label {key}={value}"))
        for t in entry.get("taints") or []:
            if not isinstance(t, dict) or t.get("key") not in scope.taints:
                refused.append(f"node {name} taint {str(t)[:60]}: not a taint this lab concerns")
                continue
            key, value, effect = t["key"], t.get("value") or "", t.get("effect")
            if effect not in REPLAYED_EFFECTS:
                refused.append(f"node {name} taint {key}:{str(effect)[:30]}: the replay applies only "
                               f"{' or '.join(REPLAYED_EFFECTS)} taints (NoExecute would evict the instructor's pods)")
            elif value and not _label_value_ok(value):
                refused.append(f"node {name} taint {key}: {str(value)[:60]!r} is not a valid taint value")
            else:
                spec = f"{key}={value}:{effect}" if value else f"{key}:{effect}"
                commands.append((["taint", "node", name, spec, "--overwrite"], f"node {name}: taint {spec}"))
        if entry.get("unschedulable") is True:
            if scope.cordon:
                commands.append((["cordon", name], f"node {name}: cordoned"))
            else:
                refused.append(f"node {name}: a cordon is not part of this lab")
    return commands, refused
