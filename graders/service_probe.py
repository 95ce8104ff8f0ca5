"""Service checks graded by behaviour: requests and DNS lookups made from a short-lived probe pod.

    with probe_pod(ctx.kube, "lab-x") as probe:       # a busybox pod in the lab's namespace
        body = http_answers(probe, "http://web.lab-x.svc.cluster.local:8080/", "kubelab web v1")
        answer = dns_lookup(probe, fqdn(probe.kube, "web", "lab-x"))

The probe pod is made for one check and deleted when the check ends, passed, failed or broken
(`with`), and it stops by itself after `DEADLINE` seconds should the delete be lost. It carries
only the label `PROBE_LABEL` (no app labels: no Service selects it, and a record leaves it out).
Every request and lookup has a bounded timeout (busybox `timeout`, and the exec's own).

Names are written as a client in the lab's namespace would: under `kubelab autograde` the lab's
namespace is mapped to a replay namespace (`Kube.namespaces`), and `fqdn()` uses the mapped one.
The parsing of busybox's nslookup output is pure (`parse_nslookup`) and unit-tested.
"""

from __future__ import annotations

import re
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field as dc_field
from typing import Iterator

from kubelab.graders.errors import Failed, InfraError
from kubelab.graders.network import PROBE_LABEL  # one label for every probe pod

PROBE_IMAGE = "busybox"            # catalog key (cluster/images.yaml)
DEADLINE = 180                     # activeDeadlineSeconds: a lost probe stops by itself
START_TIMEOUT = 40.0               # seconds for the probe pod to run
REQUEST_TIMEOUT = 5                # seconds for one request or lookup (busybox `timeout`)
CLUSTER_DOMAIN = "cluster.local"


def probe_manifest(name: str, namespace: str, image: str) -> dict:
    """The probe pod: busybox sleeping, tiny requests, nothing a Pod Security level or a quota refuses."""
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {PROBE_LABEL: "true"}},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "activeDeadlineSeconds": DEADLINE,
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "containers": [{
                "name": "probe", "image": image, "command": ["sleep", str(DEADLINE)],
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                              "limits": {"cpu": "100m", "memory": "32Mi"}},
                "securityContext": {"allowPrivilegeEscalation": False},
            }],
        },
    }


@dataclass
class Probe:
    """A running probe pod: `namespace` is the lab's (the reader maps it), `real_namespace` the pod's."""
    kube: object
    namespace: str
    name: str
    real_namespace: str
    log: list[str] = dc_field(default_factory=list)

    def run(self, command: list[str], timeout: int = REQUEST_TIMEOUT) -> tuple[int, str, str]:
        """`timeout N command...` in the probe: (exit code, stdout, stderr); 143 when it timed out."""
        argv = ["timeout", str(timeout), *command]
        rc, out, err = self.kube.exec(self.namespace, self.name, argv, timeout=timeout + 5.0)
        self.log.append(f"$ {' '.join(argv)} -> exit {rc}")
        return rc, out, err


def real_namespace(kube, namespace: str) -> str:
    """The namespace the reader actually reads for the lab's `namespace` (a replay's, or itself)."""
    return (getattr(kube, "namespaces", None) or {}).get(namespace, namespace)


def fqdn(kube, service: str, namespace: str, pod: str | None = None) -> str:
    """`service.ns.svc.cluster.local` (or `pod.service.ns.svc.cluster.local`) in the namespace really read."""
    name = f"{service}.{real_namespace(kube, namespace)}.svc.{CLUSTER_DOMAIN}"
    return f"{pod}.{name}" if pod else name


def _core(kube):
    try:
        return kube.api("CoreV1Api")
    except Failed:
        raise
    except Exception as exc:  # no API object (a record's reader): not the student's fault
        raise InfraError(f"cannot start a probe pod: {exc}") from exc


def _image() -> str:
    from kubelab.cluster.api import lab_image

    return lab_image(PROBE_IMAGE)


@contextmanager
def probe_pod(kube, namespace: str, start_timeout: float = START_TIMEOUT) -> Iterator[Probe]:
    """Create a probe pod in `namespace` (mapped as the reader maps it), wait until it runs, yield it,
    and delete it afterwards whatever happened."""
    from kubernetes.client.exceptions import ApiException

    core = _core(kube)
    ns = real_namespace(kube, namespace)
    name = f"kubelab-probe-{secrets.token_hex(3)}"
    try:
        core.create_namespaced_pod(ns, probe_manifest(name, ns, _image()), _request_timeout=10)
    except ApiException as exc:
        reason = f"{exc.status} {exc.reason}"
        if exc.status in (403, 404, 422):  # namespace gone, quota full, refused by admission
            raise Failed(f"cannot start a probe pod in namespace {ns}: {reason}",
                         expected="a probe pod", found=reason) from exc
        raise InfraError(f"creating a probe pod in {ns} failed: {reason}") from exc
    try:
        _wait_running(core, ns, name, start_timeout)
        yield Probe(kube=kube, namespace=namespace, name=name, real_namespace=ns)
    finally:
        try:
            core.delete_namespaced_pod(name, ns, grace_period_seconds=0, _request_timeout=10)
        except Exception:
            pass  # activeDeadlineSeconds ends it anyway; the namespace's reset removes it


def _wait_running(core, ns: str, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    phase, why = "Pending", ""
    while time.monotonic() < deadline:
        pod = core.read_namespaced_pod(name, ns, _request_timeout=10)
        phase = pod.status.phase or "Pending"
        statuses = pod.status.container_statuses or []
        if phase == "Running" and statuses and statuses[0].state.running:
            return
        if phase in ("Failed", "Succeeded"):
            break
        waiting = statuses[0].state.waiting if statuses and statuses[0].state else None
        why = f" ({waiting.reason})" if waiting and waiting.reason else ""
        time.sleep(0.3)
    raise InfraError(f"probe pod {ns}/{name} did not start within {timeout:g} s: {phase}{why}",
                     "see `kubectl get events -n " + ns + "`; is the busybox image on the nodes (`kubelab doctor`)?")


# ---- requests ----------------------------------------------------------------------------------

def http_get(probe: Probe, url: str) -> tuple[int, str]:
    """(exit code, body or error text) of `wget -qO- URL` from the probe (0 = an HTTP 2xx answer)."""
    rc, out, err = probe.run(["wget", "-qO-", url])
    return rc, (out if rc == 0 else (err or out)).strip()


def describe_failure(rc: int, text: str) -> str:
    """What a failed wget means, in words."""
    if rc == 143 or rc == 124:
        return f"no answer within {REQUEST_TIMEOUT} s (nothing listens behind that address and port?)"
    if "bad address" in text:
        return "the name does not resolve (bad address)"
    if "refused" in text:
        return "connection refused"
    return f"wget exit {rc}: {text[:100]}" if text else f"wget exit {rc}"


def http_answers(probe: Probe, url: str, expected: str) -> str:
    """Passes when `url`, requested from the probe pod, answers with a body containing `expected`."""
    rc, text = http_get(probe, url)
    if rc != 0 or expected not in text:
        found = repr(text[:80]) if rc == 0 else describe_failure(rc, text)
        raise Failed(f"{url} from a pod in the namespace: expected {expected!r}, found {found}",
                     expected=expected, found=found)
    return f"{url} answers {text[:40]!r}"


def http_refused(probe: Probe, url: str) -> str:
    """Passes when `url` gives no HTTP answer from the probe pod (what must *not* work)."""
    rc, text = http_get(probe, url)
    if rc == 0:
        raise Failed(f"{url}: expected no answer, found {text[:60]!r}", expected="no answer", found=text[:60])
    return f"{url}: no answer ({describe_failure(rc, text)})"


# ---- DNS -----------------------------------------------------------------------------------------

@dataclass
class Lookup:
    """What busybox nslookup said about one name."""
    name: str
    addresses: list[str]
    cnames: list[str]          # canonical names, in the order the answer gave them
    nxdomain: bool


_CNAME = re.compile(r"^(\S+)\s+canonical name = (\S+?)\.?$")
_NAME = re.compile(r"^Name:\s+(\S+?)\.?$")
_ADDR = re.compile(r"^Address(?:\s+\d+)?:\s+(\S+)$")


def parse_nslookup(name: str, text: str) -> Lookup:
    """Parse busybox nslookup's output: the server header (`Server:` / `Address: IP:53`) is skipped,
    `X canonical name = Y` lines give CNAMEs, `Address:` lines after a `Name:` give the answers."""
    addresses, cnames = [], []
    in_answer = False
    nxdomain = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("Server:"):
            in_answer = False
            continue
        if "NXDOMAIN" in line or "can't find" in line:
            nxdomain = nxdomain or "NXDOMAIN" in line
            continue
        m = _CNAME.match(line)
        if m:
            cnames.append(m.group(2).rstrip("."))
            continue
        if _NAME.match(line):
            in_answer = True
            continue
        m = _ADDR.match(line)
        if m and in_answer:
            addr = m.group(1)
            if addr not in addresses:
                addresses.append(addr)
    return Lookup(name=name, addresses=addresses, cnames=cnames, nxdomain=nxdomain and not addresses)


def dns_lookup(probe: Probe, name: str, record: str = "a") -> Lookup:
    """Look `name` up from the probe pod (absolute: a trailing dot, so no search domain is tried)."""
    absolute = name if name.endswith(".") else name + "."
    rc, out, err = probe.run(["nslookup", f"-type={record}", absolute])
    if rc in (124, 143):
        raise Failed(f"nslookup {name}: no answer within {REQUEST_TIMEOUT} s from the cluster DNS",
                     expected="an answer", found="timeout")
    return parse_nslookup(name.rstrip("."), out + "\n" + err)


def resolves_to(probe: Probe, name: str, expected: set[str], what: str = "") -> str:
    """Passes when `name` resolves to exactly the addresses `expected` (as a set)."""
    got = dns_lookup(probe, name)
    found = set(got.addresses)
    if found != set(expected):
        shown = ", ".join(sorted(found)) or ("NXDOMAIN" if got.nxdomain else "no address")
        raise Failed(f"{name}{' (' + what + ')' if what else ''}: expected {', '.join(sorted(expected))}, "
                     f"found {shown}", expected=", ".join(sorted(expected)), found=shown)
    return f"{name} -> {', '.join(sorted(found))}"


# ---- what the API says the Service should reach -------------------------------------------------

def ready_pod_ips(kube, namespace: str, kind: str, name: str) -> dict[str, str]:
    """{pod name: pod IP} of the ready pods of a Deployment or StatefulSet (by its selector)."""
    from kubelab.graders import k8s, workloads_extra
    from kubelab.graders.fields import field

    owner = k8s.must_get(kube, kind, name, namespace)
    pods = workloads_extra.pods_matching(kube, namespace, field(owner, "spec.selector.matchLabels") or {})
    return {p["metadata"]["name"]: field(p, "status.podIP") for p in pods
            if k8s._ready(p) and field(p, "status.podIP")}


def endpoint_ports(kube, namespace: str, service: str) -> set[tuple[str, int]]:
    """(port name, target port number) pairs the Service's EndpointSlices list ("" for an unnamed port)."""
    out = set()
    for s in kube.list("EndpointSlice", namespace, f"kubernetes.io/service-name={service}"):
        for p in s.get("ports") or []:
            if p.get("port") is not None:
                out.add((p.get("name") or "", int(p["port"])))
    return out


def service_ports(svc: dict) -> set[tuple[str, int]]:
    """(name, port) pairs of a Service's spec.ports ("" for an unnamed port)."""
    return {((p.get("name") or ""), int(p["port"])) for p in (svc.get("spec") or {}).get("ports") or []
            if p.get("port") is not None}


def show_ports(ports: set[tuple[str, int]]) -> str:
    return ", ".join(f"{n or '(unnamed)'}={p}" for n, p in sorted(ports, key=lambda x: (x[1], x[0]))) or "none"
