"""placement_extra primitives on fake objects (manifest-shaped dicts), no cluster."""

import pytest

from kubelab.graders import placement_extra as pe
from kubelab.graders.errors import Failed

from tests.graders.fakes import FakeKube


def node(name, unschedulable=False):
    return {"kind": "Node", "metadata": {"name": name}, "spec": {"unschedulable": True} if unschedulable else {}}


def pod(name, node_name, labels=None, phase="Running", owner=None, tolerations=None, ns="lab"):
    md = {"name": name, "namespace": ns, "labels": labels or {}}
    if owner:
        md["ownerReferences"] = [{"kind": owner, "name": "x"}]
    return {"kind": "Pod", "metadata": md, "spec": {"nodeName": node_name, "tolerations": tolerations or []},
            "status": {"phase": phase}}


def test_node_schedulable_both_ways():
    kube = FakeKube([node("w1"), node("w2", unschedulable=True)])
    assert "schedulable" in pe.node_schedulable(kube, "w1")
    assert "cordoned" in pe.node_schedulable(kube, "w2", expected=False)
    with pytest.raises(Failed, match="expected cordoned.*found schedulable"):
        pe.node_schedulable(kube, "w1", expected=False)


def test_no_evictable_pods_ignores_daemonsets_and_finished():
    kube = FakeKube([pod("ds", "w2", owner="DaemonSet"), pod("done", "w2", phase="Succeeded"), pod("a", "w1")])
    assert "no evictable" in pe.no_evictable_pods_on_node(kube, "lab", "w2")
    kube.objects.append(pod("bare", "w2"))
    kube.clear()  # a new check run reads again (the reader caches within one run)
    with pytest.raises(Failed, match="found 1 \\(bare\\)"):
        pe.no_evictable_pods_on_node(kube, "lab", "w2")


def test_deployment_available():
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"}, "spec": {"replicas": 2},
           "status": {"readyReplicas": 1, "updatedReplicas": 2}}
    kube = FakeKube([dep])
    with pytest.raises(Failed, match="expected 2 ready replicas, found 1"):
        pe.deployment_available(kube, "lab", "web", 2)
    dep["status"]["readyReplicas"] = 2
    kube.clear()  # a new check run reads again (the reader caches within one run)
    assert "2/2" in pe.deployment_available(kube, "lab", "web", 2)
    with pytest.raises(Failed, match="spec.replicas: expected 3, found 2"):
        pe.deployment_available(kube, "lab", "web", 3)


def test_deployment_available_stuck_rollout_says_so():
    # 2 old pods ready, the new template's pod Pending: not "expected 2 ready, found 2"
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "lab"}, "spec": {"replicas": 2},
           "status": {"readyReplicas": 2, "updatedReplicas": 1}}
    with pytest.raises(Failed, match="current pod template, found 1 .*rollout has not finished"):
        pe.deployment_available(FakeKube([dep]), "lab", "web", 2)


def test_pods_on_distinct_nodes():
    kube = FakeKube([pod("a", "w1", {"app": "s"}), pod("b", "w1", {"app": "s"}), pod("c", "w2", {"app": "x"})])
    with pytest.raises(Failed, match="each on its own node"):
        pe.pods_on_distinct_nodes(kube, "lab", {"app": "s"}, 2)
    kube.objects[1] = pod("b", "w2", {"app": "s"})
    kube.clear()  # a new check run reads again (the reader caches within one run)
    assert "2 pods on 2 nodes" in pe.pods_on_distinct_nodes(kube, "lab", {"app": "s"}, 2)
    with pytest.raises(Failed, match="at least 3 running"):
        pe.pods_on_distinct_nodes(kube, "lab", {"app": "s"}, 3)


def test_pods_all_on_node_and_tolerations():
    tol = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
    kube = FakeKube([pod("g1", "w2", {"app": "g"}, tolerations=tol), pod("g2", None, {"app": "g"}, phase="Pending",
                                                                            tolerations=tol)])
    with pytest.raises(Failed, match="Running on w2"):
        pe.pods_all_on_node(kube, "lab", {"app": "g"}, "w2", 2)
    assert "tolerate dedicated" in pe.only_tolerating_pods_on_node(kube, "lab", "w2", "dedicated")
    kube.objects.append(pod("legacy", "w2"))
    kube.clear()  # a new check run reads again (the reader caches within one run)
    with pytest.raises(Failed, match="legacy without it"):
        pe.only_tolerating_pods_on_node(kube, "lab", "w2", "dedicated")
