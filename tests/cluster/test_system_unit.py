"""The cluster's own machinery against its baseline (kubelab.cluster.system), without a cluster:
the baseline check on captured states, and what a lab model must say when it breaks the cluster."""

import copy

import pytest

from kubelab.cluster import system

SCHED = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-scheduler\n  namespace: kube-system\nspec: {}\n"


def state():
    """A captured state as `system.capture` returns it: one control plane, one worker, all well."""
    files = {"/var/lib/kubelet/config.yaml": "kind: KubeletConfiguration\n"}
    return {
        "kubelet": {"cp": {"active": True, "enabled": True, "files": dict(files)},
                    "w": {"active": True, "enabled": True, "files": dict(files)}},
        "static_pods": {"cp": {"kube-scheduler.yaml": SCHED}, "w": {}},
        "nodes_ready": {"cp": True, "w": True},
        "static_ready": {"cp": {"kube-scheduler-cp": True}},
        "coredns": {"replicas": 2, "available": 2, "corefile": ".:53 {\n    forward . /etc/resolv.conf\n}\n"},
    }


def test_a_state_as_recorded_has_no_problems():
    s = state()
    assert system.problems(s, system.baseline_of(s)) == []
    assert system.healthy_problems(s) == []


def test_every_part_that_differs_is_named():
    base = system.baseline_of(state())
    s = state()
    s["kubelet"]["w"]["active"] = False
    s["nodes_ready"]["w"] = False
    s["kubelet"]["w"]["files"]["/var/lib/kubelet/config.yaml"] = "broken"
    s["static_pods"]["cp"]["kube-scheduler.yaml"] = SCHED.replace("spec: {}", "spec: {containers: []}")
    s["static_pods"]["cp"]["extra.yaml"] = "x"
    s["static_ready"]["cp"]["kube-scheduler-cp"] = False
    s["coredns"].update(replicas=0, available=0, corefile="broken")
    got = "\n".join(system.problems(s, base))
    for text in ("node w: the kubelet is not running", "node w is not Ready",
                 "kubelet file /var/lib/kubelet/config.yaml differs",
                 "/etc/kubernetes/manifests/kube-scheduler.yaml differs", "extra.yaml is not in the baseline",
                 "kube-system/kube-scheduler-cp is not Ready", "Corefile differs", "0 replicas, the baseline has 2"):
        assert text in got, text
    only_dns = system.problems(s, base, parts=("coredns",))
    assert only_dns and all("coredns" in p for p in only_dns)


def test_a_missing_manifest_and_unavailable_dns():
    base = system.baseline_of(state())
    s = state()
    del s["static_pods"]["cp"]["kube-scheduler.yaml"]
    s["coredns"]["available"] = 1
    got = system.problems(s, base)
    assert "node cp: static pod manifest /etc/kubernetes/manifests/kube-scheduler.yaml is missing" in got
    assert "deployment kube-system/coredns: 1/2 available" in got


def test_file_changes():
    assert system.file_changes({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"}) == (["b"], [], ["c"])
    assert system.file_changes({"a": "1"}, {}) == ([], ["a"], [])


def test_a_broken_state_is_not_recorded_as_the_baseline():
    s = copy.deepcopy(state())
    s["kubelet"]["w"]["active"] = False
    s["coredns"]["available"] = 0
    assert system.healthy_problems(s) == ["node w: the kubelet is not running",
                                          "deployment kube-system/coredns: 0/2 available"]


def test_the_command_line_says_how_to_use_it(capsys):
    assert system.main([]) == 3
    assert system.main(["restore", "dns"]) == 3
    assert "unknown part(s) dns" in capsys.readouterr().err


def test_cluster_wide_labs_declare_their_reset_and_why_no_class_replay():
    from kubelab.labs.lint import lint_lab
    from kubelab.labs.model import Lab
    from kubelab.labs.registry import all_labs

    labs = all_labs()
    wide = [lab for lab in labs.values() if lab.cluster_wide]
    assert {lab.id for lab in wide} >= {"trouble-dns-coredns", "trouble-kubelet-stopped", "trouble-scheduler-manifest"}
    for lab in wide:
        assert lab.not_autogradable and lab._reset is not None and not lab.class_autogradable
    bad = Lab(**{**labs["trouble-dns-coredns"].__dict__, "not_autogradable": "", "_reset": None})
    msgs = " ".join(p.message for p in lint_lab(bad))
    assert "cluster_wide without @lab.reset_steps" in msgs and "cluster_wide but class-autogradable" in msgs


def test_cluster_wide_tests_are_cluster_exclusive(pytestconfig):
    from tests.conftest import cluster_wide

    assert cluster_wide(["pods-basics", "trouble-kubelet-stopped"])
    assert not cluster_wide(["pods-basics", "trouble-kubeconfig-context"])
    assert not cluster_wide(["no-such-lab"])


def test_dns_answers_are_read_from_nslookup():
    from kubelab.labs.registry import get_lab

    mod = get_lab("trouble-dns-coredns").checks[0].fn.__globals__
    out = ("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.ns.svc.cluster.local\n"
           "Address: 10.96.12.7\n\n")
    assert mod["resolved_addresses"](out, "web.ns.svc.cluster.local") == ["10.96.12.7"]
    assert mod["resolved_addresses"](";; connection timed out; no servers could be reached\n", "web") == []
