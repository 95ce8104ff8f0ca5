"""Replay one submission's record on the instructor's cluster or Docker engine, fenced in.

Kubernetes: a fresh namespace per submission with Pod Security "baseline" enforced, a
ResourceQuota and LimitRange, and a ServiceAccount whose Role reaches only that namespace;
the recorded objects are applied one by one *as that ServiceAccount* (`kubectl --as`), so a
cluster-scoped object, a privileged pod, a hostPath of / or a flood is refused by the API
server even if the screen in `policy` missed it. Then it waits (bounded) for the workloads
to converge.

Docker: the recorded containers are re-run under a name prefix (`kg-<token>-<name>`), with
published ports moved to free ephemeral ports on 127.0.0.1 (the grade cells map them back),
never privileged, without added capabilities, host namespaces or bind mounts, images only
from the local engine (no pulls), and a pids limit.

`Replay.spec()` is what the grade cells read (through $KUBELAB_REPLAY); `cleanup()` removes
everything the replay made.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from kubelab.instructor import policy

GRADE_LABEL = "kubelab.io/grading"
DOCKER_GRADE_LABEL = "kubelab.grade"
REPLAY_SA = "kubelab-replay"
QUOTA = {"pods": "10", "services": "5", "configmaps": "10", "secrets": "10", "persistentvolumeclaims": "3",
         "services.nodeports": "2", "services.loadbalancers": "0", "count/deployments.apps": "5",
         "count/replicasets.apps": "20", "count/statefulsets.apps": "3", "count/daemonsets.apps": "1",
         "count/jobs.batch": "5", "count/cronjobs.batch": "2", "requests.cpu": "2", "requests.memory": "2Gi",
         "limits.memory": "4Gi", "requests.storage": "5Gi"}
ROLE_RULES = [
    {"apiGroups": [""], "resources": ["pods", "pods/log", "services", "configmaps", "secrets", "persistentvolumeclaims",
                                      "serviceaccounts"], "verbs": ["*"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "replicasets", "statefulsets",
                                          "daemonsets"], "verbs": ["*"]},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["*"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies", "ingresses"], "verbs": ["*"]},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["*"]},
    {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["*"]},
    # no `escalate`/`bind`: a recorded Role may not grant more than the replay identity holds
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
     "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
]


class ReplayError(RuntimeError):
    """The replay's own machinery failed (not the submission's fault)."""


def dns_label(text: str, limit: int = 63) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"
    return s[:limit].rstrip("-")


def replay_namespace(lab_id: str, student: str, run: str = "") -> str:
    """kg-<8 hex>-<student>: unique per (lab, student, run), a valid namespace name."""
    digest = hashlib.sha1(f"{lab_id}/{student}/{run}".encode()).hexdigest()[:8]
    return dns_label(f"kg-{digest}-{student}")


def sandbox_manifests(namespace: str, lab_id: str) -> list[dict]:
    """Namespace (PSA baseline enforced, restricted warned), ServiceAccount, Role, RoleBinding, quota, limits."""
    labels = {GRADE_LABEL: lab_id, "pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/enforce-version": "latest",
              "pod-security.kubernetes.io/warn": "baseline"}
    md = {"namespace": namespace, "labels": {GRADE_LABEL: lab_id}}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": REPLAY_SA, **md}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": REPLAY_SA, **md},
         "rules": ROLE_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": REPLAY_SA, **md},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": REPLAY_SA},
         "subjects": [{"kind": "ServiceAccount", "name": REPLAY_SA, "namespace": namespace}]},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "kubelab-replay", **md},
         "spec": {"hard": dict(QUOTA)}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "kubelab-replay", **md},
         "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "10m", "memory": "16Mi"},
                              "default": {"memory": "256Mi"}}]}},
    ]


def replay_identity(namespace: str) -> str:
    return f"system:serviceaccount:{namespace}:{REPLAY_SA}"


def serial_lab(lab) -> bool:
    """Labs that change cluster-scoped state are graded one at a time with a reset in between."""
    return bool(lab.cluster_kinds) or lab._reset is not None


def record_only_checks(lab) -> set[str]:
    """Checks graded from the record, not from the replay (history, drains): `lab.record_only` when a lab
    declares it (the engine hook asked for), else none."""
    return set(getattr(lab, "record_only", ()) or ())


@dataclass
class Replay:
    lab_id: str
    student: str
    kind: str
    lab_namespace: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    ports: dict = field(default_factory=dict)
    closed_port: int = 0
    refused: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    applied: list = field(default_factory=list)
    fatal: str | None = None
    record_checks: dict = field(default_factory=dict)
    record_only: list = field(default_factory=list)
    seconds: float = 0.0

    def spec(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def write(self, path: Path) -> Path:
        from kubelab.instructor.record import write_atomic

        write_atomic(Path(path), json.dumps(self.spec(), indent=1))
        return Path(path)


# ---- Kubernetes --------------------------------------------------------------------------------

def _kubectl_argv() -> list[str]:
    from kubelab.cluster.tools import find_tool
    from kubelab.graders.k8s import default_context

    return [str(find_tool("kubectl") or "kubectl"), "--context", default_context()]


def _kubectl(args: list[str], stdin: str | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(_kubectl_argv() + args, input=stdin, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, "", f"kubectl {' '.join(args[:3])}: no answer in {timeout:g} s")


def _yaml(docs: list[dict]) -> str:
    import yaml

    return yaml.safe_dump_all(docs, sort_keys=False)


def _api_message(text: str) -> str:
    """The useful part of a kubectl error (`Error from server (Forbidden): ... : <reason>`)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("Warning:")]
    line = lines[-1] if lines else text.strip()
    line = re.sub(r"^Error from server \((\w+)\): ", r"\1: ", line)
    line = re.sub(r"error when (creating|applying patch|retrieving current configuration of)[^:]*\"STDIN\": ", "", line)
    return line[:300]


def replay_kubernetes(lab, rec: dict, student: str, run: str = "", converge: float = 60.0) -> Replay:
    from kubelab.instructor.record import RecordError  # noqa: F401  (documented failure type)

    start = time.monotonic()
    r = Replay(lab.id, student, "kubernetes", lab_namespace=lab.namespace,
               namespace=replay_namespace(lab.id, student, run))
    r.record_checks = rec.get("checks") or {}
    r.record_only = sorted(record_only_checks(lab))
    proc = _kubectl(["apply", "-f", "-"], _yaml(sandbox_manifests(r.namespace, lab.id)))
    if proc.returncode != 0:
        raise ReplayError(f"could not create the replay namespace {r.namespace}: {_api_message(proc.stderr)}")
    screened = policy.screen_objects(rec.get("objects") or [], lab.namespace)
    r.refused += screened.refused
    who = replay_identity(r.namespace)
    for obj in screened.allowed:
        obj = json.loads(json.dumps(obj))
        obj["metadata"]["namespace"] = r.namespace
        p = _kubectl(["apply", "--as", who, "-n", r.namespace, "-f", "-"], _yaml([obj]))
        if p.returncode == 0:
            r.applied.append(policy.ref(obj))
        else:
            r.refused.append(f"{policy.ref(obj)}: {_api_message(p.stderr or p.stdout)}")
    if r.applied:
        ok, why = wait_converged(r.namespace, converge)
        if not ok:
            r.notes.append(f"the replayed objects did not converge within {converge:g} s ({why}); graded as they stood")
    r.seconds = time.monotonic() - start
    return r


def _pod_ready(pod: dict) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded",):
        return True
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


STUCK_REASONS = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                 "CreateContainerConfigError", "CreateContainerError", "RunContainerError")


def _stuck(pod: dict) -> bool:
    """A pod that will not become ready by waiting longer (crash loop, image that cannot be pulled)."""
    for cs in ((pod.get("status") or {}).get("containerStatuses") or []):
        if cs.get("restartCount", 0) >= 1 or ((cs.get("state") or {}).get("waiting") or {}).get("reason") in STUCK_REASONS:
            return True
    return False


def converged(kube, namespace: str) -> tuple[bool, str]:
    """(all workloads and pods ready, what is not)."""
    waiting = []
    for kind in ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"):
        for obj in kube.list(kind, namespace):
            spec, st = obj.get("spec") or {}, obj.get("status") or {}
            want = spec.get("replicas", 1) if kind != "DaemonSet" else st.get("desiredNumberScheduled", 0)
            have = st.get("readyReplicas" if kind != "DaemonSet" else "numberReady") or 0
            if have < (want or 0):
                waiting.append(f"{kind} {obj['metadata']['name']} {have}/{want} ready")
    for job in kube.list("Job", namespace):
        st = job.get("status") or {}
        if not (st.get("succeeded") or st.get("failed")):
            waiting.append(f"Job {job['metadata']['name']} running")
    for pod in kube.list("Pod", namespace):
        if not _pod_ready(pod) and (pod.get("status") or {}).get("phase") != "Failed" and not _stuck(pod):
            waiting.append(f"Pod {pod['metadata']['name']} {(pod.get('status') or {}).get('phase', '?')}")
    for pvc in kube.list("PersistentVolumeClaim", namespace):
        if (pvc.get("status") or {}).get("phase") != "Bound":
            waiting.append(f"PVC {pvc['metadata']['name']} not bound")
    return (not waiting), ", ".join(waiting[:4])


def wait_converged(namespace: str, timeout: float, interval: float = 1.0) -> tuple[bool, str]:
    from kubelab.graders.k8s import Kube

    kube = Kube()
    deadline = time.monotonic() + timeout
    time.sleep(0.5)  # let controllers create pods before the first look
    why = ""
    while True:
        kube.clear()
        try:
            ok, why = converged(kube, namespace)
        except Exception as exc:  # InfraError: keep trying until the deadline
            ok, why = False, str(exc)
        if ok or time.monotonic() >= deadline:
            return ok, why
        time.sleep(interval)


def cleanup_kubernetes(namespace: str, wait: bool = False) -> None:
    _kubectl(["delete", "pods", "--all", "-n", namespace, "--grace-period=0", "--force", "--ignore-not-found",
              "--wait=false"], timeout=30)
    _kubectl(["delete", "namespace", namespace, "--ignore-not-found", f"--wait={'true' if wait else 'false'}"],
             timeout=120)


def leftover_namespaces() -> list[str]:
    p = _kubectl(["get", "ns", "-l", GRADE_LABEL, "-o", "jsonpath={.items[*].metadata.name}"])
    return p.stdout.split() if p.returncode == 0 else []


# ---- Docker ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docker_prefix(lab_id: str, student: str, run: str = "") -> str:
    return f"kg-{hashlib.sha1(f'{lab_id}/{student}/{run}'.encode()).hexdigest()[:8]}-"


def replay_docker(lab, rec: dict, student: str, run: str = "", settle: float = 10.0) -> Replay:
    import docker as docker_sdk
    from docker.types import Mount

    from kubelab.graders.docker_engine import docker_client

    start = time.monotonic()
    client = docker_client()
    r = Replay(lab.id, student, "docker", prefix=docker_prefix(lab.id, student, run), closed_port=free_port())
    r.record_checks = rec.get("checks") or {}
    r.record_only = sorted(record_only_checks(lab))
    allowed, refused = policy.screen_containers(rec.get("containers") or [])
    r.refused += refused
    label = {DOCKER_GRADE_LABEL: r.prefix.rstrip("-")}
    networks = {}
    waits = []
    for spec in allowed:
        name = spec["name"]
        try:
            client.images.get(spec["image"])
        except docker_sdk.errors.ImageNotFound:
            r.refused.append(f"container {name}: image {spec['image']} is not on the instructor's engine "
                             "(replays never pull)")
            continue
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"container {name}: image {spec['image']}: {exc.explanation}")
            continue
        ports = {}
        for p in spec.get("ports") or []:
            try:
                cport, proto, hport = int(p["container_port"]), str(p.get("protocol", "tcp")), int(p["host_port"])
            except (KeyError, TypeError, ValueError):
                r.refused.append(f"container {name}: unreadable port {p!r}")
                continue
            actual = r.ports.setdefault(str(hport), free_port())
            ports[f"{cport}/{proto}"] = ("127.0.0.1", actual)
            if spec.get("running", True):
                waits.append(actual)
        mounts = []
        for m in spec.get("mounts") or []:
            if m.get("type") == "volume":
                mounts.append(Mount(target=m["target"], source=f"{r.prefix}{m['source']}", type="volume",
                                    labels=label))
            elif m.get("type") == "tmpfs":
                mounts.append(Mount(target=m["target"], source=None, type="tmpfs"))
        nets = [n for n in spec.get("networks") or [] if isinstance(n, str)]
        for n in nets:
            if n not in networks:
                networks[n] = client.networks.create(f"{r.prefix}{n}", labels=label)
        labels = {str(k): str(v) for k, v in (spec.get("labels") or {}).items()}
        labels.update(label)
        try:
            c = client.containers.create(
                spec["image"], command=spec.get("command") or None, entrypoint=spec.get("entrypoint") or None,
                name=f"{r.prefix}{name}", environment=list(spec.get("env") or []), labels=labels, ports=ports,
                mounts=mounts, network=(f"{r.prefix}{nets[0]}" if nets else None),
                mem_limit=int(spec.get("memory") or 0) or None, nano_cpus=int(spec.get("nano_cpus") or 0) or None,
                pids_limit=512, privileged=False, cap_drop=["NET_RAW", "SYS_CHROOT", "MKNOD"],
                security_opt=["no-new-privileges"],
                restart_policy={"Name": spec.get("restart_policy") or "no"}
                if spec.get("restart_policy") in ("no", "always", "unless-stopped", "on-failure") else None)
            for n in nets[1:]:
                networks[n].connect(c)
            if spec.get("running", True):
                c.start()
            r.applied.append(f"container {name}")
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"container {name}: {exc.explanation or exc}")
    deadline = time.monotonic() + settle
    for port in waits:
        while time.monotonic() < deadline:
            with socket.socket() as s:
                s.settimeout(0.5)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
    r.seconds = time.monotonic() - start
    return r


def cleanup_docker(prefix: str) -> None:
    from kubelab.graders.docker_engine import docker_client

    client = docker_client()
    flt = {"label": f"{DOCKER_GRADE_LABEL}={prefix.rstrip('-')}"}
    for c in client.containers.list(all=True, filters=flt):
        c.remove(force=True, v=True)
    for n in client.networks.list(filters=flt):
        try:
            n.remove()
        except Exception:
            pass
    for v in client.volumes.list(filters=flt):
        try:
            v.remove(force=True)
        except Exception:
            pass


def replay(lab, rec: dict, student: str, run: str = "", converge: float = 60.0) -> Replay:
    if lab.kind == "docker":
        return replay_docker(lab, rec, student, run)
    return replay_kubernetes(lab, rec, student, run, converge)


def cleanup(r: Replay, wait: bool = False) -> None:
    if r.namespace:
        cleanup_kubernetes(r.namespace, wait=wait)
    if r.prefix:
        cleanup_docker(r.prefix)
