"""`kubelab cluster reset`: back to the baseline recorded at `up`, without recreating.

Removes what labs and students add: namespaces, objects in `default`, node labels,
taints and cordons, PersistentVolumes, StorageClasses, objects labelled
kubelab.io/lab at cluster scope, and hostPath data under /kubelab (and under the
paths of the PersistentVolumes it deletes) on every node. Puts back the cluster's own
machinery (kubelab.cluster.system): every kubelet running and enabled with its files as
recorded, the static pod manifests, CoreDNS's replicas and Corefile; and ends with the
baseline check (`system.problems`): a ClusterError names whatever is still off.
"""

from __future__ import annotations

import json
import time

from kubelab.cluster.api import ClusterError
from kubelab.cluster.execs import run
from kubelab.cluster.lifecycle import BASELINE_CM, HOSTPATH_ROOT, node_containers
from kubelab.cluster.progress import console

LAB_LABEL = "kubelab.io/lab"
# hostPath directories reset may empty; never a system directory
DATA_PREFIXES = ("/kubelab/", "/mnt/", "/data/", "/srv/", "/tmp/", "/var/kubelab/", "/opt/data/")


def load_baseline(corev1) -> dict:
    from kubernetes.client import ApiException

    try:
        cm = corev1.read_namespaced_config_map(BASELINE_CM, "kube-system")
    except ApiException as exc:
        if exc.status == 404:
            raise ClusterError("this cluster has no kubelab baseline (kube-system/kubelab-baseline): "
                               "it was not created by `kubelab cluster up`; run `kubelab cluster up --recreate`") from None
        raise
    return json.loads(cm.data["baseline.json"])


def _ignore_404(call, *args, **kwargs):
    from kubernetes.client import ApiException

    try:
        return call(*args, **kwargs)
    except ApiException as exc:
        if exc.status != 404:
            raise


def reset(timeout: float = 90) -> dict:
    """Return the cluster to its baseline. Returns counts of what was removed or restored.
    Raises ClusterError when the cluster is absent or has no baseline."""
    from kubernetes import client as k

    from kubelab.cluster.kube import api_client

    api = api_client()
    corev1, appsv1, batchv1 = k.CoreV1Api(api), k.AppsV1Api(api), k.BatchV1Api(api)
    storagev1, rbacv1, schedv1 = k.StorageV1Api(api), k.RbacAuthorizationV1Api(api), k.SchedulingV1Api(api)
    start = time.monotonic()
    base = load_baseline(corev1)
    done = {"namespaces": 0, "default_objects": 0, "nodes": 0, "pvs": 0, "storageclasses": 0, "cluster_objects": 0,
            "system_repairs": 0}
    zero = k.V1DeleteOptions(grace_period_seconds=0, propagation_policy="Background")

    # 0. the kubelets, static pods and CoreDNS first: their repair runs while the rest is cleaned
    from kubelab.cluster import system

    system_base = system.ensure_baseline()
    repairs = system.restore(system_base, log=lambda line: None)
    done["system_repairs"] = len(repairs)
    for line in repairs:
        console.print(f"  {line}")

    # 1. namespaces the baseline does not have: stop their pods at once, then delete them
    extra = [ns for ns in corev1.list_namespace().items if ns.metadata.name not in base["namespaces"]]
    extra_ns = [ns.metadata.name for ns in extra]   # all of them are waited for below
    for ns in extra:
        corev1.delete_collection_namespaced_pod(ns.metadata.name, grace_period_seconds=0)
        if ns.status.phase != "Terminating":
            _ignore_404(corev1.delete_namespace, ns.metadata.name, body=zero)
    done["namespaces"] = len(extra_ns)

    # 2. what students leave in `default`
    ns = "default"
    for lister, deleter in (
        (appsv1.list_namespaced_deployment, appsv1.delete_namespaced_deployment),
        (appsv1.list_namespaced_stateful_set, appsv1.delete_namespaced_stateful_set),
        (appsv1.list_namespaced_daemon_set, appsv1.delete_namespaced_daemon_set),
        (appsv1.list_namespaced_replica_set, appsv1.delete_namespaced_replica_set),
        (batchv1.list_namespaced_cron_job, batchv1.delete_namespaced_cron_job),
        (batchv1.list_namespaced_job, batchv1.delete_namespaced_job),
        (corev1.list_namespaced_pod, corev1.delete_namespaced_pod),
        (corev1.list_namespaced_persistent_volume_claim, corev1.delete_namespaced_persistent_volume_claim),
        (corev1.list_namespaced_config_map, corev1.delete_namespaced_config_map),
        (corev1.list_namespaced_secret, corev1.delete_namespaced_secret),
        (corev1.list_namespaced_service, corev1.delete_namespaced_service),
        (corev1.list_namespaced_service_account, corev1.delete_namespaced_service_account),
    ):
        for obj in lister(ns).items:
            name = obj.metadata.name
            if name in ("kubernetes", "kube-root-ca.crt") or (name == "default" and obj.kind in (None, "ServiceAccount")
                                                              and lister == corev1.list_namespaced_service_account):
                continue
            _ignore_404(deleter, name, ns, body=zero)
            done["default_objects"] += 1

    # 3. nodes: labels, taints and schedulability as they were
    for node in corev1.list_node().items:
        want = base["nodes"].get(node.metadata.name)
        if want is None:
            continue
        have_labels = node.metadata.labels or {}
        label_patch = {key: None for key in have_labels if key not in want["labels"]}
        label_patch.update({key: v for key, v in want["labels"].items() if have_labels.get(key) != v})
        have_taints = [{"key": t.key, "value": t.value, "effect": t.effect} for t in node.spec.taints or []]
        want_taints = [{"key": t["key"], "value": t.get("value"), "effect": t["effect"]} for t in want["taints"]]
        patch: dict = {}
        if label_patch:
            patch["metadata"] = {"labels": label_patch}
        if sorted(map(json.dumps, have_taints)) != sorted(map(json.dumps, want_taints)) \
                or bool(node.spec.unschedulable) != want["unschedulable"]:
            patch["spec"] = {"taints": want_taints or None, "unschedulable": want["unschedulable"] or None}
        if patch:
            corev1.patch_node(node.metadata.name, patch)
            done["nodes"] += 1

    # 4. cluster-scoped lab objects
    selector = LAB_LABEL
    for lister, deleter in (
        (rbacv1.list_cluster_role_binding, rbacv1.delete_cluster_role_binding),
        (rbacv1.list_cluster_role, rbacv1.delete_cluster_role),
        (schedv1.list_priority_class, schedv1.delete_priority_class),
    ):
        for obj in lister(label_selector=selector).items:
            _ignore_404(deleter, obj.metadata.name)
            done["cluster_objects"] += 1
    for sc in storagev1.list_storage_class().items:
        if sc.metadata.name not in base["storageclasses"]:
            _ignore_404(storagev1.delete_storage_class, sc.metadata.name)
            done["storageclasses"] += 1

    # 5. wait for the namespaces to go, then PersistentVolumes and their hostPath data
    deadline = start + timeout
    while extra_ns and time.monotonic() < deadline:
        left = {n.metadata.name for n in corev1.list_namespace().items} & set(extra_ns)
        if not left:
            break
        time.sleep(0.5)
    else:
        if extra_ns:
            console.print(f"[yellow]namespaces still terminating after {timeout:.0f}s: {', '.join(sorted(left))}[/]")
    data_paths: set[str] = set()
    for pv in corev1.list_persistent_volume().items:
        if pv.spec.host_path and pv.spec.host_path.path.startswith(DATA_PREFIXES):
            data_paths.add(pv.spec.host_path.path.rstrip("/"))
        if pv.spec.claim_ref and pv.status.phase == "Bound":
            _ignore_404(corev1.delete_namespaced_persistent_volume_claim, pv.spec.claim_ref.name,
                        pv.spec.claim_ref.namespace, body=zero)
        if pv.metadata.finalizers:
            corev1.patch_persistent_volume(pv.metadata.name, {"metadata": {"finalizers": None}})
        _ignore_404(corev1.delete_persistent_volume, pv.metadata.name, body=zero)
        done["pvs"] += 1
    emptied = (HOSTPATH_ROOT, "/var/local-path-provisioner")   # keep the directories, drop what is in them
    script = "rm -rf " + " ".join([f"'{d}'/* '{d}'/.[!.]*" for d in emptied] + [f"'{p}'" for p in sorted(data_paths)])
    for node in node_containers():
        if node.running:
            run(["docker", "exec", node.name, "sh", "-c", script + " 2>/dev/null; true"], check=False)

    # 6. the baseline check: kubelets, static pods, CoreDNS as recorded
    left = system.wait_baseline(system_base, timeout=max(10.0, deadline - time.monotonic()))
    if left:
        raise ClusterError(f"reset could not bring the cluster back to its baseline within {timeout:.0f}s: "
                           + "; ".join(left) + ". Look at `kubectl --context kind-kubelab get pods -n kube-system` "
                           "and `docker exec <node> journalctl -u kubelet -n 50`")
    done["seconds"] = round(time.monotonic() - start, 1)
    return done
