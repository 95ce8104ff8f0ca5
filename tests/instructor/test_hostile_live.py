"""Hostile submissions, live: each is refused or contained, named, and leaves nothing behind.

Every finding of issue 14 on the record/replay side is a record here (Kubernetes: pods-basics,
Docker: docker-web-port), replayed on the live cluster / engine with the replay-level API, in
parallel, next to honest submissions that must still grade to full marks. After the batch:
no replay namespace, container, network, volume, image, scratch folder or host route is left.
Then two replays whose own machinery fails half-way (cleanup with the real names), and one small
`autograde_class` batch through nbgrader (honest, hostile and bomb side by side).
"""

from __future__ import annotations

import base64
import bz2
import copy
import gzip
import io
import json
import subprocess
import tarfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from kubelab.instructor import replay as rp
from kubelab.instructor.grade import ReplayReport, grade_replay
from kubelab.instructor.record import RECORD_NAME, RecordError, dump_record, load_record
from kubelab.instructor.sandbox import DOCKER_PIDS_LIMIT, DOCKER_MEMORY_DEFAULT, EGRESS_POLICY

pytestmark = [pytest.mark.live, pytest.mark.timeout(400)]

K8S, DOCKER = "pods-basics", "docker-web-port"
RUN = f"hostile-{uuid.uuid4().hex[:6]}"


def _lab(lab_id):
    from kubelab.labs.registry import get_lab

    return get_lab(lab_id)


def _good_objects():
    from kubelab.labs.model import Apply

    return [copy.deepcopy(d) for s in _lab(K8S).solution_steps() if isinstance(s, Apply) for d in s.docs()]


def _good_container():
    from kubelab.cluster.api import lab_image

    return {"name": "kl-web", "image": lab_image("nginx"), "running": True,
            "ports": [{"container_port": 80, "protocol": "tcp", "host_port": 8088}]}


def _busybox():
    from kubelab.cluster.api import lab_image

    return lab_image("busybox")


def kube_rec(objects, **extra):
    return {"kubelab_record": 1, "lab": K8S, "kind": "kubernetes", "namespace": _lab(K8S).namespace,
            "objects": objects, "checks": {}, **extra}


def docker_rec(containers=(), **extra):
    return {"kubelab_record": 1, "lab": DOCKER, "kind": "docker", "containers": list(containers), "checks": {}, **extra}


def pod(name, image=None, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": image or _busybox(), "command": ["sleep", "3600"]}], **spec}}


def kubectl_json(*args):
    p = rp._kubectl([*args, "-o", "json"])
    return json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None


@dataclass
class Case:
    student: str
    lab_id: str
    record: Callable[[Path], object]           # folder -> record dict, or raw text
    refused: tuple = ()                         # substrings each named in refused / the feedback
    check: Callable | None = None               # extra live assertions on the replay (before cleanup)
    error: str | None = None                    # the record is refused as a whole (RecordError)
    full_marks: bool = False                    # honest: every check passes
    out: dict = field(default_factory=dict)


# ---- live assertions on a replay -------------------------------------------------------------------

def _no_finalizers(r):
    cm = kubectl_json("get", "configmap", "sticky", "-n", r.namespace)
    assert cm is not None and not cm["metadata"].get("finalizers")


def _egress_policy_applied(r):
    pol = kubectl_json("get", "networkpolicy", EGRESS_POLICY, "-n", r.namespace)
    assert pol is not None and pol["spec"]["policyTypes"] == ["Egress"]


def _fence_kept(r):
    quota = kubectl_json("get", "resourcequota", "kubelab-replay", "-n", r.namespace)
    assert quota["spec"]["hard"]["pods"] == "10"
    role = kubectl_json("get", "role", "kubelab-replay", "-n", r.namespace)
    assert all("escalate" not in rule["verbs"] for rule in role["rules"])


def _limits_defaulted(r):
    p = kubectl_json("get", "pod", "nolimits", "-n", r.namespace)
    limits = p["spec"]["containers"][0]["resources"]["limits"]
    assert set(limits) >= {"cpu", "memory", "ephemeral-storage"}, limits


def _no_api_credentials(r):
    p = kubectl_json("get", "pod", "caller", "-n", r.namespace)
    assert p["spec"]["automountServiceAccountToken"] is False
    assert not any(v["name"].startswith("kube-api-access") for v in p["spec"].get("volumes") or []), p["spec"]
    assert kubectl_json("get", "secret", "tok", "-n", r.namespace) is None


def _tolerations_narrowed(r):
    assert any(n.startswith("Pod tolerant: a toleration of every taint narrowed") for n in r.notes), r.notes


def _quota_named(r):
    assert any("exceeded quota" in x for x in r.refused), r.refused


def _no_route(r):
    routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
    assert "8.8.8.0/24" not in routes


def _capped(r):
    import docker

    from kubelab.graders.docker_engine import docker_client

    c = docker_client().containers.get(f"{r.prefix}forker")
    host = c.attrs["HostConfig"]
    assert host["PidsLimit"] == DOCKER_PIDS_LIMIT and host["Memory"] == DOCKER_MEMORY_DEFAULT
    assert host["CpusetCpus"] and host["RestartPolicy"]["Name"] == "always"
    time.sleep(1.5)
    try:  # busybox sh exits when fork fails at the limit; restart: always brings it back
        assert len(c.top().get("Processes") or []) <= DOCKER_PIDS_LIMIT
    except docker.errors.APIError as exc:
        # caught between runs: restarting, stopped, or its shim just closed ("ttrpc: closed")
        assert any(w in str(exc) for w in ("restarting", "not running", "ttrpc: closed")), exc


def _four_networks(r):
    assert sum(1 for a in r.applied if a.startswith("network ")) == 4, r.applied


def _label_forced(r):
    from kubelab.graders.docker_engine import docker_client

    c = docker_client().containers.get(f"{r.prefix}hijack")
    assert c.labels["kubelab.grade"] == r.prefix.rstrip("-")


# ---- the records ----------------------------------------------------------------------------------

def _alias_bomb(folder):
    text = "kubelab_record: 1\nlab: pods-basics\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, 12):
        text += f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n"
    return text + "objects: *l11\n"


def _malformed(folder):
    return ("kubelab_record: 1\nlab: pods-basics\nkind: kubernetes\nnamespace: lab-pods-basics\nobjects:\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: dated, labels: {day: 2024-01-01}}}\n"
            "- {apiVersion: v1, kind: ConfigMap, metadata: {name: listed, labels: [a, b]}}\n"
            "- {apiVersion: v1, kind: Pod, metadata: {name: mem}, spec: {containers: [{name: c, image: busybox, "
            "resources: {limits: {memory: x}}}]}}\n"
            "- {apiVersion: v1, kind: Pod, metadata: {name: root}, spec: {volumes: [{name: h, hostPath: /}], "
            "containers: [{name: c, image: busybox}]}}\n"
            "- {apiVersion: v1, kind: Service, metadata: {name: s}, spec: {ports: 80}}\n"
            "- {apiVersion: v1, kind: Pod, metadata: 5}\n")


def _image_id_pod(folder):
    from kubelab.graders.docker_engine import docker_client

    image_id = docker_client().images.get(_busybox()).id
    return kube_rec([pod("byid", image=image_id)])


def _gzip_image(folder):
    side = folder / "kubelab-files"
    side.mkdir()
    with gzip.open(side / "image-0.tar", "wb", compresslevel=1) as fh:
        for _ in range(64):
            fh.write(b"\0" * (1 << 20))          # 64 MiB of zeros in ~64 KiB
    return docker_rec([_good_container()], images=[{"ref": "kl-bomb:v1", "file": "kubelab-files/image-0.tar"}])


def _tar_b64(files: dict[str, bytes]) -> str:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return base64.b64encode(out.getvalue()).decode()


def _cases() -> list[Case]:
    good = _good_objects()
    ns = _lab(K8S).namespace
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "kubelab-replay"}}
    return [
        # honest submissions in the same batch
        Case("honest-k8s", K8S, lambda f: kube_rec(good), full_marks=True),
        Case("honest-docker", DOCKER, lambda f: docker_rec([_good_container()]), full_marks=True),
        # Kubernetes
        Case("extip-finalizers", K8S, lambda f: kube_rec(good + [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "grab", "finalizers": ["kubelab.io/keep"]},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], "externalIPs": ["203.0.113.10"]}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sticky", "finalizers": ["kubelab.io/keep"]},
             "data": {"a": "b"}}]),
             refused=("Service grab: externalIPs", "ConfigMap sticky: metadata.finalizers dropped"),
             check=_no_finalizers, full_marks=True),
        Case("alias-bomb", K8S, _alias_bomb, error="aliases"),
        Case("malformed", K8S, _malformed,
             refused=("ConfigMap listed: metadata.labels must be a mapping", "Pod mem: 'x' is not a quantity",
                      "Pod root: hostPath volume h (/)", "Service s: spec.ports must be a list", "object #6")),
        Case("sa-abuse", K8S, lambda f: kube_rec([pod("as-replay", serviceAccountName="kubelab-replay"),
                                                   pod("as-ghost", serviceAccountName="ghost")]),
             refused=("Pod as-replay: serviceAccountName kubelab-replay", "Pod as-ghost: serviceAccountName ghost")),
        Case("placement", K8S, lambda f: kube_rec([
            pod("pinned", nodeName="kubelab-control-plane"), pod("tolerant", tolerations=[{"operator": "Exists"}]),
            pod("vip", priorityClassName="system-node-critical")]),
             refused=("Pod pinned: nodeName kubelab-control-plane", "Pod vip: priorityClassName system-node-critical"),
             check=_tolerations_narrowed),
        Case("rolebinding", K8S, lambda f: kube_rec([
            {**rb, "metadata": {"name": "anon"}, "subjects": [{"kind": "Group", "name": "system:unauthenticated",
                                                               "apiGroup": "rbac.authorization.k8s.io"}]},
            {**rb, "metadata": {"name": "allsa"}, "subjects": [{"kind": "Group", "name": "system:serviceaccounts"}]},
            {**rb, "metadata": {"name": "foreign"}, "subjects": [{"kind": "ServiceAccount", "name": "default",
                                                                  "namespace": "kube-system"}]}]),
             refused=("RoleBinding anon: subject Group system:unauthenticated", "RoleBinding allsa: subject Group",
                      "RoleBinding foreign: subject ServiceAccount kube-system/default")),
        Case("pvc-volumename", K8S, lambda f: kube_rec([
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "grab"},
             "spec": {"volumeName": "instructor-data", "accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}},
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "byclass"},
             "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteOnce"],
                      "resources": {"requests": {"storage": "1Gi"}}}}]),
             refused=("PersistentVolumeClaim grab: volumeName instructor-data",
                      "PersistentVolumeClaim byclass: storageClassName manual is not a StorageClass")),
        Case("image-id", K8S, _image_id_pod, refused=("Pod byid: container 'c' image sha256:",)),
        Case("node-ports", K8S, lambda f: kube_rec([
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"},
             "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": 30999}]}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
             "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}}]),
             refused=("Service np: type NodePort", "Service lb: type LoadBalancer")),
        Case("egress", K8S, lambda f: kube_rec([
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "out"},
             "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}},
            pod("talker")]),
             refused=("NetworkPolicy out: an egress rule reaching outside the namespace",), check=_egress_policy_applied),
        Case("fence-override", K8S, lambda f: kube_rec([
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "kubelab-replay"},
             "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]},
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": EGRESS_POLICY},
             "spec": {"podSelector": {}}},
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "kubelab-replay"},
             "spec": {"hard": {"pods": "1000"}}}]),
             refused=("Role kubelab-replay: the name kubelab-replay is the replay's own",
                      f"NetworkPolicy {EGRESS_POLICY}: the name"), check=_fence_kept),
        Case("runtime-api", K8S, lambda f: kube_rec([
            {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "mine"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "maker"},
             "rules": [{"apiGroups": [""], "resources": ["services"], "verbs": ["create"]}]},
            {**rb, "metadata": {"name": "mine-maker"}, "roleRef": {**rb["roleRef"], "name": "maker"},
             "subjects": [{"kind": "ServiceAccount", "name": "mine", "namespace": ns}]},
            {**rb, "metadata": {"name": "mine-replay"}, "subjects": [{"kind": "ServiceAccount", "name": "mine"}]},
            {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tok", "annotations": {
                "kubernetes.io/service-account.name": "mine"}}, "type": "kubernetes.io/service-account-token"},
            pod("caller", serviceAccountName="mine", automountServiceAccountToken=True)]),
             refused=("RoleBinding mine-replay: roleRef kubelab-replay", "Secret tok: a service-account token Secret"),
             check=_no_api_credentials),
        Case("no-limits", K8S, lambda f: kube_rec([pod("nolimits")]), check=_limits_defaulted),
        Case("huge", K8S, lambda f: kube_rec([
            {**pod("greedy"), "spec": {"containers": [{"name": "c", "image": _busybox(),
                                                       "resources": {"requests": {"memory": "64Gi", "cpu": "32"}}}]}},
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "many"},
             "spec": {"replicas": 500, "selector": {"matchLabels": {"a": "b"}},
                      "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod("x")["spec"]}}}]),
             refused=("Pod greedy: container 'c' requests.memory 64Gi", "Deployment many: replicas 500")),
        Case("quota-flood", K8S, lambda f: kube_rec([
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"flood-{i:02d}"}} for i in range(12)]),
             refused=("ConfigMap flood-1",), check=_quota_named),
        Case("other-namespace", K8S, lambda f: kube_rec([
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "kube-system"}},
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubelab-evil"}}]),
             refused=("ConfigMap x: in namespace kube-system", "Namespace kubelab-evil: cluster-scoped")),
        # Docker
        Case("public-subnet", DOCKER, lambda f: docker_rec(
            [{**_good_container(), "networks": ["pub"]}],
            networks=[{"name": "pub", "driver": "bridge", "ipam": [{"Subnet": "8.8.8.0/24", "Gateway": "8.8.8.1"}]}]),
             refused=("network pub: subnet 8.8.8.0/24", "container kl-web: its network pub was refused"), check=_no_route),
        Case("subnet-exhaustion", DOCKER, lambda f: docker_rec(
            [_good_container()], networks=[{"name": f"n{i}", "driver": "bridge"} for i in range(31)]),
             refused=("network n4: more than 4 networks",), check=_four_networks),
        Case("bzip2-volume", DOCKER, lambda f: docker_rec(
            [_good_container()], volumes=[{"name": "bomb", "tar": base64.b64encode(bz2.compress(b"\0" * (8 << 20))).decode()},
                                          {"name": "five", "tar": 5},
                                          {"name": "fine", "tar": _tar_b64({"index.html": b"hi"})}]),
             refused=("volume bomb: files: a bzip2-compressed archive", "volume five: tar: expected base64 text")),
        Case("gzip-image", DOCKER, _gzip_image, refused=("image kl-bomb:v1: image kl-bomb:v1 expands to more than",)),
        Case("fork-bomb", DOCKER, lambda f: docker_rec([
            {"name": "forker", "image": _busybox(), "running": True, "restart_policy": "always",
             "command": ["sh", "-c", "i=0; while [ $i -lt 2000 ]; do sleep 60 & i=$((i+1)); done; wait"]}]),
             check=_capped),
        Case("malformed-docker", DOCKER, lambda f: docker_rec([
            {"name": "mem", "image": _busybox(), "memory": "x"},
            {"name": "ports", "image": _busybox(), "ports": "8080:80"},
            {"name": "big", "image": _busybox(), "memory": 64 << 30, "nano_cpus": 16_000_000_000},
            {"name": "byid", "image": "sha256:" + "0" * 64},
            {"name": "root", "image": _busybox(), "privileged": True,
             "mounts": [{"type": "bind", "source": "/", "target": "/host"}]}]),
             refused=("container mem: --memory x is not a number", "container ports: ports must be a list",
                      "container big: --memory", "container byid: image sha256:", "container root: --privileged")),
        Case("label-hijack", DOCKER, lambda f: docker_rec([
            {"name": "hijack", "image": _busybox(), "running": True, "command": ["sleep", "3600"],
             "labels": {"kubelab.grade": "kg-00000000"}}]), check=_label_forced),
    ]


def _replay_case(case: Case, tmp_path: Path) -> Case:
    folder = tmp_path / case.student
    folder.mkdir()
    made = case.record(folder)
    (folder / RECORD_NAME).write_text(made if isinstance(made, str) else dump_record(made))
    lab = _lab(case.lab_id)
    try:
        rec = load_record(folder / RECORD_NAME, lab.id)
    except RecordError as exc:
        case.out["error"] = str(exc)
        return case
    r = rp.replay(lab, rec, case.student, run=RUN, converge=30)
    case.out["replay"] = r
    try:
        spec = json.loads(json.dumps(r.spec()))
        case.out["feedback"] = "\n".join(ReplayReport(spec).lines())
        if case.full_marks:
            case.out["grades"] = {c.id: grade_replay(lab, c.id, spec) for c in lab.checks}
        if case.check is not None:
            case.check(r)
    except BaseException as exc:  # reported after the batch, with the others
        case.out["check_error"] = exc
    finally:
        rp.cleanup(r)
    return case


def _left_behind(prefixes: list[str], namespaces: list[str], workdirs: list[str]) -> list[str]:
    from kubelab.graders.docker_engine import docker_client

    client = docker_client()
    left = []
    for ns in namespaces:
        if rp._kubectl(["get", "namespace", ns, "--ignore-not-found", "-o", "name"]).stdout.strip():
            left.append(f"namespace {ns}")
    api = client.api  # list calls only: containers of other engineers come and go meanwhile
    containers = [(c["Names"] or ["?"])[0].lstrip("/") for c in api.containers(all=True)]
    networks = [n["Name"] for n in api.networks()]
    volumes = [v["Name"] for v in (api.volumes().get("Volumes") or [])]
    tags = [t for img in api.images() for t in img.get("RepoTags") or []]
    for prefix in prefixes:
        label = f"kubelab.grade={prefix.rstrip('-')}"
        left += [f"container {c['Id'][:12]}" for c in api.containers(all=True, filters={"label": label})]
        left += [f"network {n['Name']}" for n in api.networks(filters={"label": label})]
        left += [f"volume {v['Name']}" for v in (api.volumes(filters={"label": label}).get("Volumes") or [])]
        left += [f"{what} {name}" for what, names in (("container", containers), ("network", networks),
                                                      ("volume", volumes), ("image", tags))
                 for name in names if name.startswith(prefix)]
    left += [f"folder {w}" for w in workdirs if w and Path(w).exists()]
    if "8.8.8.0/24" in subprocess.run(["ip", "route"], capture_output=True, text=True).stdout:
        left.append("route 8.8.8.0/24")
    return left


def _wait_nothing_left(prefixes, namespaces, workdirs, timeout=90.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        left = _left_behind(prefixes, namespaces, workdirs)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(2)


@pytest.fixture
def small_image_cap(monkeypatch):
    from kubelab.instructor import archives

    monkeypatch.setattr(archives, "IMAGE_LIMIT", 16 << 20)


def test_hostile_batch(tmp_path, live_cluster, docker_engine, small_image_cap):
    t0 = time.monotonic()
    cases = _cases()
    assert len([c for c in cases if not c.full_marks or c.refused]) >= 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(lambda c: _replay_case(c, tmp_path), cases))
    problems = []
    for c in done:
        if c.error:
            if c.error not in c.out.get("error", ""):
                problems.append(f"{c.student}: expected RecordError {c.error!r}, got {c.out}")
            continue
        if "error" in c.out:
            problems.append(f"{c.student}: the record was refused as a whole: {c.out['error']}")
            continue
        r = c.out["replay"]
        if c.out.get("check_error") is not None:
            problems.append(f"{c.student}: {type(c.out['check_error']).__name__}: {c.out['check_error']}")
        for part in c.refused:
            if not any(part in x for x in r.refused) or part not in c.out["feedback"]:
                problems.append(f"{c.student}: {part!r} not named; refused={r.refused}")
        if c.full_marks:
            lost = {cid: g.observed for cid, g in c.out["grades"].items() if not g.passed}
            if lost:
                problems.append(f"{c.student}: honest work lost points: {lost}")
    prefixes = [c.out["replay"].prefix for c in done if "replay" in c.out and c.out["replay"].prefix]
    namespaces = [c.out["replay"].namespace for c in done if "replay" in c.out and c.out["replay"].namespace]
    workdirs = [c.out["replay"].workdir for c in done if "replay" in c.out]
    left = _wait_nothing_left(prefixes, namespaces, workdirs)
    assert not problems, "\n".join(problems)
    assert not left, left
    print(f"\nhostile batch: {len(cases)} submissions in {time.monotonic() - t0:.0f} s")


def _raise_after(steps, after):
    def boom(s):
        raise KeyError("the autograder broke half-way")

    i = steps.index(after) + 1
    return steps[:i] + (boom,) + steps[i:]


def test_a_replay_that_breaks_half_way_removes_what_it_made(tmp_path, live_cluster, docker_engine, monkeypatch):
    monkeypatch.setattr(rp, "KUBERNETES_STEPS", _raise_after(rp.KUBERNETES_STEPS, rp.k8s_apply))
    monkeypatch.setattr(rp, "DOCKER_STEPS", _raise_after(rp.DOCKER_STEPS, rp.docker_apply))
    forever = {"name": "forever", "image": _busybox(), "running": True, "restart_policy": "always",
               "command": ["sleep", "3600"]}
    made = []
    for lab_id, rec in ((K8S, kube_rec(_good_objects())), (DOCKER, docker_rec([forever], volumes=[{"name": "v"}]))):
        with pytest.raises(rp.ReplayError, match="KeyError") as info:
            rp.replay(_lab(lab_id), rec, "breaks", run=RUN + "-b")
        r = info.value.replay
        assert r.applied, "the step before the failure made something"
        made.append(r)
    prefixes = [r.prefix for r in made if r.prefix]
    assert made[1].made["containers"] and made[1].made["volumes"]
    left = _wait_nothing_left(prefixes, [r.namespace for r in made if r.namespace], [r.workdir for r in made])
    assert not left, left


def test_what_the_screen_lets_through_is_applied_as_the_replay_identity(live_cluster):
    """The screen is not the only fence: objects are applied as the replay's ServiceAccount, so the
    API server refuses for that identity what the instructor could do. Applied past the screen here:
    a LimitRange (the Role does not reach limitranges), a RoleBinding to the `admin` ClusterRole
    (more than the identity holds), and an honest pod, which goes in."""
    from kubelab.instructor.replay_k8s import apply_objects, make_sandbox

    lab = _lab(K8S)
    r = rp.new_replay(lab, "identity", run=RUN + "-i")
    try:
        make_sandbox(r, lab.id)
        wider = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "wider"},
                 "spec": {"limits": [{"type": "Container", "max": {"memory": "64Gi"}}]}}
        admin = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "grab"},
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "admin"},
                 "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": r.namespace}]}
        honest = pod("honest", automountServiceAccountToken=False)
        apply_objects(r, [wider, admin, honest])
        assert r.applied == ["Pod honest"], (r.applied, r.refused)
        assert len(r.refused) == 2 and all(": Forbidden: " in x for x in r.refused), r.refused
        assert "limitranges" in r.refused[0] and "kubelab-replay" in r.refused[0], r.refused
        assert "grab" in r.refused[1], r.refused
        assert kubectl_json("get", "limitrange", "wider", "-n", r.namespace) is None
        assert kubectl_json("get", "rolebinding", "grab", "-n", r.namespace) is None
    finally:
        rp.cleanup(r)


def test_autograde_batch_with_hostile_neighbours(tmp_path, live_cluster):
    """One small class through nbgrader: the honest one full, the hostile one its honest part, the bomb 0."""
    from typer.testing import CliRunner

    from kubelab.instructor.autograde import autograde_class
    from kubelab.instructor.cli import instructor_app
    from kubelab.instructor.record import write_record

    course = tmp_path / "course"
    res = CliRunner().invoke(instructor_app, ["build", "--course", str(course), "--release", K8S])
    assert res.exit_code == 0, res.output
    good = _good_objects()
    hostile = good + [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "grab", "finalizers": ["x/y"]},
                       "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], "externalIPs": ["203.0.113.10"]}},
                      pod("pinned", nodeName="kubelab-control-plane")]
    for student, body in (("alice", kube_rec(good)), ("mallory", kube_rec(hostile)), ("bomb", _alias_bomb(None))):
        folder = course / "submitted" / student / K8S
        folder.mkdir(parents=True)
        (folder / f"{K8S}.ipynb").write_bytes((course / "release" / K8S / f"{K8S}.ipynb").read_bytes())
        if isinstance(body, str):
            (folder / RECORD_NAME).write_text(body)
        else:
            write_record(body, folder)
    results = {r.student: r for r in autograde_class(course, K8S, jobs=3, converge=30)}
    scores = {s: r.score for s, r in results.items()}
    assert scores == {"alice": 8, "mallory": 8, "bomb": 0}, {s: r.to_dict() for s, r in results.items()}
    refused = "\n".join(results["mallory"].refused)
    assert "Service grab: externalIPs" in refused and "Pod pinned: nodeName" in refused
    assert "aliases" in results["bomb"].reason
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(K8S)} == scores
