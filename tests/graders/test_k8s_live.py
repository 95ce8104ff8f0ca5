"""Kubernetes primitives against the live course cluster, in a throwaway namespace.

Read-only towards shared objects: nodes are read (labels, the control-plane taint), never changed.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import yaml

from kubelab.cluster.api import lab_image
from kubelab.graders import cgroups, k8s, namespaces
from kubelab.graders.errors import Failed

pytestmark = [pytest.mark.live, pytest.mark.timeout(600)]
# One namespace per xdist worker: should two workers ever set up this module's fixture (a worker
# restarted after a crash gets the module's tests again), they must not race over one namespace.
NS = f"kltest-graders-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def kubectl(*args, input=None, check=True):
    proc = subprocess.run(["kubectl", "--context", k8s.default_context(), *args], input=input, text=True,
                          capture_output=True, timeout=360)
    if check and proc.returncode != 0:
        describe = subprocess.run(["kubectl", "--context", k8s.default_context(), "-n", NS, "describe", "pods,pvc"],
                                  text=True, capture_output=True, timeout=60).stdout
        pytest.fail(f"kubectl {' '.join(args)} failed: {proc.stderr.strip()}\n--- describe ---\n{describe[-4000:]}")
    return proc


@pytest.fixture(scope="module")
def cluster():
    from kubelab.labs.actions import cluster_fits

    ok, why = cluster_fits("course")
    if not ok:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(f"KUBELAB_LIVE=1 but the course cluster is not available ({why})")
        pytest.skip(f"course cluster not available ({why})")
    kubectl("delete", "ns", NS, "--ignore-not-found", "--wait=true")
    busybox, web1, web2 = lab_image("busybox"), lab_image("web-v1"), lab_image("web-v2")
    sleeper = ["sh", "-c", "sleep 3600"]
    docs = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "labels": {"kubelab.io/lab": "test-graders"}}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": NS},
         "stringData": {"password": "s3cret-pass"}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": NS},
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Mi"}}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app", "namespace": NS, "labels": {"app": "app"}},
         "spec": {"nodeSelector": {"kubernetes.io/hostname": "kubelab-worker"},
                  "shareProcessNamespace": True,
                  "tolerations": [{"key": "example.com/dedicated", "operator": "Exists", "effect": "NoSchedule"}],
                  "containers": [
                      {"name": "main", "image": busybox, "command": ["sh", "-c", "echo stored > /data/file; sleep 3600"],
                       "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                               {"name": "MODE", "value": "test"}],
                       "resources": {"limits": {"memory": "64Mi", "cpu": "250m"}},
                       "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                      {"name": "side", "image": busybox, "command": sleeper}],
                  "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crasher", "namespace": NS},
         "spec": {"containers": [{"name": "c", "image": busybox, "command": ["sh", "-c", "sleep 1; exit 1"]}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": NS},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "web", "image": web1}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": NS},
         "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nobody", "namespace": NS},
         "spec": {"selector": {"app": "nobody"}, "ports": [{"port": 80}]}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "twice", "namespace": NS},
         "spec": {"completions": 2, "template": {"spec": {"restartPolicy": "Never",
                                                          "containers": [{"name": "j", "image": busybox,
                                                                          "command": ["true"]}]}}}},
    ]
    kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
    kubectl("-n", NS, "rollout", "status", "deploy/web", "--timeout=300s")
    kubectl("-n", NS, "set", "image", "deploy/web", f"web={web2}")
    kubectl("-n", NS, "rollout", "status", "deploy/web", "--timeout=300s")
    kubectl("-n", NS, "wait", "--for=condition=Ready", "pod/app", "--timeout=300s")
    kubectl("-n", NS, "wait", "--for=condition=complete", "job/twice", "--timeout=300s")
    yield {"busybox": busybox, "web1": web1, "web2": web2}
    kubectl("delete", "ns", NS, "--ignore-not-found", "--wait=false", check=False)


def kube():
    return k8s.Kube()


def test_objects_fields_pods(cluster):
    kb = kube()
    assert k8s.exists(kb, "Pod", "app", NS)
    with pytest.raises(Failed, match="expected to exist, found nothing"):
        k8s.exists(kb, "Pod", "nope", NS)
    assert k8s.field_equals(kb, "Deployment", "web", NS, "spec.replicas", 2)
    with pytest.raises(Failed, match="spec.replicas: expected 3, found 2"):
        k8s.field_equals(kb, "Deployment", "web", NS, "spec.replicas", 3)
    assert k8s.labels_include(kb, "Pod", "app", NS, {"app": "app"})
    assert k8s.pod_running_ready(kb, NS, "app")


def test_restart_count_grows(cluster):
    deadline = time.monotonic() + 90
    while True:
        kb = kube()
        try:
            assert k8s.restarts_at_least(kb, NS, "crasher", 1)
            break
        except Failed:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)
    assert k8s.restarts_stable(kube(), NS, "app", window=1.0, maximum=0)


def test_restarts_stable_under_a_replay_reads_the_api_again(cluster, monkeypatch):
    """probes-repair `no-restarts` under autograde: the reader maps the lab's namespace to the replay's
    (here: this test's namespace). A restart during the window must fail the check: the second read
    has to come from the API, not from the cache (it did, before Kube.invalidate mapped namespaces)."""
    mapped = k8s.Kube(namespaces={"lab-probes-repair": NS})
    first = k8s.restart_count(mapped, "lab-probes-repair", "crasher")
    real_sleep = time.sleep

    def wait_for_a_restart(seconds):   # the window: until the kubelet restarted the container once more
        deadline = time.monotonic() + 330   # CrashLoopBackOff waits up to 5 minutes
        while k8s.restart_count(k8s.Kube(), NS, "crasher") <= first:
            assert time.monotonic() < deadline, "crasher did not restart again"
            real_sleep(2)

    monkeypatch.setattr(k8s.time, "sleep", wait_for_a_restart)
    with pytest.raises(Failed, match=f"expected to stay at {first}, found it grew"):
        k8s.restarts_stable(mapped, "lab-probes-repair", "crasher", window=3.0)


def test_service_endpoints(cluster):
    assert "2 ready endpoint" in k8s.service_endpoints(kube(), NS, "web", minimum=2, port=80)
    with pytest.raises(Failed, match="does the selector match"):
        k8s.service_endpoints(kube(), NS, "nobody")


@pytest.mark.nodes_shared   # asserts a worker has no example.com/dedicated taint: not while sched-taint runs
def test_scheduling_taints_tolerations(cluster):
    kb = kube()
    assert "kubelab-worker" in k8s.pod_on_labeled_node(kb, NS, "app", "kubernetes.io/hostname", "kubelab-worker")
    with pytest.raises(Failed, match="expected a node with kubernetes.io/hostname=kubelab-worker2"):
        k8s.pod_on_labeled_node(kb, NS, "app", "kubernetes.io/hostname", "kubelab-worker2")
    assert k8s.node_has_taint(kb, "kubelab-control-plane", "node-role.kubernetes.io/control-plane", "NoSchedule")
    with pytest.raises(Failed, match="taints: expected"):
        k8s.node_has_taint(kb, "kubelab-worker", "example.com/dedicated", "NoSchedule")
    assert k8s.pod_tolerates(kb, NS, "app", "example.com/dedicated", "NoSchedule")


def test_pvc_exec_env_file_secret(cluster):
    kb = kube()
    assert k8s.pvc_bound(kb, NS, "data")
    assert "contains" in k8s.file_in_container(kb, NS, "app", "/data/file", contains="stored", container="main")
    with pytest.raises(Failed, match="expected to exist"):
        k8s.file_in_container(kb, NS, "app", "/data/none", container="main")
    assert "test" in k8s.env_in_container(kb, NS, "app", "MODE", "test", container="main")
    with pytest.raises(Failed, match="env MODE in pod app: expected prod, found test"):
        k8s.env_in_container(kb, NS, "app", "MODE", "prod", container="main")
    assert "s3cret" not in k8s.env_in_container(kb, NS, "app", "DB_PASSWORD", "s3cret-pass", container="main",
                                                  secret=True)
    with pytest.raises(Failed) as exc:
        k8s.secret_value_equals(kb, NS, "db", "password", "wrong-pass")
    assert "s3cret" not in str(exc.value) and "wrong-pass" not in str(exc.value)
    assert "s3cret-pass" in kb.secret_values


def test_rollout_and_job(cluster):
    kb = kube()
    assert k8s.rollout_revision_at_least(kb, NS, "web", 2)
    assert k8s.image_history_includes(kb, NS, "web", [cluster["web1"], cluster["web2"]])
    with pytest.raises(Failed, match="history: expected images"):
        k8s.image_history_includes(kb, NS, "web", [cluster["web2"], cluster["web1"]])
    assert k8s.job_succeeded(kb, NS, "twice", 2)
    with pytest.raises(Failed, match="status.succeeded: expected 3, found 2"):
        k8s.job_succeeded(kb, NS, "twice", 3)


def test_pod_cgroup_limits_and_shared_pid_namespace(cluster):
    kb = kube()
    limits = cgroups.pod_container_limits(kb, NS, "app", "main")
    assert "64Mi" in cgroups.memory_limit_is(limits, "64Mi")
    assert cgroups.cpu_limit_is(limits, "250m")
    assert namespaces.pod_containers_share_namespace(kb, NS, "app", "main", "side", "pid")
    assert namespaces.pod_containers_share_namespace(kb, NS, "app", "main", "side", "net")
    with pytest.raises(Failed, match="mnt namespace of main and side: expected the same"):
        namespaces.pod_containers_share_namespace(kb, NS, "app", "main", "side", "mnt")


def test_exec_into_missing_pod_or_container_is_a_failure(cluster):
    kb = kube()
    with pytest.raises(Failed, match='pods "nope" not found'):
        kb.exec(NS, "nope", ["true"])
    with pytest.raises(Failed, match="container nope is not valid"):
        kb.exec(NS, "app", ["true"], container="nope")
    assert kb.exec(NS, "app", ["sh", "-c", "exit 7"], container="main")[0] == 7
