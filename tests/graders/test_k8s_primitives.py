"""Kubernetes primitives on fake objects (manifest-shaped dicts), no cluster."""

import base64

import pytest

from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.runner import run_check
from tests.graders.fakes import FakeKube


def pod(name="web", ns="lab", phase="Running", ready=True, labels=None, node="kubelab-worker", restarts=0, **spec):
    return {"kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": "web"}},
            "spec": {"nodeName": node, "containers": [{"name": "web", "image": "nginx"}], **spec},
            "status": {"phase": phase,
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"name": "web", "restartCount": restarts,
                                              "state": {"running": {}} if ready else
                                              {"waiting": {"reason": "CrashLoopBackOff"}}}]}}


def node(name, labels=None, taints=None):
    return {"kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": {"taints": taints or []}}


def test_exists_and_missing_lists_neighbours():
    kube = FakeKube([pod("other")])
    with pytest.raises(Failed, match=r"Pod web in namespace lab: expected to exist, found nothing \(existing: other\)"):
        k8s.exists(kube, "Pod", "web", "lab")
    assert "exists" in k8s.exists(FakeKube([pod()]), "Pod", "web", "lab")


def test_field_equals_and_contains():
    kube = FakeKube([{"kind": "Deployment", "metadata": {"name": "d", "namespace": "lab", "labels": {"a": "1"}},
                      "spec": {"replicas": 1}}])
    with pytest.raises(Failed, match="spec.replicas: expected 3, found 1"):
        k8s.field_equals(kube, "Deployment", "d", "lab", "spec.replicas", 3)
    assert k8s.labels_include(kube, "Deployment", "d", "lab", {"a": "1"})
    with pytest.raises(Failed, match="metadata.labels: expected to include a=2, found a=1"):
        k8s.labels_include(kube, "Deployment", "d", "lab", {"a": "2"})
    with pytest.raises(Failed, match="expected to include b=x, found b=nothing"):
        k8s.labels_include(kube, "Deployment", "d", "lab", {"b": "x"})


def test_pod_running_ready():
    assert "Running and Ready" in k8s.pod_running_ready(FakeKube([pod()]), "lab", "web")
    with pytest.raises(Failed, match=r"expected Running and Ready, found Running, not Ready \(CrashLoopBackOff\)"):
        k8s.pod_running_ready(FakeKube([pod(ready=False)]), "lab", "web")
    with pytest.raises(Failed, match="found Pending"):
        k8s.pod_running_ready(FakeKube([pod(phase="Pending", ready=False)]), "lab", "web")


def test_restarts():
    kube = FakeKube([pod(restarts=3)])
    assert k8s.restart_count(kube, "lab", "web") == 3
    assert "= 3" in k8s.restarts_at_least(kube, "lab", "web", 1)
    with pytest.raises(Failed, match="restartCount: expected at least 5, found 3"):
        k8s.restarts_at_least(kube, "lab", "web", 5)
    assert "stays at 3" in k8s.restarts_stable(kube, "lab", "web", window=0)
    with pytest.raises(Failed, match="expected at most 0, found 3"):
        k8s.restarts_stable(kube, "lab", "web", window=0, maximum=0)


def test_service_endpoints():
    svc = {"kind": "Service", "metadata": {"name": "web", "namespace": "lab"}}
    es = {"kind": "EndpointSlice", "metadata": {"name": "web-x", "namespace": "lab",
                                                "labels": {"kubernetes.io/service-name": "web"}},
          "ports": [{"port": 80}],
          "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
                        {"addresses": ["10.0.0.2"], "conditions": {"ready": False}}]}
    assert "1 ready endpoint" in k8s.service_endpoints(FakeKube([svc, es]), "lab", "web")
    with pytest.raises(Failed, match="expected at least 2 ready endpoint"):
        k8s.service_endpoints(FakeKube([svc, es]), "lab", "web", minimum=2)
    with pytest.raises(Failed, match="does the selector match"):
        k8s.service_endpoints(FakeKube([svc]), "lab", "web")
    with pytest.raises(Failed, match="expected target port 8080, found 80"):
        k8s.service_endpoints(FakeKube([svc, es]), "lab", "web", port=8080)


def test_scheduling_taints_tolerations():
    objs = [pod(node="kubelab-worker2", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                                      "effect": "NoSchedule"}]),
            node("kubelab-worker2", {"disk": "ssd"}, [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])]
    kube = FakeKube(objs)
    assert "kubelab-worker2" in k8s.pod_on_labeled_node(kube, "lab", "web", "disk", "ssd")
    with pytest.raises(Failed, match="expected a node with disk=hdd, found disk=ssd"):
        k8s.pod_on_labeled_node(kube, "lab", "web", "disk", "hdd")
    assert k8s.node_has_taint(kube, "kubelab-worker2", "dedicated", "NoSchedule", "gpu")
    with pytest.raises(Failed, match="taints: expected dedicated:NoExecute, found dedicated=gpu:NoSchedule"):
        k8s.node_has_taint(kube, "kubelab-worker2", "dedicated", "NoExecute")
    assert k8s.pod_tolerates(kube, "lab", "web", "dedicated", "NoSchedule", "gpu")
    with pytest.raises(Failed, match="expected one for other"):
        k8s.pod_tolerates(kube, "lab", "web", "other")
    unscheduled = FakeKube([pod(node=None, phase="Pending", ready=False)])
    with pytest.raises(Failed, match="not scheduled"):
        k8s.pod_on_labeled_node(unscheduled, "lab", "web", "disk")


def test_pvc_and_files():
    bound = {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "lab"},
             "spec": {"volumeName": "pv-1"}, "status": {"phase": "Bound"}}
    pending = {**bound, "status": {"phase": "Pending"}}
    assert "Bound" in k8s.pvc_bound(FakeKube([bound]), "lab", "data")
    with pytest.raises(Failed, match="status.phase: expected Bound, found Pending"):
        k8s.pvc_bound(FakeKube([pending]), "lab", "data")
    kube = FakeKube([pod()], exec_result=(0, "hello\n", ""))
    assert "contains" in k8s.file_in_container(kube, "lab", "web", "/data/x", contains="hello")
    assert kube.exec_calls[-1] == ["cat", "/data/x"]
    kube = FakeKube([pod()], exec_result=(1, "", "cat: /data/x: No such file or directory"))
    with pytest.raises(Failed, match="expected to exist, found cat: /data/x: No such file"):
        k8s.file_in_container(kube, "lab", "web", "/data/x")


def test_env_in_container():
    kube = FakeKube([pod()], exec_result=(0, "hello-world", ""))
    with pytest.raises(Failed, match="env GREETING in pod web: expected hello-kubelab, found hello-world"):
        k8s.env_in_container(kube, "lab", "web", "GREETING", "hello-kubelab")
    kube = FakeKube([pod()], exec_result=(1, "", ""))
    with pytest.raises(Failed, match="found it unset"):
        k8s.env_in_container(kube, "lab", "web", "GREETING")


def test_secret_values_never_shown():
    value = "p4ssw0rd-xyz"
    secret = {"kind": "Secret", "metadata": {"name": "db", "namespace": "lab"},
              "data": {"password": base64.b64encode(value.encode()).decode()}}
    kube = FakeKube([secret, pod()], exec_result=(0, "wrong-value-123\n", ""))
    with pytest.raises(Failed) as exc:
        k8s.secret_value_equals(kube, "lab", "db", "password", "other-value")
    assert value not in str(exc.value) and "other-value" not in str(exc.value)
    assert k8s.secret_has_keys(kube, "lab", "db", ["password"])
    with pytest.raises(Failed, match="expected the Secret's value, found a different value"):
        k8s.env_in_container(kube, "lab", "web", "DB_PASSWORD", value, secret=True)

    def leaky_check(ctx):  # a careless check that echoes what it read: the runner masks it
        raise Failed(f"found {value} / {secret['data']['password']}")

    res = run_check(leaky_check, None, id="x", title="x", points=1, secrets=lambda: kube.secret_values)
    assert value not in res.observed and secret["data"]["password"] not in res.observed


def test_rollout_history_and_jobs():
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "lab", "uid": "u1",
                                              "annotations": {"deployment.kubernetes.io/revision": "2"}}}

    def rs(rev, image):
        return {"kind": "ReplicaSet", "metadata": {"name": f"web-{rev}", "namespace": "lab",
                                                   "ownerReferences": [{"uid": "u1"}],
                                                   "annotations": {"deployment.kubernetes.io/revision": str(rev)}},
                "spec": {"template": {"spec": {"containers": [{"image": image}]}}}}

    kube = FakeKube([dep, rs(2, "web:v2"), rs(1, "web:v1")])
    assert k8s.rollout_history(kube, "lab", "web") == [(1, ["web:v1"]), (2, ["web:v2"])]
    assert k8s.image_history_includes(kube, "lab", "web", ["web:v1", "web:v2"])
    assert k8s.image_history_includes(kube, "lab", "web", ["docker.io/library/web:v1", "library/web:v2"])
    with pytest.raises(Failed, match="expected images web:v2 -> web:v1, found r1:web:v1 -> r2:web:v2"):
        k8s.image_history_includes(kube, "lab", "web", ["web:v2", "web:v1"])
    assert k8s.rollout_revision_at_least(kube, "lab", "web", 2)
    with pytest.raises(Failed, match="revision: expected at least 3, found 2"):
        k8s.rollout_revision_at_least(kube, "lab", "web", 3)
    job = {"kind": "Job", "metadata": {"name": "j", "namespace": "lab"}, "status": {"succeeded": 2, "failed": 1}}
    assert k8s.job_succeeded(FakeKube([job]), "lab", "j", 2)
    with pytest.raises(Failed, match=r"status.succeeded: expected 3, found 2 \(1 failed\)"):
        k8s.job_succeeded(FakeKube([job]), "lab", "j", 3)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown kind"):
        k8s.Kube()._call("Gadget", "read", "x", "y")


def test_dead_kubeconfig_is_infra_error(tmp_path, monkeypatch):
    from kubelab.graders.errors import InfraError

    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    with pytest.raises(InfraError, match="no usable kubeconfig"):
        k8s.Kube().get("Pod", "web", "lab")


# ---- comparisons by meaning in the primitives ---------------------------------------------------

def test_field_equals_by_meaning_and_api_defaults():
    p = pod()
    p["spec"]["containers"][0].update(image="nginx:1.22.1", ports=[{"containerPort": 80, "name": "http"}],
                                      resources={"limits": {"memory": "67108864", "cpu": "0.5"}})
    kube = FakeKube([p])
    assert "the same as docker.io/library/nginx:1.22.1" in k8s.image_is(
        kube, "Pod", "web", "lab", "spec.containers[name=web].image", "docker.io/library/nginx:1.22.1")
    with pytest.raises(Failed, match="expected docker.io/library/nginx:1.23, found nginx:1.22.1"):
        k8s.image_is(kube, "Pod", "web", "lab", "spec.containers[0].image", "docker.io/library/nginx:1.23")
    assert k8s.quantity_is(kube, "Pod", "web", "lab", "spec.containers[0].resources.limits.memory", "64Mi")
    assert k8s.quantity_is(kube, "Pod", "web", "lab", "spec.containers[0].resources.limits.cpu", "500m")
    with pytest.raises(Failed, match="expected 64M, found 67108864"):
        k8s.quantity_is(kube, "Pod", "web", "lab", "spec.containers[0].resources.limits.memory", "64M")
    with pytest.raises(Failed, match="found nothing"):
        k8s.quantity_is(kube, "Pod", "web", "lab", "spec.containers[0].resources.requests.memory", "64Mi")
    # protocol left out = TCP (what the API server stores); a replayed or recorded object may lack it
    assert k8s.field_equals(kube, "Pod", "web", "lab", "spec.containers[0].ports[0].protocol", "TCP")
    with pytest.raises(Failed, match="expected UDP, found TCP"):
        k8s.field_equals(kube, "Pod", "web", "lab", "spec.containers[0].ports[0].protocol", "UDP")
    assert k8s.field_equals(kube, "Pod", "web", "lab", "spec.containers[0].imagePullPolicy", "IfNotPresent")


def test_schedule_selector_command_primitives():
    cj = {"kind": "CronJob", "metadata": {"name": "c", "namespace": "lab"},
          "spec": {"schedule": "0,15,30,45 * * * *"}}
    dep = {"kind": "Deployment", "metadata": {"name": "d", "namespace": "lab"},
           "spec": {"selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}}}
    p = pod()
    p["spec"]["containers"][0]["livenessProbe"] = {"exec": {"command": ["sh", "-c", "cat /tmp/healthy"]}}
    kube = FakeKube([cj, dep, p])
    assert k8s.schedule_is(kube, "CronJob", "c", "lab", "spec.schedule", "*/15 * * * *")
    with pytest.raises(Failed, match=r"expected \*/20"):
        k8s.schedule_is(kube, "CronJob", "c", "lab", "spec.schedule", "*/20 * * * *")
    assert k8s.selector_is(kube, "Deployment", "d", "lab", "spec.selector", {"matchLabels": {"app": "web"}})
    with pytest.raises(Failed):
        k8s.selector_is(kube, "Deployment", "d", "lab", "spec.selector", {"matchLabels": {"app": "api"}})
    path = "spec.containers[0].livenessProbe.exec.command"
    assert k8s.command_is(kube, "Pod", "web", "lab", path, ["cat", "/tmp/healthy"])
    with pytest.raises(Failed):
        k8s.command_is(kube, "Pod", "web", "lab", path, ["cat", "/tmp/ready"])


def test_probe_port_resolves_named_ports():
    p = pod()
    c = p["spec"]["containers"][0]
    c["ports"] = [{"containerPort": 80, "name": "http"}]
    c["readinessProbe"] = {"httpGet": {"path": "/", "port": "http"}}
    c["livenessProbe"] = {"tcpSocket": {"port": 80}}
    c["startupProbe"] = {"httpGet": {"path": "/", "port": "web"}}
    kube = FakeKube([p])
    assert "port 80 (named http)" in k8s.probe_port_is(kube, "lab", "web", "web", "readinessProbe", 80)
    assert "port 80" in k8s.probe_port_is(kube, "lab", "web", None, "livenessProbe", 80)
    with pytest.raises(Failed, match="expected 8080, found 80"):
        k8s.probe_port_is(kube, "lab", "web", "web", "readinessProbe", 8080)
    with pytest.raises(Failed, match="no container port has that name"):
        k8s.probe_port_is(kube, "lab", "web", "web", "startupProbe", 80)
    c.pop("readinessProbe")
    kube.clear()
    with pytest.raises(Failed, match="no readinessProbe"):
        k8s.probe_port_is(kube, "lab", "web", "web", "readinessProbe", 80)


# ---- the reader: namespace mapping, caching, invalidate -----------------------------------------

def test_reader_maps_namespaces_and_caches():
    kube = FakeKube([pod(ns="kg-replay-1")], namespaces={"lab": "kg-replay-1"})
    assert kube.get("Pod", "web", "lab")["metadata"]["namespace"] == "kg-replay-1"
    kube.get("Pod", "web", "lab")
    assert kube.calls == [("read", "Pod", "web", "kg-replay-1")]   # the second read is the cache's
    assert [o["metadata"]["name"] for o in kube.list("Pod", "lab", "app=web")] == ["web"]
    assert kube.list("Pod", "lab", "app=api") == []
    kube.exec("lab", "web", ["true"])
    assert kube.exec_seen == [("kg-replay-1", "web", ["true"], None)]
    kube.invalidate("Pod", "web", "lab")
    kube.get("Pod", "web", "lab")
    kube.list("Pod", "lab", "app=web")
    assert kube.calls[-2:] == [("read", "Pod", "web", "kg-replay-1"), ("list", "Pod", None, "kg-replay-1")]
    with pytest.raises(ValueError, match="namespaced"):
        kube.get("Pod", "web")


def test_restarts_stable_reads_again_under_a_replay(monkeypatch):
    """probes-repair `no-restarts` under autograde: the lab namespace is mapped to the replay's, and
    the second restartCount must come from the API, not from the cache (it used to be popped under
    the unmapped key, so the window could never fail)."""
    kube = FakeKube([pod(ns="kg-replay-1", restarts=0)], namespaces={"lab-probes-repair": "kg-replay-1"})

    def restart_during_window(seconds):
        kube.objects[0]["status"]["containerStatuses"][0]["restartCount"] = 1

    monkeypatch.setattr(k8s.time, "sleep", restart_during_window)
    with pytest.raises(Failed, match="expected to stay at 0, found it grew to 1"):
        k8s.restarts_stable(kube, "lab-probes-repair", "web", window=3.0)
    assert kube.calls == [("read", "Pod", "web", "kg-replay-1")] * 2
    # and a stable pod still passes, reading twice
    kube = FakeKube([pod(ns="kg-replay-1", restarts=0)], namespaces={"lab-probes-repair": "kg-replay-1"})
    monkeypatch.setattr(k8s.time, "sleep", lambda s: None)
    assert "stays at 0" in k8s.restarts_stable(kube, "lab-probes-repair", "web", window=3.0)
    assert len(kube.calls) == 2


def test_invalidate_tolerates_readers_without_a_cache():
    class Record:
        pass

    k8s.invalidate(Record(), "Pod", "web", "lab")   # a SnapshotKube has nothing to forget


def test_pod_mounts_claim_finds_the_volume_by_its_claim():
    p = pod()
    p["spec"]["volumes"] = [{"name": "storage", "persistentVolumeClaim": {"claimName": "data"}},
                            {"name": "tmp", "emptyDir": {}}]
    p["spec"]["containers"][0]["volumeMounts"] = [{"name": "storage", "mountPath": "/data/"}]
    kube = FakeKube([p])
    assert "volume storage" in k8s.pod_mounts_claim(kube, "lab", "web", "data", mount="/data")
    with pytest.raises(Failed, match="mounted at web:/data/, expected at /srv"):
        k8s.pod_mounts_claim(kube, "lab", "web", "data", mount="/srv")
    with pytest.raises(Failed, match=r"expected a volume from claim other, found volumes storage \(persistentVolumeClaim\), "
                                     r"tmp \(emptyDir\)"):
        k8s.pod_mounts_claim(kube, "lab", "web", "other")
    p["spec"]["containers"][0]["volumeMounts"] = [{"name": "tmp", "mountPath": "/data"}]
    kube = FakeKube([p])
    with pytest.raises(Failed, match="no container mounts it"):
        k8s.pod_mounts_claim(kube, "lab", "web", "data", mount="/data")


def test_probe_port_on_a_deployment_template_and_mount_paths():
    dep = {"kind": "Deployment", "metadata": {"name": "shop", "namespace": "lab"},
           "spec": {"template": {"spec": {"containers": [
               {"name": "web", "ports": [{"containerPort": 80, "name": "http"}],
                "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html/"}],
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}}}]}}}}
    kube = FakeKube([dep])
    assert "port 80 (named http)" in k8s.probe_port_is(kube, "lab", "shop", "web", "livenessProbe", 80,
                                                         kind="Deployment")
    with pytest.raises(Failed, match="deployment shop livenessProbe port: expected 8080, found 80"):
        k8s.probe_port_is(kube, "lab", "shop", "web", "livenessProbe", 8080, kind="Deployment")
    p = pod()
    p["spec"]["containers"][0]["volumeMounts"] = [{"name": "html", "mountPath": "/usr/share/nginx/html/"}]
    kube = FakeKube([p])
    assert k8s.mount_path_is(kube, "lab", "web", "web", "html", "/usr/share/nginx/html")
    with pytest.raises(Failed):
        k8s.mount_path_is(kube, "lab", "web", "web", "html", "/data")


def test_native_sidecar_is_found_among_init_containers():
    p = pod()
    p["spec"]["initContainers"] = [
        {"name": "writer", "image": "busybox:1.35.0", "restartPolicy": "Always",
         "volumeMounts": [{"name": "html", "mountPath": "/out"}]},
        {"name": "prep", "image": "busybox:1.35.0"}]
    kube = FakeKube([p])
    assert k8s.container_path(p, "writer") == "spec.initContainers[name=writer]"
    assert k8s.container_path(p, "prep") == "spec.containers[name=prep]"      # a plain init container is not
    assert k8s.container_image_is(kube, "lab", "web", "writer", "docker.io/library/busybox:1.35.0")
    assert k8s.container_image_is(kube, "lab", "web", "web", "nginx:latest")
    assert k8s.mount_path_is(kube, "lab", "web", "writer", "html", "/out/")
    with pytest.raises(Failed):
        k8s.container_image_is(kube, "lab", "web", "prep", "busybox:1.35.0")
