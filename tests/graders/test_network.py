"""kubelab.graders.network: how probe answers are read, and the settle-then-judge loops, on a reader
whose exec layer answers like busybox in a probe pod (the real reader's namespace mapping on top)."""

import pytest

from kubelab.graders import network
from kubelab.graders.errors import Failed

from tests.graders.fakes import FakeKube


class SequenceKube(FakeKube):
    """exec answers from a list, one per call (the last one repeats): a network that settles."""

    def __init__(self, answers, **kw):
        super().__init__(**kw)
        self.answers = list(answers)

    def _exec(self, namespace, pod, command, container, timeout):
        self.exec_seen.append((namespace, pod, list(command), container))
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


ANSWER = (0, "kubelab web v1\n", "")
TIMED_OUT = (143, "", "")                                   # `timeout 3 wget` killed: dropped packets
BAD_ADDRESS = (1, "", "wget: bad address 'web'\n")
REFUSED = (1, "", "wget: can't connect to remote host (10.96.0.9): Connection refused\n")


@pytest.mark.parametrize("result, ok, words", [
    (ANSWER, True, "answered 'kubelab web v1'"),
    (TIMED_OUT, False, "timed out"),
    ((124, "", ""), False, "timed out"),
    (BAD_ADDRESS, False, "did not resolve"),
    (REFUSED, False, "refused"),
    ((1, "", "wget: server returned error: HTTP/1.1 404 Not Found\n"), True, "HTTP error"),
])
def test_http_answers_are_classified(result, ok, words):
    a = network.classify_http(*result)
    assert a.ok is ok and words in a.detail


def test_an_answer_without_the_expected_text_is_not_ok():
    a = network.classify_http(0, "kubelab web v2\n", "", expected="kubelab web v1")
    assert not a.ok and "kubelab web v2" in a.detail


def test_lookups_are_classified_by_the_answer_lines_not_the_server_lines():
    out = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tapi.lab.svc.cluster.local\nAddress: 10.96.7.7\n"
    assert network.classify_lookup(0, out, "") == network.Attempt(True, "resolved to 10.96.7.7")
    only_server = "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find api: NXDOMAIN\n"
    assert not network.classify_lookup(1, only_server, "").ok
    assert "timed out" in network.classify_lookup(143, "", "").detail


def test_commands_are_bounded_by_timeout():
    assert network.http_command("http://web/")[:2] == ["timeout", str(network.REQUEST_TIMEOUT)]
    assert network.lookup_command("api")[:3] == ["timeout", str(network.REQUEST_TIMEOUT), "nslookup"]


def test_expect_reach_waits_for_the_agent_to_let_a_new_pod_through(monkeypatch):
    monkeypatch.setattr(network.time, "sleep", lambda s: None)
    kube = SequenceKube([TIMED_OUT, TIMED_OUT, ANSWER], namespaces={"lab-x": "kg-1-x"})
    out = network.expect_reach(kube, "lab-x", "p1", "http://web/", "kubelab web v1", who="a client")
    assert "answered" in out
    assert len(kube.exec_seen) == 3 and {ns for ns, *_ in kube.exec_seen} == {"kg-1-x"}


def test_expect_reach_fails_with_what_was_seen():
    kube = SequenceKube([TIMED_OUT])
    with pytest.raises(Failed) as exc:
        network.expect_reach(kube, "lab-x", "p1", "http://web/", who="a client", within=0.1)
    assert "timed out" in exc.value.message and "a client" in exc.value.message


def test_expect_blocked_passes_once_the_policy_holds_and_fails_while_it_answers(monkeypatch):
    monkeypatch.setattr(network.time, "sleep", lambda s: None)
    kube = SequenceKube([ANSWER, TIMED_OUT])
    assert "blocked" in network.expect_blocked(kube, "lab-x", "p1", "http://10.96.0.9/", who="a pod")
    with pytest.raises(Failed) as exc:
        network.expect_blocked(SequenceKube([ANSWER]), "lab-x", "p1", "http://10.96.0.9/", who="a pod", within=0.1)
    assert "expected to be blocked" in exc.value.message


def test_expect_lookup():
    ok = (0, "Server: 10.96.0.10\nAddress: 10.96.0.10:53\n\nName: api\nAddress: 10.96.1.2\n", "")
    assert "10.96.1.2" in network.expect_lookup(SequenceKube([ok]), "ns", "p", "api", who="c")
    with pytest.raises(Failed):
        network.expect_lookup(SequenceKube([TIMED_OUT]), "ns", "p", "api", who="c", within=0.1)


def test_probe_pods_are_bounded_and_labelled():
    m = network.probe_manifest("kubelab-probe-client-abcde", {"role": "client"}, "busybox", "client")
    assert m["metadata"]["labels"] == {"role": "client", network.PROBE_LABEL: "client"}
    spec = m["spec"]
    assert spec["activeDeadlineSeconds"] == network.PROBE_LIFETIME and spec["restartPolicy"] == "Never"
    assert spec["automountServiceAccountToken"] is False and spec["terminationGracePeriodSeconds"] == 0
    assert spec["containers"][0]["resources"]["limits"]


def test_service_ip_reads_the_cluster_ip():
    svc = {"kind": "Service", "metadata": {"name": "web", "namespace": "ns"}, "spec": {"clusterIP": "10.96.3.4"}}
    assert network.service_ip(FakeKube([svc]), "ns", "web") == "10.96.3.4"
    headless = {"kind": "Service", "metadata": {"name": "h", "namespace": "ns"}, "spec": {"clusterIP": "None"}}
    with pytest.raises(Failed):
        network.service_ip(FakeKube([headless]), "ns", "h")


@pytest.mark.parametrize("selector, labels, matches", [
    ({}, {"app": "web"}, True),
    ({"matchLabels": {}}, {}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "web", "tier": "fe"}, True),
    ({"matchLabels": {"app": "web"}}, {"app": "db"}, False),
    ({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]}]}, {"app": "api"}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {}, True),
    ({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["web"]}]}, {"app": "web"}, False),
    ({"matchExpressions": [{"key": "role", "operator": "Exists"}]}, {"app": "web"}, False),
    ({"matchExpressions": [{"key": "role", "operator": "DoesNotExist"}]}, {"app": "web"}, True),
])
def test_selectors_match_label_sets_as_the_api_does(selector, labels, matches):
    assert network.selector_matches(selector, labels) is matches


def pol(name, spec):
    return {"kind": "NetworkPolicy", "metadata": {"name": name, "namespace": "ns"}, "spec": spec}


def test_policy_types_default_as_the_api_defaults_them():
    assert network.policy_types(pol("a", {"podSelector": {}})) == {"Ingress"}
    assert network.policy_types(pol("b", {"podSelector": {}, "egress": [{}]})) == {"Ingress", "Egress"}
    assert network.policy_types(pol("c", {"podSelector": {}, "policyTypes": ["Egress"]})) == {"Egress"}


def test_isolation_is_read_from_selectors_and_types():
    policies = [pol("deny", {"podSelector": {}}),
                pol("out", {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"]})]
    assert network.isolating_policies(policies, {"app": "web"}, "Ingress") == ["deny"]
    assert network.isolating_policies(policies, {"app": "client"}, "Egress") == ["out"]
    assert network.isolating_policies(policies, {"app": "web"}, "Egress") == []
    kube = FakeKube(policies)
    assert "deny" in network.expect_isolated(kube, "ns", {"app": "web"}, "Ingress", who="web pods")
    with pytest.raises(Failed):
        network.expect_isolated(kube, "ns", {"app": "web"}, "Egress", who="web pods")


def test_isolation_is_judged_for_the_probe_pods_a_replay_fence_leaves_out():
    fence = pol("kubelab-replay-egress", {"podSelector": {"matchExpressions": [
        {"key": network.PROBE_LABEL, "operator": "DoesNotExist"}]}, "policyTypes": ["Egress"]})
    with pytest.raises(Failed):
        network.expect_isolated(FakeKube([fence]), "ns", {"app": "client"}, "Egress", who="clients")
    mine = pol("mine", {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"]})
    assert "mine" in network.expect_isolated(FakeKube([fence, mine]), "ns", {"app": "client"}, "Egress", who="c")


# what `iptables-save -t filter` shows on a node once kube-router has taken in pod c (10.244.1.3)
TABLE = """*filter
:KUBE-POD-FW-MCXL4SSWV3C7DT5R - [0:0]
-A KUBE-POD-FW-MCXL4SSWV3C7DT5R -s 10.244.1.3/32 -m comment --comment "run through nw policy eg" -j KUBE-NWPLCY-NB7EAZUJ36KXMNLT
-A KUBE-ROUTER-FORWARD -d 10.244.1.3/32 -m comment --comment "rule to jump traffic destined to POD name:c namespace: t1 to chain KUBE-POD-FW-MCXL4SSWV3C7DT5R" -j KUBE-POD-FW-MCXL4SSWV3C7DT5R
COMMIT
"""


def test_a_pod_is_firewalled_once_a_rule_names_its_address():
    assert network.firewalled(TABLE, "10.244.1.3")
    assert not network.firewalled(TABLE, "10.244.1.30")      # not a prefix match
    assert not network.firewalled(TABLE, "10.244.1.")
    assert not network.firewalled("*filter\nCOMMIT\n", "10.244.1.3")


def test_policies_selecting_a_pod_in_either_direction():
    policies = [pol("in", {"podSelector": {"matchLabels": {"app": "web"}}}),
                pol("out", {"podSelector": {}, "policyTypes": ["Egress"]})]
    assert network.selecting_policies(policies, {"app": "web"}) == ["in", "out"]
    assert network.selecting_policies(policies[:1], {"app": "client"}) == []


def _running(name, node="kubelab-worker", ip="10.244.1.3"):
    return {"metadata": {"name": name}, "spec": {"nodeName": node}, "status": {"podIP": ip}}


def test_probes_wait_until_the_agent_has_taken_them_in():
    """A new pod's traffic passes until the agent has its chain: the probe waits for the node's rule."""
    import time

    tables = iter([(0, "*filter\nCOMMIT\n"), (0, "*filter\nCOMMIT\n"), (0, TABLE)])
    asked = []

    def table(node):
        asked.append(node)
        return next(tables)

    network._wait_firewalled([_running("kubelab-probe-plain-abcde")], time.monotonic() + 5, table)
    assert asked == ["kubelab-worker"] * 3


def test_an_agent_that_never_takes_the_probe_in_is_the_graders_trouble():
    import time

    from kubelab.graders.errors import InfraError

    with pytest.raises(InfraError) as info:
        network._wait_firewalled([_running("p", ip="10.244.2.9")], time.monotonic() + 0.5,
                                 lambda node: (0, TABLE))
    assert "10.244.2.9" in str(info.value) and "kubelab-netpol" in str(info.value)
    with pytest.raises(InfraError) as info:
        network._wait_firewalled([_running("p")], time.monotonic() + 0.1,
                                 lambda node: (1, "container kubelab-worker: expected to exist, found nothing"))
    assert "iptables-save on kubelab-worker failed" in str(info.value)
