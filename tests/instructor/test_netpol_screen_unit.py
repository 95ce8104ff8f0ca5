"""Replays of NetworkPolicy labs: the fence leaves the grader's probes to the student's policies,
records may not use the probe label, and DNS egress rules are narrowed to the cluster DNS."""

from kubelab.instructor import policy, record, sandbox


def netpol(name, egress):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name},
            "spec": {"podSelector": {"matchLabels": {"app": "client"}}, "policyTypes": ["Egress"], "egress": egress}}


def screen(*objs):
    return policy.screen_objects(list(objs), "lab-x")


def test_the_fence_selects_every_pod_but_the_probes():
    pol = sandbox.egress_policy("kg-1-s", "netpol-egress")
    assert pol["spec"]["podSelector"] == {"matchExpressions": [
        {"key": sandbox.PROBE_LABEL, "operator": "DoesNotExist"}]}


def test_dns_rules_are_narrowed_to_the_cluster_dns_whatever_peer_they_name():
    anywhere = {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    kube_system = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                   "ports": [{"port": 53, "protocol": "UDP"}]}
    inside = {"to": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 80}]}
    out = screen(netpol("dns", [anywhere, kube_system, inside]))
    assert out.refused == [] and len(out.allowed) == 1
    obj = out.allowed[0]
    note = policy.narrow_dns_egress(obj)
    assert "2 DNS egress rule(s)" in note
    rules = obj["spec"]["egress"]
    assert rules[0]["to"] == [sandbox.DNS_PEER] and rules[1]["to"] == [sandbox.DNS_PEER]
    assert rules[0]["ports"] == anywhere["ports"] and rules[2] == inside
    assert policy.narrow_dns_egress(obj) == ""  # already narrow: nothing more to do


def test_egress_outside_on_other_ports_is_still_refused():
    wide = {"to": [{"namespaceSelector": {}}], "ports": [{"port": 53}, {"port": 8080}]}
    out = screen(netpol("wide", [wide]))
    assert out.allowed == [] and "egress rule reaching outside the namespace" in out.refused[0]
    all_ports = screen(netpol("open", [{"to": [{"namespaceSelector": {}}]}]))
    assert all_ports.allowed == []
    port_range = screen(netpol("range", [{"ports": [{"port": 53, "endPort": 65535}]}]))
    assert port_range.allowed == []


def test_the_probe_label_is_the_graders_own():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sneaky", "labels": {sandbox.PROBE_LABEL: "x"}},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                  "metadata": {"labels": {"a": "b", sandbox.PROBE_LABEL: "y"}},
                  "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}
    out = screen(pod, deploy)
    assert out.allowed == [] and all("kubelab.io/probe is the grader's own" in r for r in out.refused)


def test_records_leave_the_graders_probe_pods_out():
    probe = {"kind": "Pod", "metadata": {"name": "kubelab-probe-client-1", "labels": {"kubelab.io/probe": "client"}}}
    mine = {"kind": "Pod", "metadata": {"name": "client", "labels": {"role": "client"}}}
    assert not record.keep_object(probe) and record.keep_object(mine)
