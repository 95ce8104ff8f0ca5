"""Server-side apply through the API (kubelab.instructor.server_apply), on a fake API that answers
discovery per group version and applies as the API server does: create or merge, refuse what the
impersonated identity may not do, refuse a manifest naming server-set fields."""

from __future__ import annotations

import pytest

from kubelab.graders.errors import InfraError
from kubelab.instructor import server_apply as sa

DISCOVERY = {
    "/api/v1": [{"name": "pods", "kind": "Pod", "namespaced": True},
                {"name": "pods/log", "kind": "Pod", "namespaced": True},
                {"name": "serviceaccounts", "kind": "ServiceAccount", "namespaced": True},
                {"name": "namespaces", "kind": "Namespace", "namespaced": False}],
    "/apis/apps/v1": [{"name": "deployments", "kind": "Deployment", "namespaced": True},
                      {"name": "deployments/scale", "kind": "Scale", "namespaced": True}],
}


class FakeAPI:
    def __init__(self, forbidden_for: str | None = None):
        self.objects: dict[str, dict] = {}
        self.calls: list[tuple[str, str, dict]] = []
        self.discovery = {k: list(v) for k, v in DISCOVERY.items()}
        self.forbidden_for = forbidden_for
        self.down = False

    def rest(self, method, path, body=None, query=None, timeout=15.0, headers=None):
        if self.down:
            raise InfraError("the Kubernetes API is unreachable")
        self.calls.append((method, path, dict(headers or {})))
        if method == "GET":
            if path in self.discovery:
                return 200, {"resources": self.discovery[path]}
            return 404, {"reason": "NotFound", "message": "the server could not find the requested resource"}
        assert method == "PATCH" and headers["Content-Type"] == "application/apply-patch+yaml"
        assert ("fieldManager", sa.FIELD_MANAGER) in query and ("force", "true") in query
        assert ("fieldValidation", "Strict") in query
        if "managedFields" in body["metadata"]:  # as the API server: metadata.managedFields must be nil
            return 400, {"reason": "BadRequest", "message": "metadata.managedFields must be nil"}
        if self.forbidden_for and headers.get("Impersonate-User") == self.forbidden_for:
            return 403, {"reason": "Forbidden", "message": f'{path.split("/")[-2]} "{body["metadata"]["name"]}" '
                                                           f'is forbidden: exceeded quota: kubelab-replay'}
        merged = {**self.objects.get(path, {}), **body}
        self.objects[path] = merged
        return (200 if path in self.objects else 201), merged


def pod(name="p", **meta):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta},
            "spec": {"containers": [{"name": "c", "image": "busybox"}]}}


def test_applies_a_namespaced_object_at_its_path_as_the_identity():
    api = FakeAPI()
    assert sa.apply(api, pod(), as_user="system:serviceaccount:ns1:kubelab-replay", namespace="ns1") == ""
    method, path, headers = api.calls[-1]
    assert (method, path) == ("PATCH", "/api/v1/namespaces/ns1/pods/p")
    assert headers["Impersonate-User"] == "system:serviceaccount:ns1:kubelab-replay"
    assert api.objects[path]["metadata"]["namespace"] == "ns1"


def test_cluster_scoped_and_grouped_kinds_and_discovery_read_once():
    sa._found.clear()
    api = FakeAPI()
    assert sa.apply(api, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kg-1"}}) == ""
    assert api.calls[-1][1] == "/api/v1/namespaces/kg-1"
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "kg-1"}}
    assert sa.apply(api, dep) == "" and sa.apply(api, dep) == ""
    assert api.calls[-1][1] == "/apis/apps/v1/namespaces/kg-1/deployments/web"
    assert [c[1] for c in api.calls if c[0] == "GET"] == ["/api/v1", "/apis/apps/v1"]
    assert "Impersonate-User" not in api.calls[-1][2]  # the instructor's own apply


def test_server_set_fields_are_not_sent():
    api = FakeAPI()
    obj = pod(managedFields=[{"manager": "kubectl"}], resourceVersion="42", uid="u")
    obj["status"] = {"phase": "Running"}
    assert sa.apply(api, obj, namespace="ns1") == ""
    kept = api.objects["/api/v1/namespaces/ns1/pods/p"]
    assert "status" not in kept and set(kept["metadata"]) == {"name", "namespace"}
    assert obj["metadata"]["resourceVersion"] == "42"  # the caller's copy is left alone


def test_refusals_are_one_line_with_the_reason():
    api = FakeAPI(forbidden_for="system:serviceaccount:ns1:kubelab-replay")
    why = sa.apply(api, pod(), as_user="system:serviceaccount:ns1:kubelab-replay", namespace="ns1")
    assert why.startswith("Forbidden: ") and "exceeded quota" in why
    assert sa.apply(api, {"kind": "Pod", "metadata": {"name": "x"}}, namespace="ns1").startswith("Invalid")
    assert sa.apply(api, pod(), namespace=None).startswith("Invalid: Pod p is namespaced")


def test_an_unknown_kind_is_looked_up_again_then_refused():
    sa._found.clear()
    api = FakeAPI()
    cm = {"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}}
    assert sa.apply(api, cm, namespace="ns1").startswith("NotFound: the API serves no Gadget")
    assert [c[1] for c in api.calls].count("/api/v1") == 2  # once from the cache's miss, once afresh
    api.discovery["/api/v1"].append({"name": "gadgets", "kind": "Gadget", "namespaced": True})
    assert sa.apply(api, cm, namespace="ns1") == ""  # a kind added meanwhile (a CRD) is found


def test_an_unreachable_api_raises():
    api = FakeAPI()
    api.down = True
    with pytest.raises(InfraError):
        sa.apply(api, pod(), namespace="ns1")


class FakeKubelet(FakeAPI):
    """Pods: listed, deleted and re-applied; the first pod made is failed by the kubelet's admission
    (its node did not show the replayed label yet), the one made again runs."""

    def __init__(self):
        super().__init__()
        self.made = 0

    def path(self, kind, name=None, namespace=None):
        from graders.k8s import Kube

        return Kube.path(kind, name, namespace)

    def rest(self, method, path, body=None, query=None, timeout=15.0, headers=None):
        if method == "GET" and path.endswith("/pods"):
            items = [o for p, o in self.objects.items() if p.startswith(path + "/")]
            return 200, {"items": items}
        if method == "GET" and "/pods/" in path:
            return (200, self.objects[path]) if path in self.objects else (404, {"reason": "NotFound"})
        if method == "DELETE":
            self.objects.pop(path, None)
            return 200, {}
        status, obj = super().rest(method, path, body, query, timeout, headers)
        if method == "PATCH" and "/pods/" in path:
            self.made += 1
            obj["status"] = ({"phase": "Failed", "reason": "NodeAffinity",
                              "message": "Pod was rejected: Predicate NodeAffinity failed"}
                             if self.made == 1 else {"phase": "Running"})
        return status, obj


def test_a_pod_the_kubelet_rejected_while_node_state_was_replayed_is_made_again(monkeypatch):
    from kubelab.instructor import replay_k8s
    from kubelab.instructor.replay import Replay

    api = FakeKubelet()
    monkeypatch.setattr(replay_k8s, "_kube", lambda: api)
    r = Replay("sched-node-selector", "s", "kubernetes", lab_namespace="lab-x", namespace="kg-1")
    objs = [pod("fast-app")]
    replay_k8s.apply_objects(r, objs)
    replay_k8s.readmit_rejected(r, objs, within=5, pause=0.01)
    assert api.made == 2 and api.objects["/api/v1/namespaces/kg-1/pods/fast-app"]["status"]["phase"] == "Running"
    assert len(r.notes) == 1 and "rejected by the kubelet" in r.notes[0] and "made again" in r.notes[0]
    replay_k8s.readmit_rejected(r, objs, within=5, pause=0.01)  # running: nothing more to do
    assert api.made == 2
