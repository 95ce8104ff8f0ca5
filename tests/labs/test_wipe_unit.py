"""kubelab.labs.wipe against a fake API that behaves like the real one where it matters: discovery
with a group served in two versions, collection deletes, a ReplicaSet that makes its pod again while
it exists, the default ServiceAccount made anew by the control plane a moment after it is deleted,
Events that deleting a pod makes."""

from __future__ import annotations

import pytest

from kubelab.labs import wipe

NS = "lab-x"
DISCOVERY = {
    "/api/v1": {"resources": [
        {"name": "pods", "namespaced": True, "verbs": ["list", "delete", "deletecollection"]},
        {"name": "pods/log", "namespaced": True, "verbs": ["get"]},
        {"name": "configmaps", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "serviceaccounts", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "events", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "persistentvolumeclaims", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "nodes", "namespaced": False, "verbs": ["list", "delete"]},
        {"name": "bindings", "namespaced": True, "verbs": ["create"]}]},
    "/apis": {"groups": [
        {"name": "apps", "preferredVersion": {"groupVersion": "apps/v1"}, "versions": [{"groupVersion": "apps/v1"}]},
        {"name": "metallb.io", "preferredVersion": {"groupVersion": "metallb.io/v1beta2"},
         "versions": [{"groupVersion": "metallb.io/v1beta2"}, {"groupVersion": "metallb.io/v1beta1"}]},
        {"name": "events.k8s.io", "preferredVersion": {"groupVersion": "events.k8s.io/v1"}, "versions": []}]},
    "/apis/apps/v1": {"resources": [
        {"name": "replicasets", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "deployments", "namespaced": True, "verbs": ["list", "delete"]}]},
    "/apis/metallb.io/v1beta2": {"resources": [{"name": "bgppeers", "namespaced": True, "verbs": ["list", "delete"]}]},
    "/apis/metallb.io/v1beta1": {"resources": [
        {"name": "bgppeers", "namespaced": True, "verbs": ["list", "delete"]},
        {"name": "ipaddresspools", "namespaced": True, "verbs": ["list", "delete"]}]},
    "/apis/events.k8s.io/v1": {"resources": [{"name": "events", "namespaced": True, "verbs": ["list", "delete"]}]},
}


class FakeAPI:
    def __init__(self, objects: dict[str, list[dict]]):
        self.store = {k: [dict(o) for o in v] for k, v in objects.items()}  # plural -> objects in NS
        self.calls: list[tuple[str, str]] = []
        self.sa_due = None  # reads until the control plane makes `default` again

    def rest(self, method, path, body=None, query=None, timeout=15.0):
        self.calls.append((method, path))
        if path in DISCOVERY:
            return 200, DISCOVERY[path]
        parts = path.split("/")
        plural = parts[parts.index("namespaces") + 2]
        name = parts[parts.index("namespaces") + 3] if len(parts) > parts.index("namespaces") + 3 else None
        items = self.store.setdefault(plural, [])
        if method == "GET":
            if plural == "serviceaccounts" and self.sa_due is not None:
                self.sa_due -= 1
                if self.sa_due <= 0:
                    items.append({"metadata": {"name": "default"}})
                    self.sa_due = None
            if plural == "pods" and self.store.get("replicasets") and not items:
                items.append({"metadata": {"name": "web-abc12"}})  # the ReplicaSet makes its pod again
            return 200, {"items": list(items)}
        assert method == "DELETE"
        gone = [o for o in items if name is None or o["metadata"]["name"] == name]
        self.store[plural] = [o for o in items if o not in gone]
        if plural == "pods" and gone:
            self.store.setdefault("events", []).append({"metadata": {"name": "web.killing"}})
        if plural == "serviceaccounts" and any(o["metadata"]["name"] == "default" for o in gone):
            self.sa_due = 2
        return 200, {}


def _obj(name, **extra):
    return {"metadata": {"name": name}, **extra}


@pytest.fixture(autouse=True)
def _no_cached_kinds(monkeypatch):
    monkeypatch.setattr(wipe, "_kinds", [])


def test_discovery_takes_every_version_of_a_group_and_orders_controllers_first_pods_last():
    names = [k.name for k in wipe.discover(FakeAPI({}))]
    assert names[:2] == ["deployments.apps", "replicasets.apps"] and names[-1] == "pods"
    assert "ipaddresspools.metallb.io" in names and names.count("bgppeers.metallb.io") == 1
    assert "events.events.k8s.io" not in names and "nodes" not in names and "pods/log" not in names
    assert "bindings" not in names  # cannot be listed or deleted


def test_empty_deletes_what_is_there_waits_and_keeps_the_control_planes_own_objects():
    api = FakeAPI({"replicasets": [_obj("web")], "pods": [_obj("web-abc12")],
                   "configmaps": [_obj("kube-root-ca.crt"), _obj("settings")],
                   "serviceaccounts": [_obj("default"), _obj("reader")],
                   "persistentvolumeclaims": [_obj("data")]})
    wipe.empty(api, NS, pause=0)
    assert api.store["replicasets"] == [] and api.store["pods"] == [] and api.store["persistentvolumeclaims"] == []
    assert [o["metadata"]["name"] for o in api.store["configmaps"]] == ["kube-root-ca.crt"]
    assert [o["metadata"]["name"] for o in api.store["serviceaccounts"]] == ["default"]  # pristine: kept
    deletes = [p for m, p in api.calls if m == "DELETE"]
    assert deletes.index(f"/apis/apps/v1/namespaces/{NS}/replicasets") < deletes.index(f"/api/v1/namespaces/{NS}/pods")
    assert f"/api/v1/namespaces/{NS}/configmaps/settings" in deletes
    assert not any("kube-root-ca.crt" in p for p in deletes)
    assert not any("bgppeers" in p for p in deletes)  # empty kinds are not deleted


def test_a_patched_default_service_account_is_deleted_and_waited_for_until_made_anew():
    api = FakeAPI({"serviceaccounts": [_obj("default", imagePullSecrets=[{"name": "regcred"}])]})
    wipe.empty(api, NS, pause=0)
    assert api.store["serviceaccounts"] == [{"metadata": {"name": "default"}}]
    assert (("DELETE", f"/api/v1/namespaces/{NS}/serviceaccounts/default")) in api.calls


def test_an_object_that_never_goes_is_named_in_the_error():
    class Stuck(FakeAPI):
        def rest(self, method, path, body=None, query=None, timeout=15.0):
            if method == "DELETE" and "persistentvolumeclaims" in path:
                return 200, {}  # a finalizer holds it
            return super().rest(method, path, body, query, timeout)

    api = Stuck({"persistentvolumeclaims": [_obj("data")], "serviceaccounts": [_obj("default")]})
    with pytest.raises(wipe.WipeError, match="persistentvolumeclaims/data"):
        wipe.empty(api, NS, timeout=0.05, pause=0.01)
