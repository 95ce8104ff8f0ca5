"""The course cluster is real: kubelet, containers, DNS, storage and Services work.

These run against the live kind cluster (see tests/conftest.py for when they skip).
"""

from __future__ import annotations

import time
import uuid

import pytest
from kubernetes import client as k
from kubernetes.stream import stream

from kubelab.cluster.api import lab_image

pytestmark = pytest.mark.live


def wait_for(predicate, timeout: float, what: str, interval: float = 1.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@pytest.fixture()
def ns(live_cluster):
    corev1 = k.CoreV1Api(live_cluster)
    name = f"test-{uuid.uuid4().hex[:6]}"
    corev1.create_namespace(k.V1Namespace(metadata=k.V1ObjectMeta(name=name)))
    yield name
    corev1.delete_namespace(name, body=k.V1DeleteOptions(grace_period_seconds=0))


def pod_phase(corev1, ns, name):
    return corev1.read_namespaced_pod(name, ns).status.phase


def busybox_pod(name, command, **spec):
    return k.V1Pod(
        metadata=k.V1ObjectMeta(name=name, labels={"app": name}),
        spec=k.V1PodSpec(
            termination_grace_period_seconds=0,
            containers=[k.V1Container(name="main", image=lab_image("busybox"), command=["sh", "-c", command],
                                      **spec.pop("container", {}))],
            **spec,
        ),
    )


def test_three_nodes_ready(live_cluster):
    nodes = k.CoreV1Api(live_cluster).list_node().items
    roles = sorted("control-plane" if "node-role.kubernetes.io/control-plane" in (n.metadata.labels or {}) else "worker"
                   for n in nodes)
    assert roles == ["control-plane", "worker", "worker"]
    for n in nodes:
        ready = {c.type: c.status for c in n.status.conditions}["Ready"]
        assert ready == "True", f"node {n.metadata.name} Ready={ready}"
        assert n.status.node_info.kubelet_version.startswith("v1.34.")


def test_coredns_resolves_a_service_from_a_pod(live_cluster, ns):
    corev1 = k.CoreV1Api(live_cluster)
    corev1.create_namespaced_service(ns, k.V1Service(
        metadata=k.V1ObjectMeta(name="echo"),
        spec=k.V1ServiceSpec(selector={"app": "nothing"}, ports=[k.V1ServicePort(port=80)])))
    svc_ip = corev1.read_namespaced_service("echo", ns).spec.cluster_ip
    corev1.create_namespaced_pod(ns, busybox_pod("dns", "sleep 600"))
    wait_for(lambda: pod_phase(corev1, ns, "dns") == "Running", 90, "the dns pod to run")
    out = ""
    for _ in range(15):  # CoreDNS may need a moment for a new Service
        out = stream(corev1.connect_get_namespaced_pod_exec, "dns", ns,
                     command=["nslookup", f"echo.{ns}.svc.cluster.local"],
                     stderr=True, stdin=False, stdout=True, tty=False)
        if svc_ip in out:
            break
        time.sleep(1)
    assert svc_ip in out, f"nslookup did not return {svc_ip}:\n{out}"


def test_failing_liveness_probe_makes_the_kubelet_restart_the_container(live_cluster, ns):
    corev1 = k.CoreV1Api(live_cluster)
    probe = k.V1Probe(_exec=k.V1ExecAction(command=["cat", "/tmp/healthy"]),
                      period_seconds=2, failure_threshold=1, initial_delay_seconds=1)
    corev1.create_namespaced_pod(ns, busybox_pod(
        "live", "touch /tmp/healthy; sleep 6; rm /tmp/healthy; sleep 600",
        container={"liveness_probe": probe}))

    def restarts():
        st = corev1.read_namespaced_pod("live", ns).status.container_statuses
        return st and st[0].restart_count >= 1

    wait_for(restarts, 120, "restartCount >= 1")


def test_pvc_on_the_default_class_binds_and_data_outlives_the_pod(live_cluster, ns):
    corev1 = k.CoreV1Api(live_cluster)
    classes = k.StorageV1Api(live_cluster).list_storage_class().items
    default = [c.metadata.name for c in classes
               if (c.metadata.annotations or {}).get("storageclass.kubernetes.io/is-default-class") == "true"]
    assert default == ["standard"]
    corev1.create_namespaced_persistent_volume_claim(ns, k.V1PersistentVolumeClaim(
        metadata=k.V1ObjectMeta(name="data"),
        spec=k.V1PersistentVolumeClaimSpec(access_modes=["ReadWriteOnce"],
                                           resources=k.V1VolumeResourceRequirements(requests={"storage": "64Mi"}))))
    volume = k.V1Volume(name="data", persistent_volume_claim=k.V1PersistentVolumeClaimVolumeSource(claim_name="data"))
    mount = k.V1VolumeMount(name="data", mount_path="/data")
    corev1.create_namespaced_pod(ns, busybox_pod("writer", "echo kept > /data/proof; sleep 600",
                                                 container={"volume_mounts": [mount]}, volumes=[volume]))
    wait_for(lambda: pod_phase(corev1, ns, "writer") == "Running", 120, "the writer pod to run")
    assert corev1.read_namespaced_persistent_volume_claim("data", ns).status.phase == "Bound"
    node = corev1.read_namespaced_pod("writer", ns).spec.node_name
    corev1.delete_namespaced_pod("writer", ns, body=k.V1DeleteOptions(grace_period_seconds=0))
    wait_for(lambda: not [p for p in corev1.list_namespaced_pod(ns).items if p.metadata.name == "writer"],
             60, "the writer pod to go")
    corev1.create_namespaced_pod(ns, busybox_pod("reader", "cat /data/proof; sleep 600",
                                                 container={"volume_mounts": [mount]}, volumes=[volume]))
    wait_for(lambda: pod_phase(corev1, ns, "reader") == "Running", 120, "the reader pod to run")
    assert corev1.read_namespaced_pod("reader", ns).spec.node_name == node
    log = wait_for(lambda: corev1.read_namespaced_pod_log("reader", ns), 30, "the reader's log")
    assert log.strip() == "kept"


def test_service_endpoints_list_exactly_the_ready_pods(live_cluster, ns):
    corev1, appsv1 = k.CoreV1Api(live_cluster), k.AppsV1Api(live_cluster)
    labels = {"app": "web"}
    readiness = k.V1Probe(_exec=k.V1ExecAction(command=["cat", "/tmp/ready"]), period_seconds=1)
    appsv1.create_namespaced_deployment(ns, k.V1Deployment(
        metadata=k.V1ObjectMeta(name="web"),
        spec=k.V1DeploymentSpec(replicas=3, selector=k.V1LabelSelector(match_labels=labels),
                                template=k.V1PodTemplateSpec(
                                    metadata=k.V1ObjectMeta(labels=labels),
                                    spec=k.V1PodSpec(termination_grace_period_seconds=0, containers=[k.V1Container(
                                        name="web", image=lab_image("web-v1"),
                                        ports=[k.V1ContainerPort(container_port=80)],
                                        readiness_probe=readiness)])))))
    corev1.create_namespaced_service(ns, k.V1Service(
        metadata=k.V1ObjectMeta(name="web"),
        spec=k.V1ServiceSpec(selector=labels, ports=[k.V1ServicePort(port=80, target_port=80)])))
    pods = wait_for(lambda: (lambda ps: ps if len(ps) == 3 and all(p.status.phase == "Running" for p in ps) else None)(
        corev1.list_namespaced_pod(ns, label_selector="app=web").items), 120, "3 running web pods")
    ready_pods = pods[:2]
    for p in ready_pods:
        stream(corev1.connect_get_namespaced_pod_exec, p.metadata.name, ns, command=["touch", "/tmp/ready"],
               stderr=True, stdin=False, stdout=True, tty=False)
    want = sorted(corev1.read_namespaced_pod(p.metadata.name, ns).status.pod_ip for p in ready_pods)

    def ready_endpoint_ips():
        slices = k.DiscoveryV1Api(live_cluster).list_namespaced_endpoint_slice(
            ns, label_selector="kubernetes.io/service-name=web").items
        ips = sorted(a for s in slices for e in (s.endpoints or []) if e.conditions.ready for a in e.addresses)
        return ips if ips == want else None

    wait_for(ready_endpoint_ips, 60, f"endpoints to be exactly {want}")
    # and traffic through the Service reaches a ready pod, from a pod that is not an endpoint (the
    # one left unready) and from a ready one (its request may come back to itself: hairpin), once
    # kube-proxy has written the endpoints into its rules (asynchronous: seconds on a loaded node)
    for client_pod in (pods[2].metadata.name, pods[0].metadata.name):
        def served(client_pod=client_pod):
            out = stream(corev1.connect_get_namespaced_pod_exec, client_pod, ns,
                         command=["timeout", "5", "wget", "-qO-", f"http://web.{ns}.svc.cluster.local/"],
                         stderr=True, stdin=False, stdout=True, tty=False)
            return out if "kubelab web v1" in out else None
        wait_for(served, 60, f"the Service web to answer {client_pod}")
