"""`kubelab cluster` commands against the real cluster and Docker engine: reuse,
reset to baseline, and bad input that must change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kubernetes import client as k

from kubelab.cluster.lifecycle import node_containers

pytestmark = pytest.mark.live
KUBELAB = str(Path(sys.executable).parent / "kubelab")


def kubelab(*args, env=None, timeout=600):
    return subprocess.run([KUBELAB, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def containers_snapshot():
    return [(n.name, n.running) for n in node_containers()]


def test_up_again_reuses_the_running_cluster(live_cluster):
    before = containers_snapshot()
    proc = kubelab("cluster", "up")
    assert proc.returncode == 0, proc.stderr
    assert "reused" in proc.stderr + proc.stdout
    assert containers_snapshot() == before


def test_another_shape_is_refused_and_nothing_changes(live_cluster):
    before = containers_snapshot()
    proc = kubelab("cluster", "up", "--shape", "single")
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert err.startswith("error: cluster 'kubelab' exists with 1 control plane + 2 workers")
    assert "--recreate" in err
    assert containers_snapshot() == before


def test_unknown_shape_is_refused(live_cluster):
    proc = kubelab("cluster", "up", "--shape", "huge")
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[0] == (
        "error: unknown cluster shape 'huge': the shapes are course, single (cluster/shapes/)")


def test_docker_not_running_is_a_clear_error(tmp_path):
    proc = kubelab("cluster", "up", env={"DOCKER_HOST": f"unix://{tmp_path}/no-docker.sock"})
    assert proc.returncode != 0
    line = proc.stderr.strip().splitlines()[0]
    assert line.startswith("error: Docker is not answering") and "start it" in line


def test_missing_kind_is_a_clear_error(tmp_path, docker_engine):
    # an empty build cache and a PATH holding only docker: no kind anywhere
    bindir = tmp_path / "bin"
    bindir.mkdir()
    docker = subprocess.run(["sh", "-c", "command -v docker"], capture_output=True, text=True).stdout.strip()
    (bindir / "docker").symlink_to(docker)
    proc = kubelab("cluster", "up", env={"KUBELAB_CACHE": str(tmp_path / "cache"), "PATH": str(bindir)})
    assert proc.returncode != 0
    line = proc.stderr.strip().splitlines()[0]
    assert line.startswith("error: kind not found") and "kubelab cluster build-image" in line


def test_status_reports_three_ready_nodes(live_cluster):
    proc = kubelab("cluster", "status", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["state"] == "ready" and len(info["nodes"]) == 3


def node_state(corev1):
    return {n.metadata.name: (dict(n.metadata.labels or {}), sorted((t.key, t.value, t.effect) for t in n.spec.taints or []),
                              bool(n.spec.unschedulable)) for n in corev1.list_node().items}


@pytest.mark.cluster_exclusive  # `kubelab cluster reset` deletes every lab's namespace
def test_reset_returns_a_dirtied_cluster_to_its_baseline(live_cluster):
    from kubelab.cluster.reset import load_baseline

    corev1 = k.CoreV1Api(live_cluster)
    subprocess.run([KUBELAB, "cluster", "reset"], check=True, capture_output=True)
    baseline_nodes = node_state(corev1)
    baseline_ns = sorted(load_baseline(corev1)["namespaces"])
    worker = sorted(n for n in baseline_nodes if "worker" in n)[0]
    # dirty it the way labs and students do
    corev1.create_namespace(k.V1Namespace(metadata=k.V1ObjectMeta(name="dirty-lab", labels={"kubelab.io/lab": "x"})))
    corev1.create_namespaced_config_map("dirty-lab", k.V1ConfigMap(metadata=k.V1ObjectMeta(name="c"), data={"a": "b"}))
    corev1.create_namespaced_config_map("default", k.V1ConfigMap(metadata=k.V1ObjectMeta(name="left-behind")))
    corev1.patch_node(worker, {"metadata": {"labels": {"disk": "ssd"}},
                               "spec": {"unschedulable": True,
                                        "taints": [{"key": "lab", "value": "x", "effect": "NoSchedule"}]}})
    corev1.create_persistent_volume(k.V1PersistentVolume(
        metadata=k.V1ObjectMeta(name="dirty-pv"),
        spec=k.V1PersistentVolumeSpec(capacity={"storage": "1Gi"}, access_modes=["ReadWriteOnce"],
                                      host_path=k.V1HostPathVolumeSource(path="/mnt/dirty-pv"),
                                      storage_class_name="manual")))
    subprocess.run(["docker", "exec", worker, "sh", "-c", "mkdir -p /kubelab/lab /mnt/dirty-pv && touch /kubelab/lab/f /mnt/dirty-pv/f"],
                   check=True)
    assert node_state(corev1) != baseline_nodes
    # and the cluster's own machinery, as the cluster-level troubleshooting labs break it (harmlessly here):
    # a stopped kubelet, an edited scheduler manifest (a comment: same pod), a stray file among the static
    # pod manifests, CoreDNS at 1 replica and a changed Corefile
    from kubelab.cluster import system

    base = system.ensure_baseline()
    cp = next(n for n, files in base["static_pods"].items() if "kube-scheduler.yaml" in files)
    subprocess.run(["docker", "exec", worker, "systemctl", "stop", "kubelet"], check=True)
    subprocess.run(["docker", "exec", cp, "sh", "-c", "echo '# edited' >> /etc/kubernetes/manifests/kube-scheduler.yaml"
                    " && echo 'not: [a pod' > /etc/kubernetes/manifests/stray.yaml"], check=True)
    k.AppsV1Api(live_cluster).patch_namespaced_deployment_scale("coredns", "kube-system", {"spec": {"replicas": 1}})
    corefile = corev1.read_namespaced_config_map("coredns", "kube-system").data["Corefile"]
    corev1.patch_namespaced_config_map("coredns", "kube-system", {"data": {"Corefile": corefile + "# edited\n"}})
    dirty = "\n".join(system.problems(system.capture(), base))
    for text in (f"node {worker}: the kubelet is not running", "kube-scheduler.yaml differs", "stray.yaml is not in",
                 "1 replicas, the baseline has", "Corefile differs"):
        assert text in dirty, text

    proc = kubelab("cluster", "reset")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("reset to baseline in ")

    assert node_state(corev1) == baseline_nodes
    assert sorted(n.metadata.name for n in corev1.list_namespace().items) == baseline_ns
    assert [c.metadata.name for c in corev1.list_namespaced_config_map("default").items] == ["kube-root-ca.crt"]
    assert corev1.list_persistent_volume().items == []
    left = subprocess.run(["docker", "exec", worker, "sh", "-c", "ls -A /kubelab; ls -d /mnt/dirty-pv 2>/dev/null"],
                          capture_output=True, text=True).stdout
    assert left.strip() == ""
    assert system.problems(system.capture(), base) == []     # the baseline check reset ends with, again
