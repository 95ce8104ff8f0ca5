"""graders/http_probe.py: the pure parts, the reader-facing parts on FakeKube, and the requests
against real local HTTP and HTTPS servers (sockets, not mocks)."""

from __future__ import annotations

import http.server
import re
import shutil
import socket
import ssl
import subprocess
import threading

import pytest

from kubelab.graders import http_probe as hp
from kubelab.graders.errors import Failed, InfraError
from kubelab.instructor.replay_k8s import in_replay
from tests.graders.fakes import FakeKube

DNS1123 = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


# ---- replay host names -----------------------------------------------------------------------

def test_replay_host_is_a_valid_distinct_name_per_namespace():
    a = hp.replay_host("shop.kubelab.test", "kg-abc123-reference")
    b = hp.replay_host("shop.kubelab.test", "kg-abc123-near-miss-x")
    c = hp.replay_host("api.kubelab.test", "kg-abc123-reference")
    assert len({a, b, c}) == 3
    for h in (a, b, c):
        assert DNS1123.match(h) and len(h) <= 253 and all(len(x) <= 63 for x in h.split("."))
    assert a.endswith(".kg-abc123-reference.kubelab-replay")
    assert a.split(".")[0].startswith("shop-kubelab-test-")


def test_replay_host_is_stable_and_case_insensitive():
    assert hp.replay_host("Shop.Kubelab.Test.", "ns") == hp.replay_host("shop.kubelab.test", "ns")


def test_replay_host_label_outranks_the_catch_all_on_rule_length():
    # Traefik orders routes by rule length: a renamed short host must stay longer than the catch-all
    for host in ("a.b", "x", "shop.kubelab.test"):
        label = hp.replay_host(host, "ns").split(".")[0]
        assert len(label) >= 26 and len(label) <= 63


def test_hostless_and_wildcard_rules_become_the_replays_catch_all():
    assert hp.replay_host(None, "kg-1") == "*.kg-1.kubelab-replay"
    assert hp.replay_host("", "kg-1") == "*.kg-1.kubelab-replay"
    assert hp.replay_host("*.kubelab.test", "kg-1") == "*.kg-1.kubelab-replay"
    # and every renamed host of that replay is one label under it (a wildcard matches one label)
    assert hp.replay_host("shop.kubelab.test", "kg-1").count(".") == 2


def test_lab_host_maps_only_in_a_replay():
    live = FakeKube()
    replay = FakeKube(namespaces={"lab-x": "kg-1-reference"})
    assert hp.lab_host(live, "lab-x", "shop.kubelab.test") == "shop.kubelab.test"
    assert hp.lab_host(replay, "lab-x", "shop.kubelab.test") == hp.replay_host("shop.kubelab.test", "kg-1-reference")
    assert hp.lab_host(replay, "lab-other", "shop.kubelab.test") == "shop.kubelab.test"


def test_in_replay_renames_ingress_hosts_as_graders_ask_for_them():
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
           "metadata": {"name": "shop", "namespace": "lab-x"},
           "spec": {"tls": [{"hosts": ["secure.kubelab.test"], "secretName": "s"}, {"secretName": "t"}],
                    "rules": [{"host": "secure.kubelab.test", "http": {"paths": []}}, {"http": {"paths": []}}]}}
    out = in_replay(ing, "lab-x", "kg-9")
    kube = FakeKube(namespaces={"lab-x": "kg-9"})
    assert out["metadata"]["namespace"] == "kg-9"
    assert out["spec"]["rules"][0]["host"] == hp.lab_host(kube, "lab-x", "secure.kubelab.test")
    assert out["spec"]["rules"][1]["host"] == "*.kg-9.kubelab-replay"
    assert out["spec"]["tls"][0]["hosts"] == [hp.lab_host(kube, "lab-x", "secure.kubelab.test")]
    assert "hosts" not in out["spec"]["tls"][1]
    assert ing["spec"]["rules"][0]["host"] == "secure.kubelab.test"   # the record is left as it was


# ---- certificates and wget output ------------------------------------------------------------

PEM = """junk before
-----BEGIN CERTIFICATE-----
AAEC
AwQ=
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
BQYH
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
c2VjcmV0
-----END PRIVATE KEY-----
"""


def test_pem_certificates_reads_each_certificate_and_never_the_key():
    assert hp.pem_certificates(PEM) == [bytes([0, 1, 2, 3, 4]), bytes([5, 6, 7])]
    assert hp.pem_certificates("") == []
    assert hp.pem_certificates("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----") == []


def test_cert_fingerprint():
    assert hp.cert_fingerprint(b"") == "no certificate"
    assert re.fullmatch(r"sha256:[0-9a-f]{16}", hp.cert_fingerprint(b"abc"))


def test_parse_wget_status_takes_the_last_status():
    assert hp.parse_wget_status("Connecting to x\n  HTTP/1.1 301 Moved\n  HTTP/1.1 200 OK\n") == 200
    assert hp.parse_wget_status("wget: server returned error: HTTP/1.1 404 Not Found") == 404
    assert hp.parse_wget_status("wget: bad address 'traefik.kube-system'") is None


# ---- the controller and pod requests on FakeKube ---------------------------------------------

def _svc(ports=(("web", 32080), ("websecure", 32443))):
    return {"kind": "Service", "metadata": {"name": "traefik", "namespace": "kube-system"},
            "spec": {"ports": [{"name": n, "port": 80, "nodePort": p} for n, p in ports]}}


def _node(name, ip, ready=True, control_plane=False):
    labels = {"node-role.kubernetes.io/control-plane": ""} if control_plane else {}
    return {"kind": "Node", "metadata": {"name": name, "labels": labels},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "addresses": [{"type": "Hostname", "address": name}, {"type": "InternalIP", "address": ip}]}}


def test_controller_prefers_the_ready_control_plane():
    kube = FakeKube([_svc(), _node("w1", "10.0.0.4"), _node("cp", "10.0.0.3", control_plane=True),
                     _node("w2", "10.0.0.2", ready=False)])
    ctl = hp.controller(kube)
    assert (ctl.node_address, ctl.http_port, ctl.https_port) == ("10.0.0.3", 32080, 32443)
    assert ctl.url("/api") == "http://traefik.kube-system.svc.cluster.local/api"


def test_controller_missing_is_an_infrastructure_error():
    with pytest.raises(InfraError, match="not installed"):
        hp.controller(FakeKube([_node("cp", "10.0.0.3")]))
    with pytest.raises(InfraError, match="no node ports"):
        hp.controller(FakeKube([_svc(ports=(("web", 32080),)), _node("cp", "10.0.0.3")]))
    with pytest.raises(InfraError, match="no Ready node"):
        hp.controller(FakeKube([_svc(), _node("cp", "10.0.0.3", ready=False)]))


CTL = hp.Controller("10.0.0.3", 32080, 32443, "traefik.kube-system.svc.cluster.local")


def test_from_pod_sends_the_host_header_from_the_mapped_namespace():
    kube = FakeKube(namespaces={"lab-x": "kg-1"}, exec_result=(0, "api in kg-1\n", "  HTTP/1.1 200 OK\n"))
    answer = hp.from_pod(kube, "lab-x", "client", CTL, "shop.kubelab.test", "/api/orders")
    assert answer == hp.Answer(200, "api in kg-1\n")
    ns, pod, cmd, _ = kube.exec_seen[0]
    assert (ns, pod) == ("kg-1", "client")
    assert cmd[:3] == ["timeout", "5", "wget"] and "--header" in cmd and "Host: shop.kubelab.test" in cmd
    assert "-T" not in cmd and "-q" not in cmd   # busybox 1.35 wget crashes on -T; -q hides the status
    assert cmd[-1] == "http://traefik.kube-system.svc.cluster.local/api/orders"


def test_from_pod_statuses_and_failures():
    e404 = FakeKube(exec_result=(1, "", "  HTTP/1.1 404 Not Found\nwget: server returned error: HTTP/1.1 404 Not Found"))
    assert hp.from_pod(e404, "ns", "client", CTL, "h", "/").status == 404
    dns = FakeKube(exec_result=(1, "", "wget: bad address 'traefik.kube-system.svc.cluster.local'"))
    assert hp.from_pod(dns, "ns", "client", CTL, "h", "/") == hp.Answer(
        None, error="wget: bad address 'traefik.kube-system.svc.cluster.local'")
    nowget = FakeKube(exec_result=(126, "", 'exec: "timeout": executable file not found in $PATH'))
    with pytest.raises(Failed, match="cannot run wget"):
        hp.from_pod(nowget, "ns", "client", CTL, "h", "/")


def test_expect_body_and_not_body():
    assert "HTTP 200" in hp.expect_body(hp.Answer(200, "web in ns\n"), "web in ns", "GET /")
    with pytest.raises(Failed, match=r"expected HTTP 200 'web in ns', found HTTP 404"):
        hp.expect_body(hp.Answer(404, ""), "web in ns", "GET /")
    with pytest.raises(Failed, match=r"found HTTP 200 'api in ns'"):
        hp.expect_body(hp.Answer(200, "api in ns"), "web in ns", "GET /")
    with pytest.raises(Failed, match="no HTTP answer"):
        hp.expect_body(hp.Answer(None, error="timed out"), "web in ns", "GET /")
    hp.expect_not_body(hp.Answer(404, ""), "web in ns", "other")
    hp.expect_not_body(hp.Answer(200, "web in kg-2"), "web in ns", "other")
    with pytest.raises(Failed, match="expected not to reach"):
        hp.expect_not_body(hp.Answer(200, "web in ns"), "web in ns", "other")


# ---- real requests against local servers -----------------------------------------------------

class _Echo(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = f"host={self.headers.get('Host')} path={self.path}".encode()
        self.send_response(200 if self.path != "/missing" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_from_host_sends_host_header_and_reads_status(server):
    ctl = hp.Controller("127.0.0.1", server.server_address[1], 1, "x")
    assert hp.from_host(ctl, "shop.kubelab.test", "/api") == hp.Answer(200, "host=shop.kubelab.test path=/api")
    assert hp.from_host(ctl, "shop.kubelab.test", "/missing").status == 404


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_controller_is_an_infrastructure_error():
    ctl = hp.Controller("127.0.0.1", _free_port(), _free_port(), "x")
    with pytest.raises(InfraError, match="did not answer"):
        hp.from_host(ctl, "h", "/", timeout=2)
    with pytest.raises(InfraError, match="did not answer"):
        hp.https_from_host(ctl, "h", "/", timeout=2)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
def test_https_from_host_returns_the_presented_certificate_and_routes_by_host(server, tmp_path):
    crt, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.test",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, key)
    seen_sni = []
    context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        ctl = hp.Controller("127.0.0.1", 1, httpd.server_address[1], "x")
        answer = hp.https_from_host(ctl, "secure.test", "/p", host="renamed.kg-1.kubelab-replay")
        assert answer.status == 200 and answer.body == "host=renamed.kg-1.kubelab-replay path=/p"
        assert answer.certificate == hp.pem_certificates(crt.read_text())[0]
        assert seen_sni == ["secure.test"]
        # plain HTTP to a TLS port: a handshake failure is an answer, not an infrastructure error
        plain = hp.Controller("127.0.0.1", server.server_address[1], server.server_address[1], "x")
        failed = hp.https_from_host(plain, "secure.test", "/", timeout=3)
        assert failed.status is None and "TLS" in failed.error
    finally:
        httpd.shutdown()
        httpd.server_close()
