"""HTTP and HTTPS requests through the cluster's ingress controller, as a client would send them.

The course cluster's controller (cluster/addons_ingress.py: Traefik in kube-system, Service
`traefik`) answers HTTP on node port 32080 and HTTPS on 32443 of every node, and inside the
cluster at `traefik.kube-system.svc.cluster.local` ports 80/443. A request names the virtual host
in its Host header (and, for HTTPS, in the TLS SNI), exactly as `curl -H 'Host: ...'` does, so no
DNS entry is needed for the lab's host names.

- controller:       where the controller answers (node address, node ports, in-cluster name)
- from_host:        an HTTP request from this machine to a node port
- https_from_host:  an HTTPS request with SNI; also returns the certificate the controller presented
- from_pod:         an HTTP request from a pod (busybox `wget`, run with `kubectl exec`)
- lab_host:         the host name a lab's Ingress has in this run (a replay renames hosts, see replay_host)
- replay_host:      the host name a class replay gives a lab's host (pure)
- cert_fingerprint, pem_certificates: certificates as comparable values (pure)

Requests have bounded timeouts and close their sockets whatever happens. A refused connection or a
timeout to the controller is an InfraError (the controller is down: not the student's fault); any
HTTP status, 404 included, is an answer the check judges.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
import socket
import ssl
from dataclasses import dataclass

from kubelab.graders.errors import NEXT_CLUSTER, Failed, InfraError
from kubelab.graders.fields import field

CONTROLLER_NAMESPACE = "kube-system"
CONTROLLER_SERVICE = "traefik"
REPLAY_DOMAIN = "kubelab-replay"
TIMEOUT = 5.0
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Controller:
    node_address: str      # a node's InternalIP (the host reaches it on the kind network)
    http_port: int         # node port of the HTTP entry point
    https_port: int        # node port of the HTTPS entry point
    cluster_name: str      # the Service's DNS name inside the cluster

    def url(self, path: str) -> str:
        return f"http://{self.cluster_name}{path}"


@dataclass(frozen=True)
class Answer:
    status: int | None     # HTTP status; None when no HTTP answer came (then `error` says why)
    body: str = ""
    error: str = ""
    certificate: bytes = b""   # DER of the certificate presented (HTTPS only)

    def describe(self) -> str:
        if self.status is None:
            return f"no HTTP answer ({self.error})"
        body = " ".join(self.body.split())[:80]
        return f"HTTP {self.status}" + (f" {body!r}" if body else "")


# ---- pure helpers ----------------------------------------------------------------------------

def replay_host(host: str | None, namespace: str) -> str:
    """The host a replay in `namespace` gives a lab Ingress's host, so that replays of one lab in
    several namespaces (and the live lab) never share a host name on the one controller.

    `shop.example.test` -> `shop-example-test-<hash>.<namespace>.kubelab-replay` (one label per
    host, so that the namespace's catch-all below matches it); a rule without host (every host)
    and a wildcard host -> `*.<namespace>.kubelab-replay` (every host of that replay).

    The label is at least 26 characters: Traefik orders routes by the length of their rule, and a
    renamed host must still outrank the catch-all, as a host rule outranks a rule without host live."""
    host = (host or "").strip().lower().rstrip(".")
    if not host or host.startswith("*."):
        return f"*.{namespace}.{REPLAY_DOMAIN}"
    digest = hashlib.sha256(host.encode()).hexdigest()[:24]
    readable = re.sub(r"[^a-z0-9-]+", "-", host).strip("-")[:38].rstrip("-") or "host"
    return f"{readable}-{digest}.{namespace}.{REPLAY_DOMAIN}"


def lab_host(kube, namespace: str, host: str) -> str:
    """`host` as the lab's Ingress has it in this run: itself live, renamed in a replay (where the
    reader maps the lab's namespace to the replay's)."""
    mapped = (getattr(kube, "namespaces", None) or {}).get(namespace)
    return replay_host(host, mapped) if mapped and mapped != namespace else host


def pem_certificates(pem: str) -> list[bytes]:
    """The DER bytes of each certificate in a PEM text (a chain gives several), in order."""
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----", pem or "", re.S)
    out = []
    for b in blocks:
        try:
            out.append(base64.b64decode("".join(b.split()), validate=True))
        except ValueError:
            continue
    return out


def cert_fingerprint(der: bytes) -> str:
    """`sha256:ab12cd34...` (16 hex digits): how messages name a certificate (public, never a key)."""
    return "sha256:" + hashlib.sha256(der).hexdigest()[:16] if der else "no certificate"


def parse_wget_status(stderr: str) -> int | None:
    """The last HTTP status in busybox `wget -S` output (the headers go to stderr)."""
    found = re.findall(r"HTTP/\d(?:\.\d)?\s+(\d{3})", stderr or "")
    return int(found[-1]) if found else None


# ---- the controller --------------------------------------------------------------------------

def controller(kube) -> Controller:
    """Where the ingress controller answers. InfraError when the add-on is not installed."""
    svc = kube.get("Service", CONTROLLER_SERVICE, CONTROLLER_NAMESPACE)
    if svc is None:
        raise InfraError(f"the cluster's ingress controller (Service {CONTROLLER_NAMESPACE}/{CONTROLLER_SERVICE}) "
                         "is not installed", "run `kubelab cluster up`: it installs the ingress add-on")
    ports = {p.get("name"): p.get("nodePort") for p in field(svc, "spec.ports") or []}
    if not ports.get("web") or not ports.get("websecure"):
        raise InfraError(f"Service {CONTROLLER_NAMESPACE}/{CONTROLLER_SERVICE} has no node ports web/websecure "
                         f"(found {ports})", "run `kubelab cluster up` to re-apply the ingress add-on")
    address = ""
    for node in kube.list("Node"):
        ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                    for c in field(node, "status.conditions") or [])
        ip = next((a["address"] for a in field(node, "status.addresses") or [] if a.get("type") == "InternalIP"), "")
        if ready and ip:
            address = ip
            if "node-role.kubernetes.io/control-plane" in (field(node, "metadata.labels") or {}):
                break   # the controller runs there: one hop less
    if not address:
        raise InfraError("no Ready node with an InternalIP to reach the ingress controller on", NEXT_CLUSTER)
    return Controller(address, int(ports["web"]), int(ports["websecure"]),
                      f"{CONTROLLER_SERVICE}.{CONTROLLER_NAMESPACE}.svc.cluster.local")


# ---- requests --------------------------------------------------------------------------------

def _read(conn: http.client.HTTPConnection, host: str, path: str) -> tuple[int, str]:
    conn.request("GET", path, headers={"Host": host, "User-Agent": "kubelab-grader", "Connection": "close"})
    resp = conn.getresponse()
    return resp.status, resp.read(MAX_BODY).decode(errors="replace")


def _unreachable(what: str, exc: Exception) -> InfraError:
    return InfraError(f"{what}: the ingress controller did not answer ({type(exc).__name__}: {exc})",
                      "look at `kubectl -n kube-system get pods -l app.kubernetes.io/name=traefik` "
                      "and run `kubelab cluster up`, then check again")


def from_host(ctl: Controller, host: str, path: str = "/", timeout: float = TIMEOUT) -> Answer:
    """GET http://<host><path> sent from this machine to the controller's HTTP node port."""
    conn = http.client.HTTPConnection(ctl.node_address, ctl.http_port, timeout=timeout)
    try:
        status, body = _read(conn, host, path)
        return Answer(status, body)
    except (ConnectionRefusedError, socket.timeout, TimeoutError, OSError) as exc:
        raise _unreachable(f"http://{host}{path} via {ctl.node_address}:{ctl.http_port}", exc) from exc
    finally:
        conn.close()


def https_from_host(ctl: Controller, sni: str, path: str = "/", host: str | None = None,
                    timeout: float = TIMEOUT) -> Answer:
    """GET https://<sni><path> sent from this machine to the controller's HTTPS node port, with
    `sni` as the TLS server name (which certificate the controller picks) and `host` (default: sni)
    as the Host header (which route). The certificate is not verified, it is returned: the check
    compares it with the one it expects. A TLS handshake failure is an answer (status None)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    raw = None
    try:
        raw = socket.create_connection((ctl.node_address, ctl.https_port), timeout=timeout)
    except OSError as exc:
        raise _unreachable(f"https://{sni}{path} via {ctl.node_address}:{ctl.https_port}", exc) from exc
    try:
        try:
            tls = context.wrap_socket(raw, server_hostname=sni)
        except (ssl.SSLError, OSError) as exc:
            return Answer(None, error=f"TLS handshake failed: {exc}")
        raw = tls
        der = tls.getpeercert(binary_form=True) or b""
        conn = http.client.HTTPConnection(ctl.node_address, ctl.https_port, timeout=timeout)
        conn.sock = tls
        try:
            status, body = _read(conn, host or sni, path)
        except (OSError, http.client.HTTPException) as exc:
            return Answer(None, error=f"no HTTP answer over TLS: {exc}", certificate=der)
        return Answer(status, body, certificate=der)
    finally:
        try:
            raw.close()
        except OSError:
            pass


def from_pod(kube, namespace: str, pod: str, ctl: Controller, host: str, path: str = "/",
             timeout: float = TIMEOUT) -> Answer:
    """GET http://<host><path> sent from a pod (busybox wget) to the controller's Service."""
    # -S prints the status line to stderr (-q would hide it); no -T: Debian's busybox 1.35 wget crashes
    # on it (exit 139), so `timeout` bounds the request instead
    cmd = ["wget", "-S", "-O", "-", "--header", f"Host: {host}", ctl.url(path)]
    rc, out, err = kube.exec(namespace, pod, ["timeout", str(int(timeout)), *cmd], timeout=timeout + 5)
    status = parse_wget_status(err)
    if status is None:
        why = " ".join((err or out).split())[:120] or f"wget exit {rc}"
        if rc == 126 or "not found" in why and "wget" in why:
            raise Failed(f"pod {pod}: cannot run wget in it ({why})", expected="a busybox client", found=why)
        return Answer(None, error=why)
    return Answer(status, out if status < 400 else "")


# ---- what checks assert ----------------------------------------------------------------------

def expect_body(answer: Answer, expected: str, what: str) -> str:
    """Passes when the answer is HTTP 200 and its body contains `expected`."""
    if answer.status != 200 or expected not in answer.body:
        found = answer.describe()
        raise Failed(f"{what}: expected HTTP 200 {expected!r}, found {found}", expected=expected, found=found)
    return f"{what}: HTTP 200 {' '.join(answer.body.split())[:60]!r}"


def expect_not_body(answer: Answer, unwanted: str, what: str) -> str:
    """Passes when the answer does not carry `unwanted` (any status; no answer counts as not)."""
    if answer.status == 200 and unwanted in answer.body:
        raise Failed(f"{what}: expected not to reach {unwanted!r}, found {answer.describe()}",
                     expected=f"not {unwanted!r}", found=answer.describe())
    return f"{what}: {answer.describe()}"
