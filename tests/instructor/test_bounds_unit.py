"""Bounds on what a record can make: loading, the screen's rules, archives, caps (offline, fast)."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import json
import random
import tarfile

import pytest

from kubelab.instructor import policy, sandbox
from kubelab.instructor.archives import ArchiveError, check_volume_tar, retag_image_archive
from kubelab.instructor.schema import MAX_RECORD_BYTES, RECORD_NAME, Record, RecordError, safe_load

NS = "lab-x"


def write(tmp_path, text: str):
    (tmp_path / RECORD_NAME).write_text(text)
    return tmp_path / RECORD_NAME


# ---- loading ---------------------------------------------------------------------------------------

def test_an_alias_bomb_is_refused_before_anything_expands(tmp_path):
    bomb = "kubelab_record: 1\nlab: pods-basics\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 9):
        bomb += f"{'abcdefgh'[i - 1]}{i}: &{'abcdefgh'[i - 1]}{i} [*{'a' if i == 1 else 'abcdefgh'[i - 2] + str(i - 1)}" \
                f"{', *' + ('a' if i == 1 else 'abcdefgh'[i - 2] + str(i - 1)) * 1}]\n"
    with pytest.raises(RecordError, match="aliases"):
        Record.load(write(tmp_path, bomb), "pods-basics")


def test_a_single_alias_is_refused_too():
    with pytest.raises(RecordError, match=r"aliases \(\*name\) are not accepted"):
        safe_load("a: &x {k: v}\nb: *x\n")


def test_node_count_and_depth_are_capped(monkeypatch):
    from kubelab.instructor import schema

    with pytest.raises(RecordError, match="nested"):
        safe_load("[" * 200 + "]" * 200)
    monkeypatch.setattr(schema, "MAX_NODES", 50)
    with pytest.raises(RecordError, match="more than 50 YAML nodes"):
        safe_load("[" + ", ".join("x" for _ in range(100)) + "]")


def test_size_is_checked_before_parsing(tmp_path):
    path = write(tmp_path, "#" * (MAX_RECORD_BYTES + 1))
    with pytest.raises(RecordError, match=f"limit {MAX_RECORD_BYTES}"):
        Record.load(path)


def test_dates_stay_strings_and_values_are_plain(tmp_path):
    rec = Record.load(write(tmp_path, "kubelab_record: 1\nlab: pods-basics\ncreated: 2024-01-01\n"
                                      "objects: [{metadata: {labels: {d: 2024-01-01}}}]\n"), "pods-basics")
    assert rec.created == "2024-01-01" and rec.objects[0]["metadata"]["labels"]["d"] == "2024-01-01"
    json.dumps(rec.to_dict())  # always JSON-able
    for text, why in [("a: !!binary aGVsbG8=", "bytes"), ("a: !!set {x, y}", "set"), ("{1: 2}", "not a string")]:
        with pytest.raises(RecordError, match=why):
            safe_load(text)


def test_record_is_typed_with_dict_access_for_old_callers(tmp_path):
    rec = Record.load(write(tmp_path, "kubelab_record: 1\nlab: pods-basics\nobjects: null\nevidence: {k: [1]}\n"),
                      "pods-basics")
    assert rec.objects == [] and rec.evidence == {"k": [1]} and rec.folder == str(tmp_path)
    assert rec["objects"] == [] and rec.get("_folder") == str(tmp_path) and rec.get("nope", 3) == 3
    with pytest.raises(RecordError, match="checks must be a mapping"):
        Record.parse({"kubelab_record": 1, "lab": "x", "checks": [1]})
    with pytest.raises(RecordError, match="lab must be a lab id"):
        Record.parse({"kubelab_record": 1, "lab": ["x"]})


# ---- the Kubernetes screen ---------------------------------------------------------------------------

def pod(name="p", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}}


def svc(name="s", **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}], **spec}}


def one(obj, others=()):
    out = policy.screen_objects([*others, obj], NS)
    return out


def refused_for(obj, others=()) -> str:
    out = one(obj, others)
    assert len(out.allowed) == len(others), out.refused
    return "\n".join(out.refused)


@pytest.mark.parametrize("obj, reason", [
    (svc(externalIPs=["203.0.113.10"]), "externalIPs"),
    (svc(type="NodePort"), "type NodePort"),
    (svc(type="LoadBalancer"), "type LoadBalancer"),
    (svc(ports=[{"port": 80, "nodePort": 30080}]), "nodePort 30080"),
    (pod(nodeName="kubelab-control-plane"), "nodeName kubelab-control-plane"),
    (pod(priorityClassName="system-node-critical"), "priorityClassName system-node-critical"),
    (pod(serviceAccountName="kubelab-replay"), "serviceAccountName kubelab-replay"),
    (pod(serviceAccountName="someone-else"), "serviceAccountName someone-else"),
    (pod(volumes=[{"name": "n", "nfs": {"server": "10.0.0.1", "path": "/"}}]), "type nfs"),
    (pod(volumes=[{"name": "h", "hostPath": "/"}]), "hostPath volume h (/)"),
    ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
      "spec": {"volumeName": "instructor-pv", "resources": {"requests": {"storage": "1Gi"}}}}, "volumeName instructor-pv"),
    ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
      "spec": {"storageClassName": "", "resources": {"requests": {"storage": "1Gi"}}}}, "pre-made PersistentVolume"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
      "roleRef": {"kind": "Role", "name": "r", "apiGroup": "rbac.authorization.k8s.io"},
      "subjects": [{"kind": "Group", "name": "system:unauthenticated"}]}, "subject Group system:unauthenticated"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
      "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "Group", "name": "system:serviceaccounts"}]}, "subject Group system:serviceaccounts"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
      "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "kube-system"}]}, "outside the namespace"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
      "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "User", "name": "system:anonymous"}]}, "subject User system:anonymous"),
    ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "kubelab-replay-egress"},
      "spec": {"podSelector": {}}}, "the replay's own"),
    ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "open"},
      "spec": {"podSelector": {}, "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}}, "egress rule"),
    ({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "open"},
      "spec": {"podSelector": {}, "egress": [{}]}}, "egress rule"),
    ({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "kubelab-replay"}}, "the replay's own"),
    (pod(containers=[{"name": "c", "image": "sha256:" + "a" * 64}]), "an image id"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
      "roleRef": {"kind": "Role", "name": "kubelab-replay"}, "subjects": [{"kind": "ServiceAccount", "name": "mine"}]},
     "the replay's own Role"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "tok", "annotations": {
        "kubernetes.io/service-account.name": "default"}}, "type": "kubernetes.io/service-account-token"},
     "service-account token Secret"),
    (pod(volumes=[{"name": "t", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}]}}]),
     "a serviceAccountToken"),
    (pod(containers=[{"name": "c", "image": "a" * 12}]), "an image id"),
    (pod(containers=[{"name": "c", "image": "busybox", "resources": {"limits": {"memory": "x"}}}]), "not a quantity"),
    (pod(containers=[{"name": "c", "image": "busybox", "resources": {"limits": {"memory": "64Gi"}}}]), "at most 1Gi"),
    (pod(containers=[{"name": "c", "image": "busybox", "resources": {"requests": {"cpu": "8"}}}]), "at most 1"),
    (pod(containers=[{"name": "c", "image": "busybox", "resources": {"limits": {"nvidia.com/gpu": 1}}}]), "only cpu"),
    (pod(containers=[{"name": "c", "image": "busybox", "resources": {"limits": ["memory"]}}]), "must be a mapping"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": ["a", "b"]}}, "labels must be a mapping"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"v": 1}}}, "quote it"),
    ({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}, "not a valid name"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
      "spec": {"replicas": 1000, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}, "replicas 1000"),
    ({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
      "spec": {"parallelism": 500, "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}, "parallelism 500"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": "x"}},
     "spec.template must be a mapping"),
    (pod(containers="nope"), "containers must be a list"),
    (pod(containers=[{"name": "c", "image": "busybox", "securityContext": "root"}]), "securityContext must be a mapping"),
])
def test_the_screen_refuses_with_a_reason(obj, reason):
    assert reason in refused_for(obj)


def test_claims_bind_only_dynamically_provisioned_volumes():
    claim = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
           "spec": {"volumeClaimTemplates": [{"metadata": {"name": "d"}, "spec": {**claim, "volumeName": "pv1"}}],
                    "template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    eph = pod("e", volumes=[{"name": "v", "ephemeral": {"volumeClaimTemplate": {"spec": {**claim, "selector": {}}}}}])
    manual = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "m"},
              "spec": {**claim, "storageClassName": "manual"}}
    standard = {**manual, "metadata": {"name": "s"}, "spec": {**claim, "storageClassName": "standard"}}
    out = policy.screen_objects([sts, eph, manual, standard], NS, storage_classes={"standard"})
    assert [o["metadata"]["name"] for o in out.allowed] == ["s"] and out.allowed[0]["kind"] == "PersistentVolumeClaim"
    text = "\n".join(out.refused)
    assert "StatefulSet s: volumeName pv1" in text and "Pod e: binds a pre-made PersistentVolume" in text
    assert "PersistentVolumeClaim m: storageClassName manual is not a StorageClass" in text
    assert len(policy.screen_objects([manual], NS).allowed) == 1   # offline: the class is not checked


def test_what_the_labs_need_passes():
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "mine"}}
    ok = [
        pod("keyed", tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists",
                                   "effect": "NoSchedule"}]),
        pod("own-sa", serviceAccountName="mine"),
        pod("guaranteed", containers=[{"name": "c", "image": "busybox", "resources": {
            "limits": {"cpu": "100m", "memory": "64Mi"}, "requests": {"cpu": 0.1, "memory": "64Mi"}}}]),
        svc(), svc("headless", clusterIP="None"),
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
         "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "mine", "namespace": NS},
                                                                 {"kind": "User", "name": "jane"}]},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    ]
    out = policy.screen_objects([sa, *ok], NS)
    assert out.refused == [] and len(out.allowed) == len(ok) + 1


def test_finalizers_are_stripped_and_named():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["kubelab.io/forever"]},
          "status": {"x": 1}}
    out = policy.screen_objects([cm], NS)
    assert out.allowed[0]["metadata"] == {"name": "c"} and "status" not in out.allowed[0]
    assert "metadata.finalizers dropped" in out.refused[0]
    assert cm["metadata"]["finalizers"] == ["kubelab.io/forever"]  # the record itself is not changed


def test_replayed_pods_get_no_api_credentials():
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"template": {"spec": {"automountServiceAccountToken": True,
                                             "containers": [{"name": "c", "image": "x"}]}}}}
    out = policy.screen_objects([pod(), deploy], NS)
    assert out.allowed[0]["spec"]["automountServiceAccountToken"] is False
    assert out.allowed[1]["spec"]["template"]["spec"]["automountServiceAccountToken"] is False


GARBAGE = ["x", 5, -1, 3.5, True, None, [], ["a"], {}, {"a": "b"}, [{"x": None}], "/", "2024-01-01", "0" * 300]


def _mutations(obj, rng, n=400):
    """Copies of obj with one value anywhere replaced by garbage."""
    import copy

    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                paths.append(path + [k])
                walk(v, path + [k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                paths.append(path + [i])
                walk(v, path + [i])

    walk(obj, [])
    for _ in range(n):
        out = copy.deepcopy(obj)
        path = rng.choice(paths)
        node = out
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = rng.choice(GARBAGE)
        yield out


def test_the_screens_never_raise_whatever_the_values():
    rng = random.Random(14)
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"a": "b"}},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "b"}}, "template": {
                  "metadata": {"labels": {"a": "b"}},
                  "spec": {"tolerations": [{"key": "k", "operator": "Exists"}], "volumes": [{"name": "v", "emptyDir": {}}],
                           "containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 80}],
                                           "securityContext": {"capabilities": {"add": ["CHOWN"]}},
                                           "resources": {"limits": {"memory": "64Mi"}}}]}}}}
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
          "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "s"}]}
    netpol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"},
              "spec": {"podSelector": {}, "egress": [{"to": [{"podSelector": {}}]}]}}
    for base in (deploy, rb, netpol, svc(), pod()):
        for obj in _mutations(base, rng, 150):
            out = policy.screen_objects([obj], NS)
            assert len(out.allowed) + len([r for r in out.refused if "dropped" not in r]) >= 1
    container = {"name": "c", "image": "busybox", "memory": 64 << 20, "ports": [{"container_port": 80, "host_port": 8080}],
                 "mounts": [{"type": "volume", "source": "v", "target": "/d"}], "networks": ["n"], "ips": {"n": "10.213.0.5"},
                 "labels": {"a": "b"}, "env": ["A=1"], "command": ["sleep", "1"]}
    for spec in _mutations(container, rng, 300):
        policy.screen_containers([spec])
    for net in _mutations({"name": "n", "driver": "bridge", "ipam": [{"Subnet": "10.213.1.0/24", "Gateway": "10.213.1.1"}]},
                          rng, 100):
        policy.screen_networks([net])
    for vol in _mutations({"name": "v", "tar": "", "skipped": ""}, rng, 60):
        policy.screen_volumes([vol])


# ---- the Docker screen -------------------------------------------------------------------------------

@pytest.mark.parametrize("change, reason", [
    ({"memory": "x"}, "--memory x is not a number"),
    ({"memory": 64 << 30}, "at most 1024 MiB"),
    ({"nano_cpus": 4_000_000_000}, "more than 1 CPU"),
    ({"cpu_quota": 400000, "cpu_period": 100000}, "more than 1 CPU"),
    ({"image": "sha256:" + "b" * 64}, "an image id"),
    ({"image": "0123456789ab"}, "an image id"),
    ({"name": "../evil"}, "not a valid container name"),
    ({"ports": [{"container_port": "eighty", "host_port": 80}]}, "container port eighty is not a number"),
    ({"ports": [{"container_port": 80, "host_port": p} for p in range(8000, 8020)]}, "more than 10 published ports"),
    ({"networks": ["a", "b", "c", "d", "e"]}, "at most 4"),
    ({"ips": {"n": "8.8.8.300"}}, "not an IPv4 address"),
    ({"labels": ["a"]}, "labels must be a mapping"),
    ({"env": "A=1"}, "env must be a list of strings"),
    ({"mounts": [{"type": "tmpfs", "target": "relative"}]}, "mount target"),
    ({"restart_policy": "forever"}, "restart policy forever"),
])
def test_docker_specs_are_bounded(change, reason):
    spec = {"name": "c", "image": "busybox", **change}
    allowed, refused = policy.screen_containers([spec])
    assert allowed == [] and reason in refused[0], refused


def test_subnets_only_from_kubelabs_ranges():
    nets = [{"name": "lab", "ipam": [{"Subnet": "172.30.10.0/24", "Gateway": "172.30.10.1"}]},
            {"name": "own", "ipam": [{"Subnet": "10.213.5.0/24"}]},
            {"name": "plain"},
            {"name": "google", "ipam": [{"Subnet": "8.8.8.0/24", "Gateway": "8.8.8.1"}]},
            {"name": "wide", "ipam": [{"Subnet": "10.0.0.0/8"}]},
            {"name": "gw", "ipam": [{"Subnet": "10.213.6.0/24", "Gateway": "10.213.7.1"}]},
            {"name": "host", "driver": "host"},
            {"name": "junk", "ipam": [{"Subnet": "nope"}]}]
    allowed, refused = policy.screen_networks(nets)
    assert [n["name"] for n in allowed] == ["lab", "own", "plain"]
    assert allowed[0]["pools"] == [("172.30.10.0/24", "172.30.10.1")]
    text = "\n".join(refused)
    for part in ("network google: subnet 8.8.8.0/24", "network wide: subnet 10.0.0.0/8", "gateway 10.213.7.1",
                 "driver host", "network junk: subnet/gateway"):
        assert part in text


def test_31_networks_are_cut_at_the_cap():
    allowed, refused = policy.screen_networks([{"name": f"n{i}", "ipam": [{"Subnet": f"10.213.{i}.0/24"}]}
                                               for i in range(31)])
    assert len(allowed) == policy.MAX_NETWORKS and len(refused) == 31 - policy.MAX_NETWORKS
    assert "flood limit" in refused[0]


def _tar(files: dict[str, bytes], device: bool = False) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, body in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        if device:
            info = tarfile.TarInfo("sda")
            info.type = tarfile.BLKTYPE
            tar.addfile(info)
    return out.getvalue()


@pytest.mark.parametrize("data, reason", [
    (bz2.compress(b"\0" * 1_000_000), "bzip2-compressed"),
    (gzip.compress(_tar({"a": b"x"})), "gzip-compressed"),
    (b"not a tar at all" * 40, "not a tar archive"),
    (_tar({"/etc/passwd": b"x"}), "outside the volume"),
    (_tar({"../x": b"x"}), "outside the volume"),
    (_tar({"a": b"x"}, device=True), "device"),
    (_tar({"big": b"\0" * 10}), None),
], ids=["bzip2", "gzip", "not-tar", "absolute", "dotdot", "device", "plain"])  # stable ids: a gzip header holds the time, and
def test_volume_tars_are_checked_before_the_engine_sees_them(data, reason):  # xdist workers must collect the same tests
    if reason is None:
        assert check_volume_tar(data) == 10
    else:
        with pytest.raises(ArchiveError, match=reason):
            check_volume_tar(data)


def test_a_volume_tar_that_is_not_text_is_refused_by_name():
    allowed, refused = policy.screen_volumes([{"name": "v", "tar": 5}, {"name": "w", "tar": "%%%"},
                                              {"name": "b", "tar": base64.b64encode(bz2.compress(b"\0" * 99999)).decode()},
                                              {"name": "ok", "tar": base64.b64encode(_tar({"f": b"hi"})).decode()}])
    assert [v["name"] for v in allowed] == ["ok"] and allowed[0]["tar"].startswith(b"f\0")
    assert "volume v: tar: expected base64 text, found int" in refused[0]
    assert "volume w: tar is not base64" in refused[1]
    assert "volume b: files: a bzip2-compressed archive" in refused[2]


def _saved(tags, layer: bytes = b"layer") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in {"manifest.json": json.dumps([{"Config": "config.json", "RepoTags": tags,
                                                         "Layers": ["abc/layer.tar"]}]).encode(),
                           "config.json": b"{}", "abc/layer.tar": layer}.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def test_a_gzip_image_bomb_stops_at_the_byte_cap():
    bomb = gzip.compress(b"\0" * (8 << 20), compresslevel=9)   # 8 MiB of zeros in ~8 KiB
    assert len(bomb) < 64 * 1024
    with pytest.raises(ArchiveError, match="expands to more than 1 MiB"):
        retag_image_archive(bomb, "kl:v1", "kg-1-image0:replay", limit=1 << 20)


def test_a_compressed_layer_bomb_inside_a_plain_archive_stops_too():
    layer = gzip.compress(_tar({"zeros": b"\0" * (4 << 20)}))
    with pytest.raises(ArchiveError, match="expands to more than 1 MiB"):
        retag_image_archive(_saved(["kl:v1"], layer), "kl:v1", "kg-1-image0:replay", limit=1 << 20)


def test_a_gzipped_docker_save_within_the_cap_is_retagged():
    data = retag_image_archive(gzip.compress(_saved(["kl:v1"], _tar({"f": b"x"}))), "kl:v1", "kg-1-image0:replay")
    tar = tarfile.open(fileobj=io.BytesIO(data))
    assert json.load(tar.extractfile("manifest.json"))[0]["RepoTags"] == ["kg-1-image0:replay"]


# ---- the fence --------------------------------------------------------------------------------------

def test_the_quota_counts_every_kind_a_record_may_create():
    counted = {"Pod": "pods", "Service": "services", "ConfigMap": "configmaps", "Secret": "secrets",
               "PersistentVolumeClaim": "persistentvolumeclaims", "ServiceAccount": "count/serviceaccounts"}
    groups = {"Deployment": "apps", "StatefulSet": "apps", "DaemonSet": "apps", "ReplicaSet": "apps", "Job": "batch",
              "CronJob": "batch", "NetworkPolicy": "networking.k8s.io", "Ingress": "networking.k8s.io",
              "Role": "rbac.authorization.k8s.io", "RoleBinding": "rbac.authorization.k8s.io",
              "HorizontalPodAutoscaler": "autoscaling", "PodDisruptionBudget": "policy"}
    for kind in policy.ALLOWED_KINDS:
        key = counted.get(kind) or f"count/{kind.lower()}s.{groups[kind]}"
        if kind == "Ingress":
            key = "count/ingresses.networking.k8s.io"
        if kind == "NetworkPolicy":
            key = "count/networkpolicies.networking.k8s.io"
        assert key in sandbox.QUOTA, kind
    for key in ("limits.cpu", "limits.memory", "requests.ephemeral-storage", "limits.ephemeral-storage"):
        assert key in sandbox.QUOTA
    assert sandbox.QUOTA["services.nodeports"] == "0" and sandbox.QUOTA["services.loadbalancers"] == "0"


def test_every_container_gets_defaults_and_maxima_and_egress_stays_in_the_namespace():
    docs = {d["kind"]: d for d in sandbox.sandbox_manifests("kg-1-s", "pods-basics")}
    limits = docs["LimitRange"]["spec"]["limits"][0]
    for part in ("default", "defaultRequest", "max"):
        assert set(limits[part]) == {"cpu", "memory", "ephemeral-storage"}
    pol = docs["NetworkPolicy"]["spec"]
    # every pod but the grader's own connectivity probes (kubelab.graders.network)
    assert pol["podSelector"] == {"matchExpressions": [{"key": "kubelab.io/probe", "operator": "DoesNotExist"}]}
    assert pol["policyTypes"] == ["Egress"]
    assert pol["egress"][0] == {"to": [{"podSelector": {}}]}
    assert docs["ServiceAccount"]["automountServiceAccountToken"] is False


def test_replayed_containers_are_capped():
    from kubelab.instructor.replay import Replay
    from kubelab.instructor.replay_docker import create_kwargs

    r = Replay("l", "s", "docker", prefix="kg-0123abcd-")
    kw = create_kwargs(r, {"name": "c", "image": "busybox", "labels": {"kubelab.grade": "other"}}, {}, {}, [], None)
    assert kw["mem_limit"] == sandbox.DOCKER_MEMORY_DEFAULT and kw["pids_limit"] == sandbox.DOCKER_PIDS_LIMIT
    assert kw["cpuset_cpus"] is not None and kw["nano_cpus"] is None and kw["privileged"] is False
    assert kw["labels"]["kubelab.grade"] == "kg-0123abcd"   # a record cannot hide from cleanup
    assert kw["log_config"]["Config"] == {"max-size": "1m", "max-file": "1"}
    kw = create_kwargs(r, {"name": "c", "image": "busybox", "memory": 64 << 20, "nano_cpus": 500_000_000}, {}, {}, [], None)
    assert kw["mem_limit"] == 64 << 20 and kw["nano_cpus"] == 500_000_000 and kw["cpuset_cpus"] is None


# ---- the pipeline ------------------------------------------------------------------------------------

def test_a_failing_step_cleans_up_the_real_names_and_raises(monkeypatch):
    from kubelab.instructor import replay as rp
    from kubelab.labs.registry import get_lab

    cleaned = []
    monkeypatch.setattr(rp, "cleanup_replay", lambda r, wait=False: cleaned.append(r.namespace))

    def sandbox_ok(s):
        s.r.applied.append("Namespace made")

    def boom(s):
        raise TypeError("a value nobody foresaw")

    monkeypatch.setattr(rp, "KUBERNETES_STEPS", (sandbox_ok, boom))
    lab = get_lab("pods-basics")
    with pytest.raises(rp.ReplayError, match="TypeError: a value nobody foresaw") as info:
        rp.replay(lab, {"kubelab_record": 1, "lab": lab.id}, "alice", run="r1")
    assert cleaned == [rp.replay_namespace(lab.id, "alice", "r1")]
    assert info.value.replay.namespace == cleaned[0] and info.value.replay.applied == ["Namespace made"]


def test_a_record_is_written_without_aliases_and_reads_back():
    from kubelab.instructor.record import dump_record

    shared = {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "r"}
    rec = {"kubelab_record": 1, "lab": "pods-basics", "objects": [{"roleRef": shared}, {"roleRef": shared}]}
    text = dump_record(rec)
    assert "&id" not in text and "*id" not in text
    assert Record.parse(safe_load(text)).objects[1]["roleRef"] == shared


def test_refusals_are_capped_and_node_state_never_raises():
    from kubelab.labs.model import NodeScope

    out = policy.screen_objects([{"kind": "Pod"}] * 5000, NS)
    assert len(out.refused) == policy.MAX_REFUSAL_LINES + 1 and out.refused[-1] == "... and 4900 more refused"
    scope = NodeScope(nodes=("w2",), labels=("disk",), taints=("dedicated",))
    for bad in ([{"name": "w2", "taints": "x" * 10000}], [{"name": ["w2"]}], [{"name": "w2", "labels": [1]}],
                [{"name": "w2", "taints": [{"key": "dedicated", "effect": ["NoSchedule"]}]}], 5):
        cmds, refused = policy.screen_nodes(bad, scope)
        assert cmds == [] and len(refused) <= policy.MAX_REFUSAL_LINES + 1


def test_instructor_cleanup_removes_every_kind_of_leftover(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from kubelab.instructor import cleanup
    from kubelab.instructor.cli import instructor_app

    folder = tmp_path / "kubelab-replay-kg-0123abcd-x"
    folder.mkdir()
    found = {"namespaces": ["kg-0123abcd-s"], "containers": ["kg-0123abcd-web"], "networks": ["kg-0123abcd-net"],
             "volumes": ["kg-0123abcd-vol"], "images": ["kg-0123abcd-image0:replay"], "folders": [str(folder)]}
    calls = []

    class Api:
        def __getattr__(self, name):
            return lambda *a, **k: calls.append((name, a[0]))

    class Client:
        api = Api()

        class images:
            @staticmethod
            def remove(tag, force=False):
                calls.append(("remove_image", tag))

    monkeypatch.setattr(cleanup, "leftovers", lambda: found)
    monkeypatch.setattr(cleanup, "cleanup_kubernetes", lambda ns, wait=False, finalizers=False: calls.append(("namespace", ns)))
    monkeypatch.setattr("kubelab.graders.docker_engine.docker_client", lambda *a, **k: Client())
    res = CliRunner().invoke(instructor_app, ["cleanup"])
    assert res.exit_code == 0, res.output
    assert sorted(calls) == sorted([("namespace", "kg-0123abcd-s"), ("remove_container", "kg-0123abcd-web"),
                                    ("remove_network", "kg-0123abcd-net"), ("remove_volume", "kg-0123abcd-vol"),
                                    ("remove_image", "kg-0123abcd-image0:replay")])
    assert not folder.exists()
    for line in ("deleted namespace kg-0123abcd-s", "removed network kg-0123abcd-net", "removed image"):
        assert line in res.output


def test_a_toleration_of_every_taint_is_narrowed_to_the_nodes_schedule_taints():
    """A correct answer may tolerate every taint (sched-taint, daemonset-all-nodes): it is replayed,
    narrowed to the nodes' NoSchedule/PreferNoSchedule taints, never NoExecute."""
    from kubelab.instructor import policy

    obj = pod(tolerations=[{"operator": "Exists"}, {"key": "a", "operator": "Equal", "value": "1"}])
    assert not any("every taint" in p for p in policy.replay_problems(obj["spec"], set()))
    note = policy.narrow_tolerations(obj, [("node-role.kubernetes.io/control-plane", "NoSchedule"),
                                           ("gpu", "NoSchedule"), ("evict", "NoExecute"), ("gpu", "NoSchedule")])
    assert obj["spec"]["tolerations"] == [
        {"key": "a", "operator": "Equal", "value": "1"},
        {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    assert "narrowed" in note and "evict" not in note
    assert policy.narrow_tolerations(pod(tolerations=[{"key": "k", "operator": "Exists"}]), []) == ""


def test_replay_pods_may_reach_the_ingress_controller_and_nothing_else_outside():
    from kubelab.cluster import addons_ingress

    pol = {d["kind"]: d for d in sandbox.sandbox_manifests("kg-1-s", "ingress-tls")}["NetworkPolicy"]["spec"]
    outside = [r for r in pol["egress"] if r["to"] != [{"podSelector": {}}]]
    assert len(outside) == 2   # DNS, and the controller on 80/443
    ctl = next(r for r in outside if r["ports"][0]["port"] == 80)
    assert ctl["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": addons_ingress.NAMESPACE}},
                          "podSelector": {"matchLabels": {"app.kubernetes.io/name": addons_ingress.NAME}}}]
    assert {p["port"] for p in ctl["ports"]} == {80, 443}
