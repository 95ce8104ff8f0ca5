"""What a replay does with a security lab's record: RBAC it may (not) re-create, Pod Security labels it
may (not) set, quotas and limit ranges. Hostile records first: nothing may grant more than the fence."""

from kubelab.instructor import policy
from kubelab.instructor.replay_k8s import api_defaults, sandbox_limits_agreeing
from kubelab.instructor.sandbox import CONTAINER_MAX

RBAC = "rbac.authorization.k8s.io/v1"
PSA = "pod-security.kubernetes.io"


def binding(name, role, kind="ClusterRole", sa="monitor"):
    return {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
            "subjects": [{"kind": "ServiceAccount", "name": sa, "namespace": "lab-x"}]}


def cluster_role(name, rules):
    return {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": name}, "rules": rules}


READ_PODS = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]
SA = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "monitor"}}


def test_a_bound_cluster_role_replays_as_a_role_of_the_same_rules():
    out = policy.screen_objects([SA, cluster_role("reader", READ_PODS), binding("rb", "reader")], "lab-x")
    assert not out.refused, out.refused
    kinds = {(o["kind"], o["metadata"]["name"]) for o in out.allowed}
    assert kinds == {("ServiceAccount", "monitor"), ("Role", "reader"), ("RoleBinding", "rb")}
    rb = next(o for o in out.allowed if o["kind"] == "RoleBinding")
    assert rb["roleRef"]["kind"] == "Role" and rb["roleRef"]["name"] == "reader"
    role = next(o for o in out.allowed if o["kind"] == "Role")
    assert role["rules"] == READ_PODS


def test_bindings_to_admin_roles_and_unknown_roles_are_refused_by_name():
    objs = [SA, binding("god", "cluster-admin"), binding("editor", "edit"), binding("sys", "system:node"),
            binding("ghost", "not-recorded")]
    out = policy.screen_objects(objs, "lab-x")
    text = "\n".join(out.refused)
    assert "RoleBinding god: binds the built-in ClusterRole cluster-admin" in text
    assert "RoleBinding editor: binds the built-in ClusterRole edit" in text
    assert "RoleBinding sys: binds the built-in ClusterRole system:node" in text
    assert "RoleBinding ghost: binds ClusterRole not-recorded, which the record does not hold" in text
    assert [o["kind"] for o in out.allowed] == ["ServiceAccount"]


def test_a_cluster_role_granting_beyond_the_fence_is_refused_with_its_binding():
    wild = cluster_role("wild", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    nodes = cluster_role("nodes", [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}])
    urls = cluster_role("urls", [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}])
    agg = {**cluster_role("agg", READ_PODS), "aggregationRule": {"clusterRoleSelectors": [{}]}}
    esc = cluster_role("esc", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"],
                                "verbs": ["escalate", "bind"]}])
    objs = [wild, nodes, urls, agg, esc] + [binding(f"b-{n}", n) for n in ("wild", "nodes", "urls", "agg", "esc")]
    out = policy.screen_objects(objs, "lab-x")
    text = "\n".join(out.refused)
    for n in ("wild", "nodes", "urls", "agg", "esc"):
        assert f"RoleBinding b-{n}: binds ClusterRole {n}" in text and "RBAC escalation" in text
    assert "grants * *.*" in text and "get nodes" in text and "nonResourceURLs" in text
    assert "an aggregated ClusterRole" in text and "escalate roles.rbac.authorization.k8s.io" in text
    assert not out.allowed
    # the unbound ClusterRoles are still cluster-scoped objects the replay never creates
    assert "ClusterRole wild: cluster-scoped object" in text


def test_a_cluster_role_no_binding_names_stays_refused_and_a_role_name_clash_is_named():
    role = {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "reader"}, "rules": READ_PODS}
    out = policy.screen_objects([cluster_role("lonely", READ_PODS), role, cluster_role("reader", READ_PODS),
                                 binding("rb", "reader")], "lab-x")
    text = "\n".join(out.refused)
    assert "ClusterRole lonely: cluster-scoped object" in text
    assert "RoleBinding rb: binds ClusterRole reader, and a Role of that name exists too" in text


def test_a_role_with_wildcards_is_refused_before_the_api_sees_it():
    bad = {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "all"},
           "rules": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}]}
    ok = {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "pods"}, "rules": READ_PODS}
    out = policy.screen_objects([bad, ok], "lab-x")
    assert [o["metadata"]["name"] for o in out.allowed] == ["pods"]
    assert "Role all: rules[0] grants get *" in out.refused[0] and "RBAC escalation" in out.refused[0]


def test_malformed_rules_are_refused_not_raised():
    for rules in ("all", [1], [{"apiGroups": "x", "resources": ["pods"], "verbs": ["get"]}]):
        out = policy.screen_objects([{"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "r"}, "rules": rules}],
                                    "lab-x")
        assert not out.allowed and "malformed" in out.refused[0], out.refused
    out = policy.screen_objects([cluster_role("cr", "nope"), binding("rb", "cr")], "lab-x")
    assert not out.allowed and any("RoleBinding rb" in r for r in out.refused)


def ns(labels, name="lab-x"):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def test_pod_security_labels_of_the_lab_namespace_are_kept_when_as_strict_as_baseline():
    out = policy.screen_objects([ns({f"{PSA}/enforce": "restricted", f"{PSA}/enforce-version": "v1.34",
                                     f"{PSA}/warn": "restricted", f"{PSA}/audit": "baseline",
                                     "team": "a"})], "lab-x")
    assert not out.refused and not out.allowed
    assert out.namespace_labels == {f"{PSA}/enforce": "restricted", f"{PSA}/enforce-version": "v1.34",
                                    f"{PSA}/warn": "restricted", f"{PSA}/audit": "baseline"}


def test_labels_that_would_relax_the_fence_are_refused():
    out = policy.screen_objects([ns({f"{PSA}/enforce": "privileged", f"{PSA}/warn": "privileged",
                                     f"{PSA}/enforce-version": "v0.1; rm -rf", f"{PSA}/enforce-x": "restricted",
                                     f"{PSA}/audit": "Restricted"})], "lab-x")
    text = "\n".join(out.refused)
    assert "enforce=privileged (refused: would relax the replay's Pod Security \"baseline\"" in text
    assert "warn=privileged" in text and "audit=Restricted" in text
    assert "a version is latest or v1.N" in text and "is not a Pod Security label" in text
    assert out.namespace_labels == {}


def test_another_namespace_is_still_a_cluster_scoped_refusal():
    out = policy.screen_objects([ns({f"{PSA}/enforce": "restricted"}, name="kube-system")], "lab-x")
    assert out.namespace_labels == {} and "Namespace kube-system: cluster-scoped" in out.refused[0]


def test_quotas_and_limit_ranges_are_kept_apart_and_bounded():
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "mine"}, "spec": {"hard": {"pods": "3"}}}
    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "sizes"},
          "spec": {"limits": [{"type": "Container", "default": {"cpu": "200m", "memory": "128Mi"},
                               "defaultRequest": {"cpu": "100m"}, "max": {"memory": "256Mi"}}]}}
    greedy = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "greedy"},
              "spec": {"limits": [{"type": "Container", "default": {"memory": "64Gi"}}]}}
    reserved = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "kubelab-replay"},
                "spec": {"hard": {"pods": "1000"}}}
    foreign = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "kube-system"},
               "spec": {"hard": {"pods": "1"}}}
    broken = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "broken"},
              "spec": {"limits": [{"type": "Container", "max": {"memory": "lots"}}]}}
    out = policy.screen_objects([quota, lr, greedy, reserved, foreign, broken], "lab-x")
    assert [o["metadata"]["name"] for o in out.limits] == ["mine", "sizes"] and not out.allowed
    text = "\n".join(out.refused)
    assert f"LimitRange greedy: spec.limits[0].default.memory 64Gi (at most {CONTAINER_MAX['memory']}" in text
    assert "ResourceQuota kubelab-replay: the name kubelab-replay is the replay's own" in text
    assert "ResourceQuota q: in namespace kube-system" in text
    assert "LimitRange broken" in text and "malformed" in text


def test_the_replay_limit_range_agrees_with_the_defaults_a_record_sets():
    """A LimitRange with a max and no default gets max as its default from the API server (measured:
    two such LimitRanges gave 3 of 12 dry-run pods the other one's memory default), so the replay's
    own LimitRange must state the recorded defaults, not leave them out."""
    # the API's defaulting: max -> default, default -> defaultRequest, else min -> defaultRequest
    assert api_defaults({"max": {"memory": "256Mi"}}) == {"default": {"memory": "256Mi"},
                                                          "defaultRequest": {"memory": "256Mi"}}
    assert api_defaults({"default": {"cpu": "200m"}, "min": {"cpu": "50m", "memory": "8Mi"}}) == {
        "default": {"cpu": "200m"}, "defaultRequest": {"cpu": "200m", "memory": "8Mi"}}
    recorded = api_defaults({"default": {"cpu": "200m", "memory": "128Mi"},
                             "defaultRequest": {"cpu": "100m", "memory": "64Mi"}, "max": {"memory": "256Mi"}})
    item = sandbox_limits_agreeing(recorded)[0]
    assert item["max"] == CONTAINER_MAX
    assert item["default"]["memory"] == "128Mi" and item["defaultRequest"]["memory"] == "64Mi"
    assert item["default"]["cpu"] == "200m" and item["defaultRequest"]["cpu"] == "100m"
    assert item["default"]["ephemeral-storage"]  # what no record defaults keeps the replay's own
    big = sandbox_limits_agreeing({"default": {}, "defaultRequest": {"memory": "512Mi"}})[0]
    assert big["default"]["memory"] == "512Mi"  # a request never above its default limit


def test_capture_keeps_bound_cluster_roles_and_only_the_pod_security_labels():
    from kubelab.instructor.record import capture_namespace

    from tests.graders.fakes import FakeKube

    objs = [
        {"kind": "Namespace", "metadata": {"name": "lab-x", "labels": {
            f"{PSA}/enforce": "restricted", "kubelab.io/lab": "x", "kubernetes.io/metadata.name": "lab-x"}}},
        {"kind": "ServiceAccount", "metadata": {"name": "monitor", "namespace": "lab-x"}},
        {"kind": "RoleBinding", "metadata": {"name": "rb", "namespace": "lab-x"},
         "roleRef": {"kind": "ClusterRole", "name": "reader"}, "subjects": []},
        {"kind": "ClusterRole", "metadata": {"name": "reader", "uid": "u", "resourceVersion": "1"}, "rules": READ_PODS},
        {"kind": "ClusterRole", "metadata": {"name": "unbound"}, "rules": READ_PODS},
        {"kind": "ResourceQuota", "metadata": {"name": "q", "namespace": "lab-x"}, "spec": {"hard": {"pods": "3"}},
         "status": {"used": {"pods": "1"}}},
    ]
    got = capture_namespace(FakeKube(objs), "lab-x")
    by = {(o["kind"], o["metadata"]["name"]): o for o in got}
    assert ("ClusterRole", "reader") in by and ("ClusterRole", "unbound") not in by
    assert by[("ClusterRole", "reader")]["metadata"] == {"name": "reader"}
    assert by[("Namespace", "lab-x")]["metadata"]["labels"] == {f"{PSA}/enforce": "restricted"}
    assert "status" not in by[("ResourceQuota", "q")]
    # and the screen turns that record into what the replay applies
    out = policy.screen_objects(got, "lab-x")
    assert out.namespace_labels == {f"{PSA}/enforce": "restricted"}
    assert [o["metadata"]["name"] for o in out.limits] == ["q"]
    assert {(o["kind"], o["metadata"]["name"]) for o in out.allowed} >= {("Role", "reader"), ("RoleBinding", "rb")}


def test_a_namespace_without_pod_security_labels_is_not_recorded():
    from kubelab.instructor.record import capture_namespace

    from tests.graders.fakes import FakeKube

    objs = [{"kind": "Namespace", "metadata": {"name": "lab-x", "labels": {"kubelab.io/lab": "x"}}}]
    assert capture_namespace(FakeKube(objs), "lab-x") == []
