"""What a submission may replay on the instructor's machine, decided before anything is applied.

A record is untrusted input. `screen_objects` and `screen_containers` sort what it holds into
what may be replayed and what is refused, each refusal with a reason a student can read
(`Pod evil: privileged container "c" (refused: the replay namespace enforces Pod Security "baseline")`).
The cluster enforces the same limits again (RBAC, Pod Security Admission, ResourceQuota): this
screen exists so that the feedback names the problem instead of a ReplicaSet event nobody reads.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from kubelab.instructor.policy_docker import (MAX_CONTAINERS, MAX_NETWORKS, MAX_PORTS, MAX_SIDECARS,  # noqa: F401
                                              MAX_VOLUMES, RESTART_POLICIES, container_limit_problems,
                                              container_problems, screen_containers, screen_networks,
                                              screen_sidecars, screen_volumes)
from kubelab.instructor.sandbox import CONTAINER_MAX
from kubelab.instructor.screening import (IMAGE_ID, MAX_REFUSAL_LINES, Refused, _list, _mapping,  # noqa: F401
                                          _short, cap_lines)
from kubelab.instructor.schema import MAX_RECORD_BYTES  # noqa: F401  (checked before parsing)

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
MAX_OBJECT_BYTES = 256 * 1024
MAX_REPLICAS = 10

BASELINE_CAPS = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
                 "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
PSA = "refused: the replay namespace enforces Pod Security \"baseline\""
# pod volume types a replay mounts (no hostPath, no network filesystems the node would mount)
VOLUME_TYPES = {"emptyDir", "configMap", "secret", "persistentVolumeClaim", "projected", "downwardAPI", "ephemeral"}
SERVICE_TYPES = {"ClusterIP", "ExternalName"}   # NodePort / LoadBalancer open ports on every node
RESERVED_PREFIX = "kubelab-replay"               # the replay's own SA, Role, RoleBinding, policies
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][-+]?[0-9]+|[numkMGTPE]i?|Ki)?$")
SUFFIX = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
          "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


@dataclass
class Screened:
    """Objects that may be replayed, and refusals as readable lines. `limits`: the record's own
    ResourceQuotas and LimitRanges (they only ever narrow what the namespace allows; applied by the
    instructor after the objects, as a student makes them after the pods they already run);
    `namespace_labels`: the Pod Security labels of the lab's namespace (only as strict as the
    replay's baseline, or stricter)."""

    allowed: list[dict] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    limits: list[dict] = field(default_factory=list)
    namespace_labels: dict = field(default_factory=dict)


def ref(obj) -> str:
    if not isinstance(obj, dict):
        return "object ?"
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return f"{_short(obj.get('kind', '?'), 40)} {_short(meta.get('name', '?'))}"


def quantity(value) -> float:
    """A Kubernetes quantity as a number (`100m` -> 0.1, `64Mi` -> 67108864). Raises Refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Refused(f"{_short(value)} is not a quantity")
    if isinstance(value, (int, float)):
        return float(value)
    m = QUANTITY.match(value.strip())
    if not m:
        raise Refused(f"{_short(value)!r} is not a quantity")
    num, suffix = m.group(1), m.group(2) or ""
    try:
        number = float(num)
    except ValueError as exc:
        raise Refused(f"{_short(value)!r} is not a quantity") from exc
    if suffix[:1] in "eE" and len(suffix) > 1:
        return number * 10 ** int(suffix[1:])
    return number * SUFFIX[suffix]


def pod_spec_of(obj: dict) -> dict | None:
    """The pod spec inside a Pod or a workload (its template), or None. Raises Refused when malformed."""
    kind = obj.get("kind")
    spec = _mapping(obj.get("spec"), "spec")
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = _mapping(_mapping(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"), "spec.jobTemplate.spec")
    if "template" in spec:
        return _mapping(_mapping(spec.get("template"), "spec.template").get("spec"), "spec.template.spec")
    return None


def _containers(spec: dict) -> list[dict]:
    out = []
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _list(spec.get(key), key):
            if not isinstance(c, dict):
                raise Refused(f"{key}: an entry is not a mapping")
            out.append(c)
    return out


def pod_spec_problems(spec: dict) -> list[str]:
    """What Pod Security "baseline" forbids in this pod spec (privileged, host namespaces, hostPath ...)."""
    problems = []
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"{key}: true")
    for vol in _list(spec.get("volumes"), "volumes"):
        if isinstance(vol, dict) and "hostPath" in vol:
            hp = vol.get("hostPath")
            path = hp.get("path", "?") if isinstance(hp, dict) else hp
            problems.append(f"hostPath volume {_short(vol.get('name', '?'))} ({_short(path)})")
    for c in _containers(spec):
        name = _short(c.get("name", "?"))
        sc = _mapping(c.get("securityContext"), f"container {name!r} securityContext")
        if sc.get("privileged"):
            problems.append(f"privileged container {name!r}")
        caps = _mapping(sc.get("capabilities"), f"container {name!r} capabilities")
        added = set(map(str, _list(caps.get("add"), "capabilities.add"))) - BASELINE_CAPS
        if added:
            problems.append(f"container {name!r} adds capabilities {', '.join(sorted(added))}")
        for port in _list(c.get("ports"), f"container {name!r} ports"):
            if isinstance(port, dict) and port.get("hostPort"):
                problems.append(f"container {name!r} uses hostPort {_short(port['hostPort'])}")
    return problems


def _resources(c: dict, name: str) -> list[str]:
    problems = []
    res = _mapping(c.get("resources"), f"container {name!r} resources")
    for part in ("requests", "limits"):
        for key, value in _mapping(res.get(part), f"container {name!r} resources.{part}").items():
            if key not in CONTAINER_MAX:
                problems.append(f"container {name!r} {part}.{_short(key)} (only cpu, memory and "
                                "ephemeral-storage are replayed)")
                continue
            amount = quantity(value)
            if amount < 0 or amount > quantity(CONTAINER_MAX[key]):
                problems.append(f"container {name!r} {part}.{key} {_short(value)} (at most {CONTAINER_MAX[key]} "
                                "in a replay)")
    return problems


def replay_problems(spec: dict, service_accounts: set[str], storage_classes: set[str] | None = None) -> list[str]:
    """What a replay refuses beyond Pod Security: placement on a chosen node, priority, blanket
    tolerations, identities the record does not create, volume types, image ids, oversized requests."""
    problems = []
    if spec.get("nodeName"):
        problems.append(f"nodeName {_short(spec['nodeName'])} (a replay never picks its node)")
    if spec.get("priorityClassName") or spec.get("priority") not in (None, 0):
        problems.append(f"priorityClassName {_short(spec.get('priorityClassName') or spec.get('priority'))} "
                        "(replays run at the default priority)")
    if spec.get("runtimeClassName"):
        problems.append(f"runtimeClassName {_short(spec['runtimeClassName'])}")
    for t in _list(spec.get("tolerations"), "tolerations"):
        if not isinstance(t, dict):
            raise Refused("tolerations: an entry is not a mapping")
        # a toleration of every taint (operator: Exists, no key) is not refused: a correct answer may use
        # one; narrow_tolerations replaces it, before it is applied, by the nodes' own schedule taints
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if sa not in (None, "", "default") and (not isinstance(sa, str) or sa.startswith(RESERVED_PREFIX)
                                            or sa not in service_accounts):
        problems.append(f"serviceAccountName {_short(sa)} (only default or a ServiceAccount the record creates)")
    for vol in _list(spec.get("volumes"), "volumes"):
        if not isinstance(vol, dict):
            raise Refused("volumes: an entry is not a mapping")
        types = set(vol) - {"name"}
        projected = _mapping(vol.get("projected"), "projected") if "projected" in vol else {}
        if any(isinstance(src, dict) and "serviceAccountToken" in src
               for src in _list(projected.get("sources"), "projected.sources")):
            problems.append(f"volume {_short(vol.get('name', '?'))}: a serviceAccountToken (replay pods get no API "
                            "credentials)")
        if "ephemeral" in vol:
            tmpl = _mapping(_mapping(vol.get("ephemeral"), "ephemeral").get("volumeClaimTemplate"),
                            "ephemeral.volumeClaimTemplate")
            problems += claim_problems(_mapping(tmpl.get("spec"), "volumeClaimTemplate.spec"), storage_classes)
        if "hostPath" not in types and not types <= VOLUME_TYPES:
            problems.append(f"volume {_short(vol.get('name', '?'))}: type {', '.join(sorted(map(str, types - VOLUME_TYPES)))} "
                            f"(replayed volume types: {', '.join(sorted(VOLUME_TYPES))})")
    for c in _containers(spec):
        name = _short(c.get("name", "?"))
        image = c.get("image")
        if not isinstance(image, str) or not image:
            problems.append(f"container {name!r} has no image")
        elif IMAGE_ID.match(image):
            problems.append(f"container {name!r} image {_short(image)} (an image id, not a name: refused)")
        problems += _resources(c, name)
    return problems


def _metadata_problems(obj: dict, namespace: str | None) -> list[str]:
    meta = obj["metadata"]
    problems = []
    name = meta["name"]
    if len(name) > 253 or not DNS_NAME.match(name):
        problems.append(f"metadata.name {_short(name)!r} is not a valid name")
    elif name.startswith(RESERVED_PREFIX):
        problems.append(f"the name {name} is the replay's own")
    _mapping(meta.get("labels"), "metadata.labels", strings=True)
    _mapping(meta.get("annotations"), "metadata.annotations", strings=True)
    ns = meta.get("namespace")
    if ns not in (None, "", namespace):
        problems.append(f"in namespace {_short(ns)} (refused: only objects of the lab's namespace {namespace} "
                        "are replayed)")
    return problems


def claim_problems(spec: dict, storage_classes: set[str] | None = None) -> list[str]:
    """A claim (PVC, StatefulSet template, ephemeral volume) may only be provisioned dynamically: a
    volumeName, a selector, `storageClassName: ""` or a class that is not a StorageClass of the cluster
    would bind a PersistentVolume someone else (the instructor, another submission) made."""
    problems = []
    if spec.get("volumeName"):
        problems.append(f"volumeName {_short(spec['volumeName'])} (would claim a PersistentVolume the "
                        "instructor owns)")
    cls = spec.get("storageClassName")
    if spec.get("selector") is not None or cls == "":  # an empty selector matches every volume
        problems.append("binds a pre-made PersistentVolume (selector / storageClassName \"\"): only "
                        "dynamically provisioned claims are replayed")
    elif cls is not None and storage_classes is not None and cls not in storage_classes:
        problems.append(f"storageClassName {_short(cls)} is not a StorageClass of the instructor's cluster "
                        "(it would bind a pre-made PersistentVolume of that class)")
    return problems


def _kind_problems(obj: dict, namespace: str | None, service_accounts: set[str], lab_ns: str | None,
                   storage_classes: set[str] | None = None) -> list[str]:
    kind, spec = obj["kind"], _mapping(obj.get("spec"), "spec")
    problems = []
    if kind == "Service":
        stype = spec.get("type", "ClusterIP")
        if stype not in SERVICE_TYPES:
            problems.append(f"type {_short(stype)} (a replay opens no port on the nodes: ClusterIP only)")
        for key in ("externalIPs", "loadBalancerIP", "loadBalancerSourceRanges", "externalTrafficPolicy"):
            if spec.get(key):
                problems.append(f"{key} (a replay may not claim addresses outside the cluster)")
        for port in _list(spec.get("ports"), "spec.ports"):
            if isinstance(port, dict) and port.get("nodePort"):
                problems.append(f"nodePort {_short(port['nodePort'])}")
    elif kind == "PersistentVolumeClaim":
        problems += claim_problems(spec, storage_classes)
    elif kind == "StatefulSet":
        for t in _list(spec.get("volumeClaimTemplates"), "spec.volumeClaimTemplates"):
            t = _mapping(t, "spec.volumeClaimTemplates[]")
            problems += claim_problems(_mapping(t.get("spec"), "volumeClaimTemplates[].spec"), storage_classes)
    elif kind == "RoleBinding":
        for s in _list(obj.get("subjects"), "subjects"):
            if not isinstance(s, dict):
                raise Refused("subjects: an entry is not a mapping")
            skind, sname, sns = s.get("kind"), s.get("name"), s.get("namespace")
            if skind == "ServiceAccount":
                if sns not in (None, "", lab_ns, namespace):
                    problems.append(f"subject ServiceAccount {_short(sns)}/{_short(sname)} (outside the namespace)")
                elif not isinstance(sname, str) or sname.startswith(RESERVED_PREFIX):
                    problems.append(f"subject ServiceAccount {_short(sname)} (the replay's own)")
            elif skind == "User" and isinstance(sname, str) and not sname.startswith("system:"):
                continue
            else:
                problems.append(f"subject {_short(skind)} {_short(sname)} (only ServiceAccounts of the namespace "
                                "and plain users)")
        role = _mapping(obj.get("roleRef"), "roleRef")
        if role.get("kind") not in ("Role", "ClusterRole") or not isinstance(role.get("name"), str):
            problems.append(f"roleRef {_short(role)}")
        elif role["name"].startswith(RESERVED_PREFIX):
            problems.append(f"roleRef {role['name']} (the replay's own Role)")
    elif kind == "Role":
        problems += [f"{p} (more than a replay may grant: RBAC escalation)" for p in rules_problems(obj.get("rules"))]
    elif kind == "Secret":
        if obj.get("type") == "kubernetes.io/service-account-token":
            problems.append("a service-account token Secret (replay pods get no API credentials)")
    elif kind == "NetworkPolicy":
        for rule in _list(spec.get("egress"), "spec.egress"):
            if not isinstance(rule, dict):
                raise Refused("spec.egress: an entry is not a mapping")
            peers = _list(rule.get("to"), "spec.egress.to")
            if _dns_only(rule):
                continue  # narrowed to the cluster DNS before it is applied (narrow_dns_egress)
            if not peers or any(not isinstance(p, dict) or "ipBlock" in p or "namespaceSelector" in p for p in peers):
                problems.append("an egress rule reaching outside the namespace (replays keep egress in their "
                                "namespace)")
                break
    elif kind in ("Deployment", "StatefulSet", "ReplicaSet"):
        replicas = spec.get("replicas", 1)
        if isinstance(replicas, bool) or not isinstance(replicas, int) or not 0 <= replicas <= MAX_REPLICAS:
            problems.append(f"replicas {_short(replicas)} (at most {MAX_REPLICAS} in a replay)")
    elif kind in ("Job", "CronJob"):
        jspec = spec if kind == "Job" else _mapping(_mapping(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"),
                                                    "spec.jobTemplate.spec")
        for key in ("parallelism", "completions"):
            value = jspec.get(key, 1)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or not 0 <= value <= MAX_REPLICAS * 2):
                problems.append(f"{key} {_short(value)} (at most {MAX_REPLICAS * 2} in a replay)")
    elif kind == "HorizontalPodAutoscaler":
        mx = spec.get("maxReplicas")
        if isinstance(mx, bool) or not isinstance(mx, int) or mx > MAX_REPLICAS:
            problems.append(f"maxReplicas {_short(mx)} (at most {MAX_REPLICAS} in a replay)")
    return problems


def _dns_only(rule: dict) -> bool:
    """An egress rule that opens port 53 (UDP/TCP) only: a DNS rule, whatever peers it names."""
    ports = rule.get("ports")
    if not isinstance(ports, list) or not ports:
        return False
    return all(isinstance(p, dict) and p.get("port") in (53, "53") and p.get("protocol", "TCP") in ("UDP", "TCP")
               and p.get("endPort") in (None, 53) for p in ports)


def narrow_dns_egress(obj: dict) -> str:
    """In a NetworkPolicy, give every DNS-only egress rule (port 53 only) that reaches outside the
    namespace the cluster DNS as its one peer: what such a rule is for (a NetworkPolicy lab grades
    lookups through CoreDNS), and all the replay's own fence allows outside the namespace.
    Returns a note, or ''."""
    from kubelab.instructor.sandbox import DNS_PEER

    if obj.get("kind") != "NetworkPolicy":
        return ""
    narrowed = 0
    for rule in (obj.get("spec") or {}).get("egress") or []:
        if not isinstance(rule, dict) or not _dns_only(rule):
            continue
        peers = rule.get("to") or []
        if peers == [DNS_PEER] or (peers and all(isinstance(p, dict) and set(p) == {"podSelector"} for p in peers)):
            continue  # the cluster DNS already, or DNS inside the namespace: nothing to narrow
        rule["to"] = [copy.deepcopy(DNS_PEER)]
        narrowed += 1
    if not narrowed:
        return ""
    return f"{ref(obj)}: {narrowed} DNS egress rule(s) (port 53) narrowed to the cluster DNS (kube-system CoreDNS)"


def probe_label_problems(obj: dict) -> list[str]:
    """The grader's probe label (kubelab.graders.network) on a recorded object or its pod template:
    such pods would be outside the replay's egress fence."""
    from kubelab.instructor.sandbox import PROBE_LABEL

    metas = [obj.get("metadata")]
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {}) if isinstance(spec.get("jobTemplate"), dict) else {}
    if isinstance(spec.get("template"), dict):
        metas.append(spec["template"].get("metadata"))
    for meta in metas:
        labels = meta.get("labels") if isinstance(meta, dict) else None
        if isinstance(labels, dict) and PROBE_LABEL in labels:
            return [f"the label {PROBE_LABEL} is the grader's own"]
    return []


def narrow_tolerations(obj: dict, taints: list[tuple[str, str]]) -> str:
    """Replace a toleration of every taint (operator: Exists without a key) in the object's pod spec by
    tolerations of exactly the (key, effect) taints given (the cluster nodes' NoSchedule and
    PreferNoSchedule taints): what it tolerates on this cluster, for scheduling, and nothing of
    NoExecute (a replay pod is never kept on a node that evicts). Returns a note, or ''."""
    spec = pod_spec_of(obj)
    tols = spec.get("tolerations") if spec else None
    if not isinstance(tols, list) or not any(isinstance(t, dict) and not t.get("key") and
                                             t.get("operator") == "Exists" for t in tols):
        return ""
    kept = [t for t in tols if not (isinstance(t, dict) and not t.get("key") and t.get("operator") == "Exists")]
    wanted = sorted({(k, e) for k, e in taints if k and e in ("NoSchedule", "PreferNoSchedule")})
    spec["tolerations"] = kept + [{"key": k, "operator": "Exists", "effect": e} for k, e in wanted]
    shown = ", ".join(f"{k}:{e}" for k, e in wanted) or "none"
    return f"{ref(obj)}: a toleration of every taint narrowed to the nodes' taints ({shown})"


def sanitized(obj: dict) -> tuple[dict, list[str]]:
    """A copy fit to apply: no finalizers (a replay must always be removable), no owner references,
    no status. Returns (copy, what was dropped)."""
    import copy

    out = copy.deepcopy(obj)
    dropped = []
    meta = out["metadata"]
    for key in ("finalizers", "ownerReferences"):
        if meta.pop(key, None):
            dropped.append(f"metadata.{key}")
    out.pop("status", None)
    spec = pod_spec_of(out)
    if spec is not None:
        # no API credentials in replay pods: what a pod could create at run time would bypass this screen
        spec["automountServiceAccountToken"] = False
    return out, dropped


def screen_object(obj, where: str, namespace: str | None, service_accounts: set[str],
                  lab_ns: str | None = None, storage_classes: set[str] | None = None) -> tuple[dict | None, list[str]]:
    """(the object to apply or None, refusal lines). Raises Refused for a malformed value."""
    import json

    if not isinstance(obj, dict):
        return None, [f"{where}: not a manifest (found {type(obj).__name__})"]
    meta, kind = obj.get("metadata"), obj.get("kind")
    if not isinstance(kind, str) or not isinstance(obj.get("apiVersion"), str):
        return None, [f"{where}: missing apiVersion or kind"]
    if not isinstance(meta, dict) or not isinstance(meta.get("name"), str) or not meta["name"]:
        return None, [f"{where} ({_short(kind, 40)}): missing metadata.name"]
    name = ref(obj)
    if kind in CLUSTER_SCOPED:
        return None, [f"{name}: cluster-scoped object (refused: a replay may only touch its own namespace)"]
    if kind in SERVER_MADE:
        return None, []  # made by the server (or the replay's own limits): silently not replayed
    if kind not in ALLOWED_KINDS:
        return None, [f"{name}: kind {_short(kind, 40)} is not replayed (allowed: {', '.join(sorted(ALLOWED_KINDS))})"]
    if len(json.dumps(obj)) > MAX_OBJECT_BYTES:
        return None, [f"{name}: larger than {MAX_OBJECT_BYTES >> 10} KiB"]
    problems = _metadata_problems(obj, namespace) + probe_label_problems(obj)
    if problems:
        return None, [f"{name}: {'; '.join(problems)}"]
    spec = pod_spec_of(obj)
    if spec is not None:
        problems = pod_spec_problems(spec)
        if problems:
            return None, [f"{name}: {'; '.join(problems)} ({PSA})"]
        problems = replay_problems(spec, service_accounts, storage_classes)
    problems += _kind_problems(obj, namespace, service_accounts, lab_ns, storage_classes)
    if problems:
        return None, [f"{name}: {'; '.join(problems)} (refused in the replay)"]
    clean, dropped = sanitized(obj)
    notes = [f"{name}: {', '.join(dropped)} dropped (a replay must always be removable)"] if dropped else []
    return clean, notes


# ---- security labs: RBAC rules, quotas and limit ranges, Pod Security labels ------------------------

PSA_PREFIX = "pod-security.kubernetes.io/"
PSA_MODES = ("enforce", "audit", "warn")
PSA_LEVELS = ("baseline", "restricted")          # never "privileged": that would relax the replay's baseline
PSA_VERSION = re.compile(r"^(latest|v1\.[0-9]{1,2})$")
# built-in ClusterRoles a binding may name that a replay never grants, named in the refusal
ADMIN_ROLES = {"cluster-admin", "admin", "edit"}
LIMIT_KINDS = {"ResourceQuota", "LimitRange"}


def _sandbox_grants(group: str, resource: str, verb: str) -> bool:
    from kubelab.instructor.sandbox import ROLE_RULES

    return any(group in rule["apiGroups"] and resource in rule["resources"]
               and ("*" in rule["verbs"] or verb in rule["verbs"]) for rule in ROLE_RULES)


def rules_problems(rules) -> list[str]:
    """What RBAC rules grant beyond what the replay's own identity holds (it may grant no more: the
    API server would refuse the Role as an escalation). Wildcards in groups or resources, non-resource
    URLs and verbs such as escalate, bind or impersonate are named."""
    problems = []
    for i, rule in enumerate(_list(rules, "rules")):
        rule = _mapping(rule, f"rules[{i}]")
        if rule.get("nonResourceURLs"):
            problems.append(f"rules[{i}] nonResourceURLs")
            continue
        groups = [str(g) for g in _list(rule.get("apiGroups"), f"rules[{i}].apiGroups")]
        resources = [str(r) for r in _list(rule.get("resources"), f"rules[{i}].resources")]
        verbs = [str(v) for v in _list(rule.get("verbs"), f"rules[{i}].verbs")]
        beyond = sorted({f"{v} {r}" + (f".{g}" if g else "") for g in groups for r in resources for v in verbs
                         if not _sandbox_grants(g, r, v)})
        if beyond:
            problems.append(f"rules[{i}] grants {', '.join(_short(b, 60) for b in beyond[:4])}"
                            + (f" and {len(beyond) - 4} more" if len(beyond) > 4 else ""))
    return problems


def _bound_cluster_roles(objects: list) -> dict[str, dict]:
    """ClusterRoles of the record by name (a record keeps those its RoleBindings name)."""
    return {o["metadata"]["name"]: o for o in objects
            if isinstance(o, dict) and o.get("kind") == "ClusterRole" and isinstance(o.get("metadata"), dict)
            and isinstance(o["metadata"].get("name"), str)}


def as_namespaced_roles(objects: list, out: "Screened") -> list:
    """A RoleBinding that binds a ClusterRole grants that role's rules in its namespace only: exactly what a
    Role of the same rules grants. Such ClusterRoles (kept in the record) become Roles of the replay and
    their bindings name them; a binding to cluster-admin/admin/edit, to a role the record does not hold or
    to rules beyond the replay's own is refused, named. ClusterRoles no binding names stay cluster-scoped
    objects (refused as before). Returns the objects to screen."""
    roles = _bound_cluster_roles(objects)
    names = {o["metadata"].get("name") for o in objects if isinstance(o, dict) and o.get("kind") == "Role"
             and isinstance(o.get("metadata"), dict)}
    converted: dict[str, dict] = {}
    result = []
    for obj in objects:
        if not (isinstance(obj, dict) and obj.get("kind") == "RoleBinding" and isinstance(obj.get("roleRef"), dict)
                and obj["roleRef"].get("kind") == "ClusterRole"):
            result.append(obj)
            continue
        name = obj["roleRef"].get("name")
        why = ""
        if not isinstance(name, str):
            why = "roleRef without a name"
        elif name in ADMIN_ROLES or name.startswith("system:"):
            why = f"binds the built-in ClusterRole {_short(name)} (a replay never grants it)"
        elif name not in roles:
            why = f"binds ClusterRole {_short(name)}, which the record does not hold"
        elif name in names and name not in converted:
            why = f"binds ClusterRole {_short(name)}, and a Role of that name exists too"
        else:
            try:
                problems = rules_problems(roles[name].get("rules"))
            except Refused as exc:
                problems = [str(exc)]
            if roles[name].get("aggregationRule"):
                problems.append("an aggregated ClusterRole")
            if problems:
                why = f"binds ClusterRole {_short(name)}, which {'; '.join(problems)} (more than a replay may grant)"
        if why:
            out.refused.append(f"{ref(obj)}: {why} (refused: RBAC escalation)")
            continue
        if name not in converted:
            cr = roles[name]
            converted[name] = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                               "metadata": {k: v for k, v in cr["metadata"].items() if k in ("name", "labels")},
                               "rules": cr.get("rules") or []}
            result.append(converted[name])
        binding = {**obj, "roleRef": {**obj["roleRef"], "kind": "Role"}}
        result.append(binding)
    # a ClusterRole made into a Role is not screened again as a cluster-scoped object
    return [o for o in result if not (isinstance(o, dict) and o.get("kind") == "ClusterRole"
                                      and isinstance(o.get("metadata"), dict) and o["metadata"].get("name") in converted)]


def psa_labels(obj: dict, lab_ns: str | None) -> tuple[dict, list[str]]:
    """The Pod Security labels of the lab's own Namespace (the record keeps no other label of it):
    (labels to set on the replay namespace, refusals). A level below baseline, a version that is not
    `latest`/`v1.N` or a label of another namespace is refused: the replay never relaxes its fence."""
    meta = _mapping(obj.get("metadata"), "metadata")
    name = meta.get("name")
    if name != lab_ns:
        return {}, [f"{ref(obj)}: cluster-scoped object (refused: a replay may only touch its own namespace)"]
    labels, refused = {}, []
    for key, value in _mapping(meta.get("labels"), "metadata.labels", strings=True).items():
        if not key.startswith(PSA_PREFIX):
            continue
        mode, _, version = key[len(PSA_PREFIX):].partition("-")
        if mode not in PSA_MODES or version not in ("", "version"):
            refused.append(f"Namespace {name}: label {_short(key)} is not a Pod Security label")
        elif version and not PSA_VERSION.match(value):
            refused.append(f"Namespace {name}: {key}={_short(value)} (a version is latest or v1.N)")
        elif not version and value not in PSA_LEVELS:
            refused.append(f"Namespace {name}: {key}={_short(value)} (refused: would relax the replay's Pod "
                           f"Security \"baseline\"; levels replayed: {', '.join(PSA_LEVELS)})")
        else:
            labels[key] = value
    return labels, refused


def limit_problems(obj: dict) -> list[str]:
    """A LimitRange's container defaults and maxima within what a replay container may ask for (a quota
    needs no bound: it only ever narrows the namespace). Raises Refused for a malformed value."""
    from kubelab.instructor.sandbox import CONTAINER_MAX

    problems = []
    if obj.get("kind") != "LimitRange":
        _mapping(_mapping(obj.get("spec"), "spec").get("hard"), "spec.hard")
        return problems
    for i, item in enumerate(_list(_mapping(obj.get("spec"), "spec").get("limits"), "spec.limits")):
        item = _mapping(item, f"spec.limits[{i}]")
        for part in ("default", "defaultRequest", "min", "max"):
            for key, value in _mapping(item.get(part), f"spec.limits[{i}].{part}").items():
                amount = quantity(value)
                if key in CONTAINER_MAX and part in ("default", "defaultRequest") and amount > quantity(CONTAINER_MAX[key]):
                    problems.append(f"spec.limits[{i}].{part}.{key} {_short(value)} (at most {CONTAINER_MAX[key]} "
                                    "in a replay)")
    return problems


def screen_limit(obj: dict) -> tuple[dict | None, list[str]]:
    """A recorded ResourceQuota/LimitRange -> (the copy to apply, refusals)."""
    problems = _metadata_problems(obj, None) + limit_problems(obj)
    if problems:
        return None, [f"{ref(obj)}: {'; '.join(problems)} (refused in the replay)"]
    clean, _ = sanitized(obj)
    return clean, []


def screen_objects(objects, namespace: str | None, max_objects: int = MAX_OBJECTS,
                   storage_classes: set[str] | None = None) -> Screened:
    """Sort recorded objects into replayable (sanitized copies) and refused (with reasons). Never raises.
    storage_classes: the cluster's StorageClass names (None: not checked)."""
    out = Screened()
    if not isinstance(objects, list):
        out.refused.append(f"objects: expected a list of manifests, found {type(objects).__name__}")
        return out
    sas = {o["metadata"]["name"] for o in objects
           if isinstance(o, dict) and o.get("kind") == "ServiceAccount" and isinstance(o.get("metadata"), dict)
           and isinstance(o["metadata"].get("name"), str)}
    try:
        objects = as_namespaced_roles(objects, out)
    except Exception as exc:  # noqa: BLE001  (never raises: the bindings are then screened as they are)
        out.refused.append(f"ClusterRole bindings: unreadable ({type(exc).__name__}: {_short(str(exc), 120)})")
    for i, obj in enumerate(objects):
        where = f"object #{i + 1}"
        try:
            kind = obj.get("kind") if isinstance(obj, dict) else None
            if kind in LIMIT_KINDS and isinstance(obj.get("metadata"), dict) and isinstance(obj["metadata"].get("name"), str):
                clean, lines = screen_limit(obj)
                out.refused += lines
                if clean is not None:
                    out.limits.append(clean)
                continue
            if kind == "Namespace" and isinstance(obj.get("metadata"), dict) and obj["metadata"].get("name") == namespace:
                labels, lines = psa_labels(obj, namespace)
                out.refused += lines
                out.namespace_labels.update(labels)
                continue
            clean, lines = screen_object(obj, where, namespace, sas, namespace, storage_classes)
        except Refused as exc:
            clean, lines = None, [f"{ref(obj) if isinstance(obj, dict) else where}: {exc} (refused: malformed)"]
        except Exception as exc:  # the screen never raises: a value nobody foresaw is refused, named
            clean, lines = None, [f"{ref(obj) if isinstance(obj, dict) else where}: unreadable "
                                  f"({type(exc).__name__}: {_short(str(exc), 120)}) (refused: malformed)"]
        if clean is not None and len(out.allowed) >= max_objects:
            clean, lines = None, [f"{ref(obj)}: more than {max_objects} objects (refused: flood limit)"]
        out.refused += lines
        if clean is not None:
            out.allowed.append(clean)
    out.refused = cap_lines(out.refused)
    return out


# ---- node state (scheduling labs) ----------------------------------------------------------------

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
REPLAYED_EFFECTS = ("NoSchedule", "PreferNoSchedule")  # NoExecute would evict the instructor's own pods


def _label_value_ok(value) -> bool:
    return isinstance(value, str) and len(value) <= 63 and bool(LABEL_VALUE.match(value))


def screen_nodes(nodes, scope) -> tuple[list[tuple[list[str], str]], list[str]]:
    """_screen_nodes, never raising, its refusals capped."""
    try:
        commands, refused = _screen_nodes(nodes, scope)
    except Exception as exc:  # a value nobody foresaw: nothing of the node state is replayed
        return [], [f"nodes: unreadable ({type(exc).__name__}: {_short(str(exc), 120)}) (refused: malformed)"]
    return commands, cap_lines(refused)


def _screen_nodes(nodes: list, scope) -> tuple[list[tuple[list[str], str]], list[str]]:
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
        for key, value in (list(labels.items())[:50] if isinstance(labels, dict) else []):
            if key not in scope.labels:
                refused.append(f"node {name} label {str(key)[:60]}: not a label this lab concerns")
            elif not _label_value_ok(value):
                refused.append(f"node {name} label {key}: {str(value)[:60]!r} is not a valid label value")
            else:
                commands.append((["label", "node", name, f"{key}={value}", "--overwrite"],
                                 f"node {name}: label {key}={value}"))
        taints = entry.get("taints") or []
        for t in (taints if isinstance(taints, list) else [taints])[:20]:
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
