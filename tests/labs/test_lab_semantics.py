"""The per-lab meaning helpers (tolerations, label selectors, node affinity, rollout strategy),
decided the way the scheduler / API server decides them. Pure functions: no cluster."""

from __future__ import annotations

import sys

import pytest

from kubelab.labs.registry import get_lab


def lab_module(lab_id: str):
    lab = get_lab(lab_id)
    return sys.modules[lab.checks[0].fn.__module__]


CP = "node-role.kubernetes.io/control-plane"


@pytest.mark.parametrize("lab_id", ["daemonset-all-nodes", "sched-taint"])
@pytest.mark.parametrize("toleration,taint,tolerated", [
    ({"key": CP, "operator": "Exists", "effect": "NoSchedule"}, (CP, "", "NoSchedule"), True),
    ({"key": CP, "operator": "Exists"}, (CP, "", "NoSchedule"), True),            # no effect: every effect
    ({"operator": "Exists"}, (CP, "", "NoSchedule"), True),                        # no key + Exists: every taint
    ({"key": CP, "effect": "NoSchedule"}, (CP, "", "NoSchedule"), True),           # Equal (default), no value
    ({"key": CP, "operator": "Equal", "value": "true", "effect": "NoSchedule"}, (CP, "", "NoSchedule"), False),
    ({"key": CP, "operator": "Exists", "effect": "NoExecute"}, (CP, "", "NoSchedule"), False),
    ({"key": "other", "operator": "Exists"}, (CP, "", "NoSchedule"), False),
    ({"operator": "Equal"}, (CP, "", "NoSchedule"), False),                        # no key needs Exists
    ({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
     ("dedicated", "gpu", "NoSchedule"), True),
    ({"key": "dedicated", "value": "cpu"}, ("dedicated", "gpu", "NoSchedule"), False),
    ({"key": "dedicated", "operator": "Exists", "effect": "PreferNoSchedule"}, ("dedicated", "gpu", "NoSchedule"), False),
])
def test_toleration_matches_as_the_scheduler(lab_id, toleration, taint, tolerated):
    assert lab_module(lab_id).toleration_matches(toleration, *taint) is tolerated


SPREAD = {"app": "spread", "pod-template-hash": "abc"}


@pytest.mark.parametrize("selector,selected", [
    ({"matchLabels": {"app": "spread"}}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["spread"]}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["other", "spread"]}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["other"]}]}, True),
    ({}, True),                                                                    # empty: every pod
    (None, False),                                                                 # missing: no pod
    ({"matchLabels": {"app": "other"}}, False),
    ({"matchLabels": {"app": "other"},                                             # both must hold
      "matchExpressions": [{"key": "app", "operator": "In", "values": ["spread"]}]}, False),
    ({"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, False),
])
def test_anti_affinity_selector_selects_like_the_api(selector, selected):
    assert lab_module("sched-anti-affinity").selects(selector, SPREAD) is selected


def test_anti_affinity_term_namespace():
    m = lab_module("sched-anti-affinity")
    assert m._in_namespace({}, "ns")
    assert m._in_namespace({"namespaces": ["ns"]}, "ns")
    assert not m._in_namespace({"namespaces": ["elsewhere"]}, "ns")
    assert m._in_namespace({"namespaceSelector": {}}, "ns")
    assert m._in_namespace({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ns"}}}, "ns")


NODE = {"kubernetes.io/hostname": "kubelab-worker2", "kubernetes.io/os": "linux"}


def _terms(*term_exprs):
    return [{"matchExpressions": list(exprs)} for exprs in term_exprs]


@pytest.mark.parametrize("terms,admitted", [
    (_terms([{"key": "disk", "operator": "In", "values": ["ssd", "nvme"]}]), {"ssd", "nvme"}),
    (_terms([{"key": "disk", "operator": "In", "values": ["nvme", "ssd"]},
             {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]), {"ssd", "nvme"}),
    (_terms([{"key": "disk", "operator": "In", "values": ["ssd"]}],
            [{"key": "disk", "operator": "In", "values": ["nvme"]}]), {"ssd", "nvme"}),   # terms are ORed
    (_terms([{"key": "disk", "operator": "In", "values": ["ssd"]}]), {"ssd"}),
    (_terms([{"key": "disk", "operator": "Exists"}]), {"ssd", "nvme", "hdd"}),
    (_terms([{"key": "disk", "operator": "NotIn", "values": ["hdd"]}]), {"ssd", "nvme", None}),
    (_terms([]), set()),                                                           # an empty term admits nothing
    (None, set()),
])
def test_node_affinity_admits(terms, admitted):
    m = lab_module("sched-node-selector")
    got = {v for v in ("ssd", "nvme", "hdd", None)
           if m.node_affinity_admits(terms, {**NODE, **({"disk": v} if v else {})})}
    assert got == admitted


@pytest.mark.parametrize("found,want,same", [
    (1, 1, True), (0, 0, True), ("0%", 0, True), ("25%", 0, False), ("25%", 1, False), (2, 1, False), (None, 0, False),
])
def test_rollout_strategy_values(found, want, same):
    assert lab_module("deploy-rollout-rollback")._same_int_or_percent(found, want) is same
