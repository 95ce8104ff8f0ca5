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
    return (bool(lab.cluster_kinds) or lab._reset is not None or lab.node_scope is not None
            or bool(lab.kind == "docker" and lab.docker.get("networks")))  # fixed subnets would collide


def record_only_checks(lab) -> set[str]:
    """Checks graded from the record's evidence, not from the replay (history, drains, host paths)."""
    return set(lab.record_only)


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
    record_only: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)   # recorded image ref -> the tag it was loaded as
    files: dict = field(default_factory=dict)    # a file the lab names -> its restored copy
    workdir: str | None = None
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
    r.record_only = sorted(record_only_checks(lab))
    r.evidence = rec.get("evidence") if r.record_only and isinstance(rec.get("evidence"), dict) else {}
    proc = _kubectl(["apply", "-f", "-"], _yaml(sandbox_manifests(r.namespace, lab.id)))
    if proc.returncode != 0:
        raise ReplayError(f"could not create the replay namespace {r.namespace}: {_api_message(proc.stderr)}")
    if lab.node_scope is not None:
        replay_nodes(r, rec.get("nodes") or [], lab.node_scope)
    if set(r.record_only) == {c.id for c in lab.checks}:
        r.notes.append("every check of this lab is graded from the record (what it needs cannot be replayed "
                       "in the fenced namespace)")
        r.seconds = time.monotonic() - start
        return r
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
        ok, why = wait_converged(r.namespace, converge, done=lambda: _live_checks_pass(lab, r))
        if not ok:
            r.notes.append(f"the replayed objects did not converge within {converge:g} s ({why}); graded as they stood")
        elif lab.settle:
            wait_settled(lab, r)
    r.seconds = time.monotonic() - start
    return r


def replay_nodes(r: Replay, nodes: list, scope) -> None:
    """Re-apply the recorded node state the lab concerns (screened by policy.screen_nodes), as the
    instructor: the lab is graded serially and its reset steps undo this afterwards."""
    commands, refused = policy.screen_nodes(nodes, scope)
    r.refused += refused
    for argv, what in commands:
        p = _kubectl(argv)
        if p.returncode == 0:
            r.applied.append(what)
        else:
            r.refused.append(f"{what}: {_api_message(p.stderr or p.stdout)}")


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


def job_finished(job: dict) -> bool:
    """A Job is done when its controller says so (condition Complete or Failed), not at its first
    succeeded pod: a Job of 4 completions has 2 succeeded pods and none running between its waves."""
    if (job.get("spec") or {}).get("suspend"):
        return True
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions)


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
        if not job_finished(job):
            st, want = job.get("status") or {}, (job.get("spec") or {}).get("completions")
            waiting.append(f"Job {job['metadata']['name']} {st.get('succeeded') or 0}/{want or 1} succeeded")
    for pod in kube.list("Pod", namespace):
        if not _pod_ready(pod) and (pod.get("status") or {}).get("phase") != "Failed" and not _stuck(pod):
            waiting.append(f"Pod {pod['metadata']['name']} {(pod.get('status') or {}).get('phase', '?')}")
    for pvc in kube.list("PersistentVolumeClaim", namespace):
        if (pvc.get("status") or {}).get("phase") != "Bound":
            waiting.append(f"PVC {pvc['metadata']['name']} not bound")
    return (not waiting), ", ".join(waiting[:4])


def wait_converged(namespace: str, timeout: float, interval: float = 1.0, done=None) -> tuple[bool, str]:
    """Wait until every workload is ready, or `done()` (the lab's checks all pass: a lab may keep a pod
    unready on purpose), or the timeout."""
    from kubelab.graders.k8s import Kube

    kube = Kube()
    deadline = time.monotonic() + timeout
    time.sleep(0.5)  # let controllers create pods before the first look
    why = ""
    while True:
        kube.clear()
        try:
            ok, why = converged(kube, namespace)
            ok = ok or bool(done and done())
        except Exception as exc:  # InfraError: keep trying until the deadline
            ok, why = False, str(exc)
        if ok or time.monotonic() >= deadline:
            return ok, why
        time.sleep(interval)


def _live_checks_pass(lab, r: Replay) -> bool:
    from kubelab.graders.k8s import Kube
    from kubelab.labs.engine import Context, check_lab

    live = [c.id for c in lab.checks if not c.record_only]
    return bool(live) and check_lab(lab, only=live, ctx=Context(lab, kube=Kube(namespaces={lab.namespace: r.namespace}))).all_passed


def wait_settled(lab, r: Replay, interval: float = 2.0) -> bool:
    """Behaviour that takes time to show (a liveness probe's first restart): check the replay until its
    replayable checks pass or the lab's `settle` seconds are over. True when they all passed."""
    from kubelab.graders.k8s import Kube
    from kubelab.labs.engine import Context, check_lab

    deadline = time.monotonic() + lab.settle
    while True:
        if _live_checks_pass(lab, r):
            return True
        if time.monotonic() >= deadline:
            return False
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
    r.record_only = sorted(record_only_checks(lab))
    r.evidence = rec.get("evidence") if r.record_only and isinstance(rec.get("evidence"), dict) else {}
    allowed, refused = policy.screen_containers(rec.get("containers") or [])
    r.refused += refused
    label = {DOCKER_GRADE_LABEL: r.prefix.rstrip("-")}
    _replay_images(client, r, rec)
    _replay_files(r, rec)
    networks = _replay_networks(client, r, rec.get("networks") or [], label)
    _replay_volumes(client, r, rec.get("volumes") or [], label)
    waits = []
    # a container that joins another's network namespace (`--network container:X`) comes after X
    allowed.sort(key=lambda c: str(c.get("network_mode") or "").startswith("container:"))
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
        mode = str(spec.get("network_mode") or "")
        joins = mode.split(":", 1)[1] if mode.startswith("container:") else None
        ips = spec.get("ips") if isinstance(spec.get("ips"), dict) else {}
        try:
            c = client.containers.create(
                spec["image"], command=spec.get("command") or None, entrypoint=spec.get("entrypoint") or None,
                name=f"{r.prefix}{name}", environment=list(spec.get("env") or []), labels=labels,
                ports=ports if not joins else None, mounts=mounts,
                network=(f"{r.prefix}{nets[0]}" if nets and not joins else None),
                network_mode=(f"container:{r.prefix}{joins}" if joins else None),
                hostname=(str(spec["hostname"])[:63] if spec.get("hostname") and not joins else None),
                mem_limit=int(spec.get("memory") or 0) or None, nano_cpus=int(spec.get("nano_cpus") or 0) or None,
                memswap_limit=int(spec.get("memory_swap") or 0) or None,
                cpu_shares=int(spec.get("cpu_shares") or 0) or None,
                cpu_quota=int(spec.get("cpu_quota") or 0) or None, cpu_period=int(spec.get("cpu_period") or 0) or None,
                pids_limit=512, privileged=False, cap_drop=["NET_RAW", "SYS_CHROOT", "MKNOD"],
                security_opt=["no-new-privileges"],
                restart_policy={"Name": spec.get("restart_policy") or "no"}
                if spec.get("restart_policy") in ("no", "always", "unless-stopped", "on-failure") else None)
            for i, n in enumerate([] if joins else nets):
                if ips.get(n):  # a fixed address (`--ip`) is given when (re)connecting
                    if i == 0:
                        networks[n].disconnect(c)
                    networks[n].connect(c, ipv4_address=str(ips[n]))
                elif i > 0:
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


def _sidecar(rec: dict, entry, r: Replay, what: str) -> Path | None:
    """A file the record names next to itself, inside the submission folder only."""
    from kubelab.instructor.record import SIDECAR_LIMIT

    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not rec.get("_folder"):
        return None
    folder = Path(rec["_folder"]).resolve()
    path = (folder / entry["file"]).resolve()
    if folder not in path.parents or not path.is_file():
        r.refused.append(f"{what}: {entry['file']} is not a file of the submission")
        return None
    if path.stat().st_size > SIDECAR_LIMIT:
        r.refused.append(f"{what}: {entry['file']} is larger than {SIDECAR_LIMIT >> 20} MiB")
        return None
    return path


def retag_image_archive(data: bytes, ref: str, new_tag: str) -> bytes:
    """A `docker save` archive whose tags are replaced by new_tag (only for the entry tagged ref), so that
    loading it can never overwrite one of the instructor's images. Raises ValueError when ref is not in it."""
    import io
    import tarfile

    from kubelab.graders.docker_engine import _normalize

    src = tarfile.open(fileobj=io.BytesIO(data))
    manifest = json.load(src.extractfile("manifest.json"))
    kept = [dict(e, RepoTags=[new_tag]) for e in manifest
            if any(_normalize(t) == _normalize(ref) for t in e.get("RepoTags") or [])]
    if not kept:
        raise ValueError(f"the archive does not hold {ref}")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            if member.name in ("manifest.json", "repositories") or not (member.isfile() or member.isdir()):
                continue
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        body = json.dumps(kept).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(body)
        dst.addfile(info, io.BytesIO(body))
    return out.getvalue()


def _replay_images(client, r: Replay, rec: dict) -> None:
    """The images the student built or committed, loaded under the replay's own tags."""
    for i, img in enumerate((rec.get("images") or [])[:4]):
        ref = img.get("ref") if isinstance(img, dict) else None
        path = _sidecar(rec, img, r, f"image {ref}")
        if not ref or path is None:
            continue
        tag = f"{r.prefix}image{i}:replay"
        try:
            client.images.load(retag_image_archive(path.read_bytes(), str(ref), tag))
            r.images[str(ref)] = tag
            r.applied.append(f"image {ref}")
        except Exception as exc:  # a broken archive is the submission's problem: name it
            r.refused.append(f"image {ref}: could not be loaded ({type(exc).__name__}: {str(exc)[:200]})")


def _replay_files(r: Replay, rec: dict) -> None:
    import shutil
    import tempfile

    for f in (rec.get("files") or [])[:4]:
        path = _sidecar(rec, f, r, f"file {f.get('path') if isinstance(f, dict) else f}")
        if path is None:
            continue
        if r.workdir is None:
            r.workdir = tempfile.mkdtemp(prefix=r.prefix or "kg-")
        copy = Path(r.workdir) / path.name
        shutil.copyfile(path, copy)
        r.files[str(f["path"])] = str(copy)
        r.applied.append(f"file {f['path']}")


def _replay_networks(client, r: Replay, recorded: list, label: dict) -> dict:
    """User networks re-created under the prefix with the recorded driver, subnet and gateway."""
    import docker as docker_sdk
    from docker.types import IPAMConfig, IPAMPool

    made = {}
    for net in recorded[:5]:
        if not isinstance(net, dict) or not isinstance(net.get("name"), str):
            continue
        name = net["name"]
        if net.get("driver", "bridge") != "bridge":
            r.refused.append(f"network {name}: driver {net.get('driver')} (only bridge networks are replayed)")
            continue
        pools = [IPAMPool(subnet=c.get("Subnet"), gateway=c.get("Gateway")) for c in net.get("ipam") or []
                 if isinstance(c, dict) and c.get("Subnet")]
        try:
            made[name] = client.networks.create(f"{r.prefix}{name}", driver="bridge", labels=label,
                                                ipam=IPAMConfig(pool_configs=pools) if pools else None)
            r.applied.append(f"network {name}" + (f" ({', '.join(p['Subnet'] for p in pools)})" if pools else ""))
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"network {name}: {exc.explanation or exc}")
    return made


def _replay_volumes(client, r: Replay, recorded: list, label: dict) -> None:
    """Named volumes re-created under the prefix and filled with the recorded files."""
    import base64

    import docker as docker_sdk

    from kubelab.cluster.api import lab_image

    for vol in recorded[:5]:
        if not isinstance(vol, dict) or not isinstance(vol.get("name"), str):
            continue
        name = f"{r.prefix}{vol['name']}"
        try:
            client.volumes.create(name, labels=label)
            if vol.get("tar"):
                helper = client.containers.create(lab_image("busybox"), command=["true"], labels=label,
                                                  mounts=[{"Target": "/v", "Source": name, "Type": "volume"}],
                                                  network_disabled=True)
                try:
                    helper.put_archive("/v", base64.b64decode(vol["tar"]))
                finally:
                    helper.remove(force=True)
            r.applied.append(f"volume {vol['name']}" + (" with its files" if vol.get("tar") else ""))
        except (docker_sdk.errors.APIError, ValueError) as exc:
            r.refused.append(f"volume {vol['name']}: {getattr(exc, 'explanation', None) or exc}")
        if vol.get("skipped"):
            r.notes.append(f"volume {vol['name']}: files not recorded ({vol['skipped']})")


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
    for img in client.images.list():
        for tag in img.tags:
            if tag.startswith(prefix):
                try:
                    client.images.remove(tag, force=True)
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
    if r.workdir:
        import shutil

        shutil.rmtree(r.workdir, ignore_errors=True)


def prepare(lab) -> None:
    """Before a serial lab's replay: the lab's reset steps, so no earlier state leaks into it."""
    if serial_lab(lab):
        from kubelab.labs.actions import run_steps

        run_steps(lab.extra_reset_steps())


def finish(lab) -> None:
    """After a serial lab's replay: its reset steps again (node labels, taints, cordons undone)."""
    prepare(lab)
