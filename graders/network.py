"""Who can reach whom: connectivity probes for NetworkPolicy labs.

A check starts short-lived probe pods (the catalog's busybox) carrying the labels a task names, in
the lab's namespace (the replay's namespace under `kubelab autograde`: the reader maps it), asks
them to fetch a URL or resolve a name, and deletes them again, also when the check fails or times
out. Every probe is bounded: the pod lives at most PROBE_LIFETIME seconds (activeDeadlineSeconds)
even if the grader dies, and every command runs under `timeout`.

The NetworkPolicy agent applies a policy (or a new pod's address) a moment after the API has it,
so `expect_reach` retries until the request gets through and `expect_blocked` retries until it is
blocked, each within a bounded window: what counts is where the network settles. A new pod that a
policy selects is the exception: until the agent has given it its own firewall chain, everything it
sends goes through (kube-router lets a pod's traffic pass until its policies are applied), so a
request that should be blocked would be counted as an answer. `probe_pods` therefore waits, for
every probe pod some policy of the namespace selects, until the agent on its node has a rule naming
the pod's address (`iptables-save` on the node), before any request is made.
"""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from kubelab.graders.errors import Failed, InfraError

PROBE_LABEL = "kubelab.io/probe"   # on every probe pod; records leave such pods out, replays refuse the label
PROBE_LIFETIME = 180               # seconds a probe pod may live, whatever happens to the grader
REQUEST_TIMEOUT = 3                # seconds one request may take (busybox wget's own -T crashes: `timeout`)
START_TIMEOUT = 60                 # seconds a probe pod may take to run
AGENT_TIMEOUT = 30                 # seconds the NetworkPolicy agent may take to firewall a new probe pod


@dataclass(frozen=True)
class Attempt:
    """One request from a probe pod: did it get an answer, and what was seen."""
    ok: bool
    detail: str


def classify_http(rc: int, out: str, err: str, expected: str | None = None) -> Attempt:
    """`timeout N wget -qO- URL` as seen from a probe: answered (with the expected text, when given),
    or why not (timed out: dropped by a policy; refused; name not resolved; an HTTP error)."""
    body = (out or "").strip()
    text = " ".join(((err or "") + " " + (out or "")).split())
    if rc == 0:
        if expected is not None and expected not in body:
            return Attempt(False, f"answered {body[:60]!r}, not {expected!r}")
        return Attempt(True, f"answered {body[:60]!r}")
    if rc in (124, 143) or "timed out" in text:
        return Attempt(False, f"no answer within {REQUEST_TIMEOUT} s (timed out)")
    if "bad address" in text or "resolve" in text:
        return Attempt(False, f"the name did not resolve ({text[:80]})")
    if "refused" in text:
        return Attempt(False, "connection refused")
    if "server returned error" in text:
        return Attempt(True, f"answered with an HTTP error ({text[:80]})")
    return Attempt(False, f"wget exit {rc}: {text[:80]}")


def classify_lookup(rc: int, out: str, err: str) -> Attempt:
    """`timeout N nslookup NAME` from a probe: resolved (an address after the server lines) or not."""
    lines = [ln.strip() for ln in (out or "").splitlines()]
    # busybox prints "Server:"/"Address: <server>" first, then "Name:"/"Address: <answer>"
    after_name = False
    for ln in lines:
        if ln.startswith("Name:"):
            after_name = True
        elif after_name and ln.startswith("Address"):
            return Attempt(True, f"resolved to {ln.split(':', 1)[1].strip()}")
    text = " ".join(((err or "") + " " + (out or "")).split())
    if rc in (124, 143) or "timed out" in text:
        return Attempt(False, f"no DNS answer within {REQUEST_TIMEOUT} s (timed out)")
    return Attempt(False, f"not resolved (nslookup exit {rc}: {text[:80]})")


def http_command(url: str) -> list[str]:
    return ["timeout", str(REQUEST_TIMEOUT), "wget", "-qO-", url]


def lookup_command(name: str) -> list[str]:
    return ["timeout", str(REQUEST_TIMEOUT), "nslookup", name]


# ---- probe pods -------------------------------------------------------------------------------

def probe_manifest(name: str, labels: dict[str, str], image: str, purpose: str) -> dict:
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "labels": {**labels, PROBE_LABEL: purpose[:63].strip("-.") or "probe"}},
        "spec": {
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 0,
            "activeDeadlineSeconds": PROBE_LIFETIME,
            "automountServiceAccountToken": False,
            "containers": [{"name": "probe", "image": image, "imagePullPolicy": "IfNotPresent",
                            "command": ["sleep", str(PROBE_LIFETIME)],
                            "resources": {"requests": {"cpu": "10m", "memory": "8Mi"},
                                          "limits": {"cpu": "100m", "memory": "32Mi"}}}],
        },
    }


def _pods_path(kube, namespace: str, name: str | None = None) -> str:
    return kube.path("Pod", name, namespace)


def _wait_running(kube, namespace: str, name: str, deadline: float) -> dict:
    """The pod once it runs and is ready."""
    phase = "?"
    while time.monotonic() < deadline:
        status, pod = kube.rest("GET", _pods_path(kube, namespace, name))
        if status != 200:
            raise InfraError(f"probe pod {name}: the API answered {status} {pod.get('message', '')[:200]}")
        st = pod.get("status") or {}
        phase = st.get("phase") or "?"
        statuses = st.get("containerStatuses") or []
        if phase == "Running" and statuses and all(s.get("ready") for s in statuses):
            return pod
        if phase in ("Failed", "Succeeded"):
            break
        time.sleep(0.3)
    raise InfraError(f"probe pod {name} did not run within {START_TIMEOUT} s (phase {phase}): look at "
                     f"`kubectl get pod {name} -n {namespace}` and its events")


@contextmanager
def probe_pods(kube, namespace: str, specs: dict[str, dict[str, str]], image: str,
               purpose: str = "probe") -> Iterator[dict[str, str]]:
    """Start one probe pod per entry of specs ({role: labels}) in the lab namespace `namespace`
    (mapped for a replay), wait until all run, yield {role: pod name}, and delete them on the way out,
    whatever happened. Raises InfraError when a pod cannot be created or does not start."""
    real_ns = kube.namespaces.get(namespace, namespace)
    suffix = uuid.uuid4().hex[:5]
    names = {role: f"kubelab-probe-{role}-{suffix}"[:63] for role in specs}
    created: list[str] = []
    try:
        for role, labels in specs.items():
            status, answer = kube.rest("POST", _pods_path(kube, real_ns),
                                   probe_manifest(names[role], labels, image, purpose))
            if status not in (200, 201, 202):
                raise InfraError(f"could not start the probe pod {names[role]} in {real_ns}: the API answered "
                                 f"{status} {str(answer.get('message', ''))[:200]}")
            created.append(names[role])
        deadline = time.monotonic() + START_TIMEOUT
        running = {name: _wait_running(kube, real_ns, name, deadline) for name in created}
        policies = kube.list("NetworkPolicy", namespace)
        selected = [names[role] for role, labels in specs.items()
                    if selecting_policies(policies, {**labels, PROBE_LABEL: "probe"})]
        if selected:
            _wait_firewalled([running[n] for n in selected], time.monotonic() + AGENT_TIMEOUT)
        yield names
    finally:
        for name in created:
            try:
                kube.rest("DELETE", _pods_path(kube, real_ns, name), query=[("gracePeriodSeconds", "0")])
            except Exception:
                pass  # the API went away: activeDeadlineSeconds ends the pod anyway


def firewalled(iptables_save: str, ip: str) -> bool:
    """Does a node's filter table (`iptables-save -t filter`) hold a rule for the pod with address ip?
    kube-router jumps a selected pod's traffic to the pod's own chain by rules naming the address
    (`-s IP/32` for what it sends, `-d IP/32` for what it receives)."""
    return any(f"{flag} {ip}/32 " in line for line in iptables_save.splitlines() for flag in ("-s", "-d"))


def _node_filter_table(node: str) -> tuple[int, str]:
    """`iptables-save -t filter` on a kind node, through the Docker engine itself (not the reader: a
    Submit cell's recording reader would keep the node's whole table in the student's record)."""
    from kubelab.graders.docker_engine import Docker

    try:
        return Docker().exec(node, ["iptables-save", "-t", "filter"])
    except Failed as exc:  # no such node container: the caller's InfraError says so
        return 1, str(exc)


def _wait_firewalled(pods: list[dict], deadline: float, table=_node_filter_table) -> None:
    """Wait until the NetworkPolicy agent on each pod's node has a rule for the pod's address (it would
    otherwise let the pod's first requests through whatever the policies say). Raises InfraError."""
    for pod in pods:
        name = pod["metadata"]["name"]
        node = (pod.get("spec") or {}).get("nodeName") or ""
        ip = (pod.get("status") or {}).get("podIP") or ""
        while True:
            rc, out = table(node)
            if rc == 0 and firewalled(out, ip):
                break
            seen = "" if rc == 0 else f"; iptables-save on {node} failed: {out.strip()[:200]}"
            if time.monotonic() >= deadline:
                raise InfraError(
                    f"the NetworkPolicy agent on {node} did not take in probe pod {name} ({ip}) within "
                    f"{AGENT_TIMEOUT} s{seen}: look at `kubectl -n kube-system logs -l k8s-app=kubelab-netpol` "
                    f"and `docker exec {node} iptables-save -t filter`")
            time.sleep(0.3)


# ---- requests -----------------------------------------------------------------------------------

def http_from(kube, namespace: str, pod: str, url: str, expected: str | None = None) -> Attempt:
    rc, out, err = kube.exec(namespace, pod, http_command(url), timeout=REQUEST_TIMEOUT + 7)
    return classify_http(rc, out, err, expected)


def lookup_from(kube, namespace: str, pod: str, name: str) -> Attempt:
    rc, out, err = kube.exec(namespace, pod, lookup_command(name), timeout=REQUEST_TIMEOUT + 7)
    return classify_lookup(rc, out, err)


def _settle(attempt_fn, want_ok: bool, within: float, pause: float = 1.0) -> tuple[Attempt, int]:
    """Repeat attempt_fn until its outcome is want_ok or `within` seconds passed.
    Returns the last attempt and how many were made."""
    deadline = time.monotonic() + within
    n = 0
    while True:
        attempt = attempt_fn()
        n += 1
        if attempt.ok == want_ok or time.monotonic() + pause >= deadline:
            return attempt, n
        time.sleep(pause)


def expect_reach(kube, namespace: str, pod: str, url: str, expected: str | None = None, *,
                 who: str, within: float = 15) -> str:
    """The request from `pod` gets an answer (containing `expected`) within `within` seconds."""
    attempt, n = _settle(lambda: http_from(kube, namespace, pod, url, expected), True, within)
    if not attempt.ok:
        raise Failed(f"{url} from {who}: expected an answer{f' with {expected!r}' if expected else ''}, found "
                     f"{attempt.detail} ({n} tries over {within:g} s)", expected="an answer", found=attempt.detail)
    return f"{url} from {who}: {attempt.detail}"


def expect_blocked(kube, namespace: str, pod: str, url: str, *, who: str, within: float = 12) -> str:
    """The request from `pod` is blocked (no answer) once the agent has caught up: within `within`
    seconds an attempt gets no answer. A name that does not resolve counts as blocked only when
    the caller uses an address (blocked checks should name their target by IP)."""
    attempt, n = _settle(lambda: http_from(kube, namespace, pod, url), False, within, pause=2.0)
    if attempt.ok:
        raise Failed(f"{url} from {who}: expected to be blocked, found it {attempt.detail} ({n} tries over "
                     f"{within:g} s)", expected="blocked", found=attempt.detail)
    return f"{url} from {who}: blocked ({attempt.detail})"


def expect_lookup(kube, namespace: str, pod: str, name: str, *, who: str, within: float = 15) -> str:
    attempt, n = _settle(lambda: lookup_from(kube, namespace, pod, name), True, within)
    if not attempt.ok:
        raise Failed(f"DNS lookup of {name} from {who}: expected an address, found {attempt.detail} "
                     f"({n} tries over {within:g} s)", expected="an address", found=attempt.detail)
    return f"DNS lookup of {name} from {who}: {attempt.detail}"


def service_ip(kube, namespace: str, name: str) -> str:
    """The ClusterIP of a Service (blocked checks target addresses, not names)."""
    from kubelab.graders import k8s

    svc = k8s.must_get(kube, "Service", name, namespace)
    ip = (svc.get("spec") or {}).get("clusterIP")
    if not ip or ip == "None":
        raise Failed(f"service {name}: expected a cluster IP, found {ip or 'none'}", expected="a cluster IP",
                     found=str(ip))
    return ip


# ---- which policies select a pod (pure: the API's own rules) ---------------------------------------

def selector_matches(selector: dict | None, labels: dict[str, str]) -> bool:
    """Does a LabelSelector (matchLabels / matchExpressions; `{}` selects everything) match a label set?"""
    from kubelab.graders.meaning import selector_requirements

    for key, op, values in selector_requirements(selector or {}):
        have = key in labels
        if op == "In" and not (have and labels[key] in values):
            return False
        if op == "NotIn" and have and labels[key] in values:
            return False
        if op == "Exists" and not have:
            return False
        if op == "DoesNotExist" and have:
            return False
    return True


def policy_types(policy: dict) -> set[str]:
    """spec.policyTypes, or what the API defaults it to: Ingress always, Egress when egress rules exist."""
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return {str(t) for t in types}
    return {"Ingress", "Egress"} if spec.get("egress") else {"Ingress"}


def isolating_policies(policies: list[dict], labels: dict[str, str], direction: str) -> list[str]:
    """Names of the policies that select a pod with these labels for `direction` (Ingress or Egress):
    once one does, only what some selecting policy allows gets through in that direction."""
    return sorted(p["metadata"]["name"] for p in policies
                  if direction in policy_types(p)
                  and selector_matches((p.get("spec") or {}).get("podSelector"), labels))


def selecting_policies(policies: list[dict], labels: dict[str, str]) -> list[str]:
    """Names of the policies that select a pod with these labels, in either direction."""
    return sorted({*isolating_policies(policies, labels, "Ingress"), *isolating_policies(policies, labels, "Egress")})


def expect_isolated(kube, namespace: str, labels: dict[str, str], direction: str, who: str) -> str:
    """Some NetworkPolicy of the namespace selects pods labelled `labels` for `direction`: the probe
    pods this module starts with those labels (they carry PROBE_LABEL too, which a replay's own fence
    leaves out), so the verdict agrees with what the probes then see."""
    names = isolating_policies(kube.list("NetworkPolicy", namespace), {**labels, PROBE_LABEL: "probe"}, direction)
    if not names:
        raise Failed(f"{who}: expected a NetworkPolicy selecting them for {direction}, found none",
                     expected=f"a policy with {direction} selecting them", found="none")
    return f"{who}: selected for {direction} by {', '.join(names)}"
