"""graders.workloads_extra on fake objects (manifest-shaped dicts), no cluster."""

import pytest

from kubelab.graders import workloads_extra as wx
from kubelab.graders.errors import Failed

from tests.graders.fakes import FakeKube


def pod(name, ready=True, labels=None, node="w1", image="img:1", owner=None, created="2026-01-01T00:00:10Z",
        deleting=False, init=None, ip=None):
    md = {"name": name, "namespace": "ns", "labels": labels or {"app": "web"}, "creationTimestamp": created}
    if owner:
        md["ownerReferences"] = [{"uid": owner}]
    if deleting:
        md["deletionTimestamp"] = "2026-01-01T00:01:00Z"
    status = {"phase": "Running", "podIP": ip,
              "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if init is not None:
        status["initContainerStatuses"] = init
    return {"kind": "Pod", "metadata": md, "spec": {"nodeName": node, "containers": [{"name": "c", "image": image}]},
            "status": status}


def node(name):
    return {"kind": "Node", "metadata": {"name": name}}


def test_pods_matching_skips_terminating_and_only_pod():
    kube = FakeKube([pod("a"), pod("b", deleting=True), pod("c", labels={"app": "other"})])
    assert [p["metadata"]["name"] for p in wx.pods_matching(kube, "ns", {"app": "web"})] == ["a"]
    assert wx.only_pod(kube, "ns", {"app": "web"})["metadata"]["name"] == "a"
    with pytest.raises(Failed, match="expected exactly 1, found 0"):
        wx.only_pod(kube, "ns", {"app": "none"})


def test_init_container_completed():
    done = [{"name": "prep", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]
    bad = [{"name": "prep", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]
    assert "completed" in wx.init_container_completed(FakeKube([pod("p", init=done)]), "ns", "p", "prep")
    with pytest.raises(Failed, match="found exit code 1"):
        wx.init_container_completed(FakeKube([pod("p", init=bad)]), "ns", "p", "prep")
    with pytest.raises(Failed, match="found init containers none"):
        wx.init_container_completed(FakeKube([pod("p", init=[])]), "ns", "p", "prep")


def test_daemonset_on_every_node():
    ds = {"kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "ns", "uid": "u1"}}
    objs = [ds, node("cp"), node("w1"), pod("a-1", owner="u1", node="w1")]
    with pytest.raises(Failed, match="found none on cp"):
        wx.daemonset_on_every_node(FakeKube(objs), "ns", "agent")
    assert "every node" in wx.daemonset_on_every_node(FakeKube(objs + [pod("a-2", owner="u1", node="cp")]),
                                                        "ns", "agent")


def test_deployment_pods_run():
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "ns"},
           "spec": {"selector": {"matchLabels": {"app": "web"}},
                    "template": {"spec": {"containers": [{"name": "c", "image": "img:1"}]}}}}
    kube = FakeKube([dep, pod("a"), pod("b")])
    assert "2 ready" in wx.deployment_pods_run(kube, "ns", "web", "img:1", 2)
    assert "2 ready" in wx.deployment_pods_run(kube, "ns", "web", "docker.io/library/img:1", 2)   # same image
    with pytest.raises(Failed, match="expected 3 ready pod"):
        wx.deployment_pods_run(kube, "ns", "web", "img:1", 3)
    with pytest.raises(Failed, match="images img:1, img:2"):
        wx.deployment_pods_run(FakeKube([dep, pod("a"), pod("b", image="img:2")]), "ns", "web", "img:1", 2)
    # a rollout to a broken image has begun: the old pods still run img:1, the template does not
    broken = {**dep, "spec": {**dep["spec"], "template": {"spec": {"containers": [{"name": "c", "image": "img:9"}]}}}}
    with pytest.raises(Failed, match="template: expected its pods to run img:1, found img:9"):
        wx.deployment_pods_run(FakeKube([broken, pod("a"), pod("b")]), "ns", "web", "img:1", 2)


def test_endpoints_split():
    svc = {"kind": "Service", "metadata": {"name": "web", "namespace": "ns"}}
    es = {"kind": "EndpointSlice", "metadata": {"name": "web-x", "namespace": "ns",
                                                "labels": {"kubernetes.io/service-name": "web"}},
          "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
                        {"addresses": ["10.0.0.2"], "conditions": {"ready": False}}]}
    assert wx.endpoints_split(FakeKube([svc, es]), "ns", "web") == ({"10.0.0.1"}, {"10.0.0.2"})


def test_pod_recreated():
    pvc = {"kind": "PersistentVolumeClaim", "metadata": {"name": "www-web-1", "namespace": "ns",
                                                         "creationTimestamp": "2026-01-01T00:00:00Z"}}
    assert "re-created" in wx.pod_recreated(FakeKube([pvc, pod("web-1")]), "ns", "web-1",
                                            "PersistentVolumeClaim", "www-web-1", seconds=3)
    with pytest.raises(Failed, match="the original pod"):
        wx.pod_recreated(FakeKube([pvc, pod("web-1", created="2026-01-01T00:00:01Z")]), "ns", "web-1",
                         "PersistentVolumeClaim", "www-web-1", seconds=3)
