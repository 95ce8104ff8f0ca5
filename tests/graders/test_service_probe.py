"""service_probe: nslookup parsing (real busybox 1.35 outputs), the probe pod's life cycle and the
request/lookup primitives, on FakeKube (real reader, faked REST and exec layers)."""

from types import SimpleNamespace

import pytest
from kubernetes.client.exceptions import ApiException

from kubelab.graders import service_probe as sp
from kubelab.graders.errors import Failed, InfraError
from tests.graders.fakes import FakeKube

# what busybox 1.35's nslookup printed on the course cluster
HEADLESS = """Server:\t\t10.96.0.10
Address:\t10.96.0.10:53

Name:\tdb.svc-dev.svc.cluster.local
Address: 10.244.2.50
Name:\tdb.svc-dev.svc.cluster.local
Address: 10.244.1.73

"""
EXTERNAL = """Server:\t\t10.96.0.10
Address:\t10.96.0.10:53

api.svc-dev.svc.cluster.local\tcanonical name = kubernetes.default.svc.cluster.local
Name:\tkubernetes.default.svc.cluster.local
Address: 10.96.0.1

"""
SHORT_TARGET = """Server:\t\t10.96.0.10
Address:\t10.96.0.10:53

api3.svc-dev.svc.cluster.local\tcanonical name = kubernetes.default

"""
MISSING = """Server:\t\t10.96.0.10
Address:\t10.96.0.10:53

** server can't find db-0.web.svc-dev.svc.cluster.local.: NXDOMAIN

"""


def test_parse_headless_answer_lists_every_pod_and_not_the_server():
    got = sp.parse_nslookup("db.svc-dev.svc.cluster.local", HEADLESS)
    assert got.addresses == ["10.244.2.50", "10.244.1.73"]
    assert got.cnames == [] and not got.nxdomain


def test_parse_cname_chain_and_its_address():
    got = sp.parse_nslookup("api.svc-dev.svc.cluster.local", EXTERNAL)
    assert got.cnames == ["kubernetes.default.svc.cluster.local"]
    assert got.addresses == ["10.96.0.1"]


def test_parse_cname_that_resolves_nowhere():
    got = sp.parse_nslookup("api3", SHORT_TARGET)
    assert got.cnames == ["kubernetes.default"] and got.addresses == []


def test_parse_nxdomain():
    got = sp.parse_nslookup("db-0.web", MISSING)
    assert got.nxdomain and got.addresses == []


def test_fqdn_uses_the_namespace_really_read():
    kube = FakeKube(namespaces={"lab-x": "kg-1234-alice"})
    assert sp.fqdn(kube, "web", "lab-x") == "web.kg-1234-alice.svc.cluster.local"
    assert sp.fqdn(kube, "db", "lab-x", pod="db-0") == "db-0.db.kg-1234-alice.svc.cluster.local"
    assert sp.fqdn(FakeKube(), "web", "lab-x") == "web.lab-x.svc.cluster.local"


def test_probe_manifest_is_small_labelled_and_stops_by_itself():
    m = sp.probe_manifest("kubelab-probe-abc", "lab-x", "docker.io/library/busybox:1.35.0")
    spec = m["spec"]
    assert m["metadata"]["labels"] == {sp.PROBE_LABEL: "true"}
    assert spec["activeDeadlineSeconds"] == sp.DEADLINE and spec["restartPolicy"] == "Never"
    assert spec["containers"][0]["resources"]["limits"]["memory"] == "32Mi"
    assert spec["automountServiceAccountToken"] is False


class FakeCore:
    """CoreV1Api's three calls the probe uses, returning objects shaped like the client's models."""

    def __init__(self, phases=("Pending", "Running"), create_error=None):
        self.phases = list(phases)
        self.create_error = create_error
        self.created, self.deleted = [], []

    def create_namespaced_pod(self, namespace, body, _request_timeout=None):
        if self.create_error:
            raise self.create_error
        self.created.append((namespace, body))

    def read_namespaced_pod(self, name, namespace, _request_timeout=None):
        phase = self.phases.pop(0) if len(self.phases) > 1 else self.phases[0]
        running = SimpleNamespace(started_at="now") if phase == "Running" else None
        waiting = None if running else SimpleNamespace(reason="ContainerCreating")
        status = SimpleNamespace(phase=phase, container_statuses=[
            SimpleNamespace(state=SimpleNamespace(running=running, waiting=waiting))])
        return SimpleNamespace(status=status)

    def delete_namespaced_pod(self, name, namespace, grace_period_seconds=None, _request_timeout=None):
        self.deleted.append((namespace, name, grace_period_seconds))


class ProbeKube(FakeKube):
    def __init__(self, core, **kw):
        super().__init__(**kw)
        self.core = core

    def api(self, name):
        assert name == "CoreV1Api"
        return self.core


def test_probe_pod_is_created_in_the_mapped_namespace_and_deleted_after():
    core = FakeCore()
    kube = ProbeKube(core, namespaces={"lab-x": "kg-1-bob"}, exec_result=(0, "kubelab web v1\n", ""))
    with sp.probe_pod(kube, "lab-x") as probe:
        assert probe.real_namespace == "kg-1-bob"
        assert "kubelab web v1" in sp.http_answers(probe, "http://web:8080/", "kubelab web v1")
    ns, body = core.created[0]
    assert ns == "kg-1-bob" and body["metadata"]["namespace"] == "kg-1-bob"
    assert core.deleted == [("kg-1-bob", body["metadata"]["name"], 0)]
    # the exec went through the reader's mapping, bounded by `timeout`
    seen_ns, pod, command, _ = kube.exec_seen[0]
    assert seen_ns == "kg-1-bob" and pod == body["metadata"]["name"]
    assert command[:2] == ["timeout", str(sp.REQUEST_TIMEOUT)]


def test_probe_pod_is_deleted_when_the_check_fails_inside():
    core = FakeCore()
    kube = ProbeKube(core, exec_result=(1, "", "wget: bad address 'web:8080'"))
    with pytest.raises(Failed, match="does not resolve"):
        with sp.probe_pod(kube, "lab-x") as probe:
            sp.http_answers(probe, "http://web:8080/", "kubelab web v1")
    assert len(core.deleted) == 1


def test_probe_pod_that_never_runs_is_an_infra_error_and_is_deleted(monkeypatch):
    core = FakeCore(phases=("Pending",))
    kube = ProbeKube(core)
    with pytest.raises(InfraError, match="did not start"):
        with sp.probe_pod(kube, "lab-x", start_timeout=0.5):
            pass
    assert len(core.deleted) == 1


def test_probe_refused_by_the_namespace_is_the_students_state():
    core = FakeCore(create_error=ApiException(status=404, reason="Not Found"))
    with pytest.raises(Failed, match="cannot start a probe pod"):
        with sp.probe_pod(ProbeKube(core), "lab-x"):
            pass
    assert core.deleted == []


def test_timeouts_and_wrong_bodies_are_named():
    probe = sp.Probe(kube=FakeKube(exec_result=(143, "", "")), namespace="n", name="p", real_namespace="n")
    with pytest.raises(Failed, match="no answer within"):
        sp.http_answers(probe, "http://web:8080/", "x")
    probe = sp.Probe(kube=FakeKube(exec_result=(0, "kubelab web v2", "")), namespace="n", name="p", real_namespace="n")
    with pytest.raises(Failed, match="found 'kubelab web v2'"):
        sp.http_answers(probe, "http://web/", "kubelab web v1")
    assert "no answer" in sp.http_refused(
        sp.Probe(kube=FakeKube(exec_result=(143, "", "")), namespace="n", name="p", real_namespace="n"), "http://x/")


def test_resolves_to_compares_sets_and_queries_absolute_names():
    kube = FakeKube(exec_result=(0, HEADLESS, ""))
    probe = sp.Probe(kube=kube, namespace="n", name="p", real_namespace="n")
    assert "10.244.1.73" in sp.resolves_to(probe, "db.svc-dev.svc.cluster.local", {"10.244.1.73", "10.244.2.50"})
    assert kube.exec_seen[0][2][-1] == "db.svc-dev.svc.cluster.local."
    with pytest.raises(Failed, match="expected 10.244.1.73, found 10.244.1.73, 10.244.2.50"):
        sp.resolves_to(probe, "db.svc-dev.svc.cluster.local", {"10.244.1.73"})
    probe = sp.Probe(kube=FakeKube(exec_result=(1, MISSING, "")), namespace="n", name="p", real_namespace="n")
    with pytest.raises(Failed, match="NXDOMAIN"):
        sp.resolves_to(probe, "db-0.web.svc-dev.svc.cluster.local", {"10.244.2.50"})


def _pod(name, ip, ready=True, labels=None):
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "n", "labels": labels or {"app": "web"}},
            "status": {"podIP": ip, "phase": "Running",
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}


def test_ready_pod_ips_and_endpoint_ports():
    dep = {"kind": "Deployment", "metadata": {"name": "web", "namespace": "n"},
           "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    eps = {"kind": "EndpointSlice", "metadata": {"name": "web-abc", "namespace": "n",
                                                  "labels": {"kubernetes.io/service-name": "web"}},
           "ports": [{"name": "http", "port": 80}, {"name": "metrics", "port": 8081}], "endpoints": []}
    kube = FakeKube([dep, eps, _pod("web-1", "10.0.0.1"), _pod("web-2", "10.0.0.2", ready=False),
                     _pod("other", "10.0.0.3", labels={"app": "db"})])
    assert sp.ready_pod_ips(kube, "n", "Deployment", "web") == {"web-1": "10.0.0.1"}
    assert sp.endpoint_ports(kube, "n", "web") == {("http", 80), ("metrics", 8081)}
    svc = {"spec": {"ports": [{"name": "metrics", "port": 9100}, {"port": 80}]}}
    assert sp.service_ports(svc) == {("metrics", 9100), ("", 80)}
    assert sp.show_ports({("", 80), ("metrics", 9100)}) == "(unnamed)=80, metrics=9100"


def test_a_record_leaves_probe_pods_out():
    from kubelab.instructor.record import keep_object

    probe = sp.probe_manifest("kubelab-probe-abc", "lab-x", "docker.io/library/busybox:1.35.0")
    assert keep_object(probe) is False
    student = {"kind": "Pod", "metadata": {"name": "client", "namespace": "lab-x", "labels": {"run": "client"}}}
    assert keep_object(student) is True
