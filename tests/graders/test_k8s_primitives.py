"""Kubernetes primitives on fake objects (manifest-shaped dicts), no cluster."""

import base64

import pytest

from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.runner import run_check


class FakeKube(k8s.Kube):
    def __init__(self, objects=(), exec_result=(0, "", "")):
        super().__init__()
        self.objects = list(objects)
        self.exec_result = exec_result
        self.exec_calls = []

    def get(self, kind, name, namespace=None):
        for o in self.objects:
            md = o["metadata"]
            if o["kind"] == kind and md["name"] == name and md.get("namespace") == namespace:
                if kind == "Secret":
                    self._remember_secret(o)
                return o
        return None

    def list(self, kind, namespace=None, selector=None):
        out = [o for o in self.objects if o["kind"] == kind and o["metadata"].get("namespace") == namespace]
        if selector:
            k, v = selector.split("=")
            out = [o for o in out if o["metadata"].get("labels", {}).get(k) == v]
        return out

    def exec(self, namespace, pod, command, container=None, timeout=10.0):
        self.exec_calls.append(command)
        return self.exec_result


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
