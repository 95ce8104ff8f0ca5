"""Access primitives: who may do what (SubjectAccessReview, a ServiceAccount's own token), what
admission lets in (server-side dry-run create), and what a running process really is (uid,
capabilities, no_new_privs, seccomp from /proc/<pid>/status).

Writes go through `post(kube, path, body)`: the reader's own client and namespace mapping (a
replay's namespace stands in for the lab's). A test reader may define `post(path, body, query)`
itself. Dry-run creates persist nothing; a token requested for a ServiceAccount lives 10 minutes,
is used once and never appears in a message.
"""

from __future__ import annotations

import copy
import json
from typing import Iterable

from kubelab.graders.errors import Failed, InfraError

SAR_PATH = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
TOKEN_SECONDS = 600


# ---- plumbing -------------------------------------------------------------------------------------

def _ns(kube, namespace: str | None) -> str | None:
    return getattr(kube, "namespaces", {}).get(namespace, namespace)


def _request(kube, api, method: str, path: str, body=None, query=()) -> tuple[int, dict]:
    try:
        m, url, headers, data, post = api.param_serialize(method=method, resource_path=path,
                                                          query_params=list(query),
                                                          header_params={"Accept": "application/json",
                                                                         "Content-Type": "application/json"},
                                                          body=body, auth_settings=["BearerToken"])
        resp = api.call_api(m, url, headers, data, post, _request_timeout=kube.request_timeout)
        raw = resp.read()
    except InfraError:
        raise
    except Exception as exc:
        raise kube._infra(exc) from exc
    try:
        out = json.loads(raw) if raw else {}
    except ValueError:
        out = {"message": raw[:200].decode(errors="replace") if isinstance(raw, bytes) else str(raw)[:200]}
    if resp.status >= 500:
        raise InfraError(f"the Kubernetes API answered {resp.status} to {method} {path}: "
                         f"{str(out.get('message', ''))[:160]}")
    return resp.status, out if isinstance(out, dict) else {}


def post(kube, path: str, body: dict, query: Iterable = ()) -> tuple[int, dict]:
    """POST body to path with the reader's credentials: (HTTP status, JSON body). Raises InfraError
    (unreachable, timeout, 5xx); 4xx answers are returned for the caller to judge."""
    if hasattr(kube, "post"):
        return kube.post(path, body, list(query))
    return _request(kube, kube.client(), "POST", path, body, query)


# ---- who may do what ------------------------------------------------------------------------------

def sa_user(namespace: str, sa: str) -> str:
    return f"system:serviceaccount:{namespace}:{sa}"


def can(kube, namespace: str, sa: str, verb: str, resource: str, group: str = "",
        subresource: str = "") -> bool:
    """What `kubectl auth can-i VERB RESOURCE -n NS --as system:serviceaccount:NS:SA` answers, asked as
    a SubjectAccessReview with the ServiceAccount's user and groups (so group bindings count too)."""
    ns = _ns(kube, namespace)
    attrs = {"namespace": ns, "verb": verb, "resource": resource, "group": group}
    if subresource:
        attrs["subresource"] = subresource
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": {"user": sa_user(ns, sa), "resourceAttributes": attrs,
                     "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"]}}
    status, out = post(kube, SAR_PATH, body)
    if status not in (200, 201):
        raise InfraError(f"SubjectAccessReview answered {status}: {str(out.get('message', ''))[:160]}")
    return bool((out.get("status") or {}).get("allowed"))


def _what(verb: str, resource: str, group: str) -> str:
    return f"{verb} {resource}" + (f".{group}" if group else "")


def access_is(kube, namespace: str, sa: str, allowed: Iterable[tuple], denied: Iterable[tuple] = ()) -> str:
    """ServiceAccount sa may do every (verb, resource[, group]) of `allowed` and none of `denied`.
    Raises Failed naming each difference (`list pods: expected allowed, found denied`)."""
    wrong, seen = [], []
    for want, items in ((True, allowed), (False, denied)):
        for item in items:
            verb, resource, group = (tuple(item) + ("",))[:3]
            got = can(kube, namespace, sa, verb, resource, group)
            seen.append(f"{_what(verb, resource, group)} {'yes' if got else 'no'}")
            if got != want:
                wrong.append(f"{_what(verb, resource, group)}: expected {'allowed' if want else 'denied'}, "
                             f"found {'allowed' if got else 'denied'}")
    who = f"serviceaccount {namespace}/{sa}"
    if wrong:
        raise Failed(f"{who} (`kubectl auth can-i ... --as {sa_user(namespace, sa)}`): " + "; ".join(wrong),
                     expected="as the task says", found="; ".join(wrong))
    return f"{who}: " + ", ".join(seen)


def request_token(kube, namespace: str, sa: str, seconds: int = TOKEN_SECONDS) -> str:
    """A short-lived token of the ServiceAccount (TokenRequest, as `kubectl create token`). Never log it."""
    ns = _ns(kube, namespace)
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"expirationSeconds": int(seconds)}}
    status, out = post(kube, f"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token", body)
    if status == 404:
        raise Failed(f"serviceaccount {namespace}/{sa}: expected to exist, found nothing",
                     expected="a ServiceAccount", found="nothing")
    if status not in (200, 201):
        raise InfraError(f"TokenRequest for {namespace}/{sa} answered {status}: {str(out.get('message', ''))[:160]}")
    token = (out.get("status") or {}).get("token")
    if not token:
        raise InfraError(f"TokenRequest for {namespace}/{sa} returned no token")
    return token


def token_client(kube, token: str):
    """An ApiClient that speaks as the bearer of token (same server and CA, no client certificate)."""
    from kubernetes import client

    cfg = copy.copy(kube.client().configuration)
    cfg.cert_file = cfg.key_file = None
    cfg.api_key = {"authorization": f"Bearer {token}"}
    cfg.api_key_prefix = {}
    return client.ApiClient(cfg)


def as_token(kube, namespace: str, sa: str, method: str, path: str, body=None, query=()) -> int:
    """HTTP status of one request made with the ServiceAccount's own token (from outside a pod, as a
    pod using its mounted token would). A test reader may define `as_sa(sa, method, path, body, query)`."""
    if hasattr(kube, "as_sa"):
        return kube.as_sa(sa, method, path, body, list(query))
    token = request_token(kube, namespace, sa)
    api = token_client(kube, token)
    try:
        status, _ = _request(kube, api, method, path, body, query)
    finally:
        api.close()
        del token
    return status


# ---- what admission lets in -----------------------------------------------------------------------

def dry_run_create(kube, namespace: str, manifest: dict) -> tuple[bool, str, dict]:
    """Create manifest in namespace with `dryRun=All` (nothing persists): (admitted, the API's reason
    when refused, the object as admission made it). Raises InfraError (unreachable, 5xx)."""
    from kubelab.graders.k8s import Kube

    ns = _ns(kube, namespace)
    obj = copy.deepcopy(manifest)
    obj.setdefault("metadata", {})["namespace"] = ns
    status, out = post(kube, Kube.path(obj["kind"], None, ns), obj, [("dryRun", "All")])
    if status in (200, 201):
        return True, "", out
    return False, f"{out.get('reason') or status}: {str(out.get('message', ''))[:240]}", out


def admitted(kube, namespace: str, manifest: dict, what: str) -> str:
    ok, why, _ = dry_run_create(kube, namespace, manifest)
    if not ok:
        raise Failed(f"{what} (`kubectl create --dry-run=server`): expected admitted, found refused ({why})",
                     expected="admitted", found=f"refused ({why})")
    return f"{what}: admitted"


def refused(kube, namespace: str, manifest: dict, what: str, because: str = "") -> str:
    """The dry-run create is refused (and, with because, the API's reason contains that text)."""
    ok, why, _ = dry_run_create(kube, namespace, manifest)
    if ok:
        raise Failed(f"{what} (`kubectl create --dry-run=server`): expected refused, found admitted",
                     expected="refused", found="admitted")
    if because and because.lower() not in why.lower():
        raise Failed(f"{what}: expected refused by {because}, found refused for another reason ({why})",
                     expected=f"refused by {because}", found=why)
    return f"{what}: refused ({why[:120]})"


# ---- what a process really is ---------------------------------------------------------------------

def proc_status(text: str) -> dict[str, str]:
    """`/proc/<pid>/status` as {field: value} (`Uid: 1000 1000 1000 1000` -> {"Uid": "1000 1000 1000 1000"})."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = " ".join(value.split())
    return out


def effective_uid(status: dict[str, str]) -> int | None:
    try:
        return int(status["Uid"].split()[1])
    except (KeyError, IndexError, ValueError):
        return None


def capabilities(status: dict[str, str], which: str = "CapEff") -> int | None:
    """A capability set as a bitmask (0 = none), or None when the field is missing or unreadable."""
    try:
        return int(status[which], 16)
    except (KeyError, ValueError):
        return None


# capability numbers (linux/capability.h) of the names a lab may speak of
CAP_NUMBERS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "DAC_READ_SEARCH": 2, "FOWNER": 3, "FSETID": 4, "KILL": 5,
               "SETGID": 6, "SETUID": 7, "SETPCAP": 8, "LINUX_IMMUTABLE": 9, "NET_BIND_SERVICE": 10,
               "NET_BROADCAST": 11, "NET_ADMIN": 12, "NET_RAW": 13, "IPC_LOCK": 14, "IPC_OWNER": 15,
               "SYS_MODULE": 16, "SYS_RAWIO": 17, "SYS_CHROOT": 18, "SYS_PTRACE": 19, "SYS_PACCT": 20,
               "SYS_ADMIN": 21, "SYS_BOOT": 22, "SYS_NICE": 23, "SYS_RESOURCE": 24, "SYS_TIME": 25,
               "SYS_TTY_CONFIG": 26, "MKNOD": 27, "LEASE": 28, "AUDIT_WRITE": 29, "AUDIT_CONTROL": 30,
               "SETFCAP": 31}


def cap_names(mask: int) -> list[str]:
    """The names of the capabilities in a bitmask (unknown bits as cap_N)."""
    names = {v: k for k, v in CAP_NUMBERS.items()}
    return [names.get(bit, f"cap_{bit}") for bit in range(64) if mask >> bit & 1]


def read_proc_status(kube, namespace: str, pod: str, container: str | None = None) -> dict[str, str]:
    """The container's main process (PID 1) as /proc/1/status shows it, read through exec."""
    rc, out, err = kube.exec(namespace, pod, ["cat", "/proc/1/status"], container=container)
    if rc != 0 or "Uid:" not in out:
        raise Failed(f"pod {pod}: could not read /proc/1/status (exit {rc}: {(err or out).strip()[:120]})",
                     expected="a readable /proc/1/status", found=f"exit {rc}")
    return proc_status(out)


def mount_options(mounts: str, path: str = "/") -> list[str] | None:
    """The options of the mount at path in a /proc/<pid>/mounts text (the last one mounted there wins),
    or None when nothing is mounted there."""
    found = None
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == path:
            found = parts[3].split(",")
    return found


def root_read_only(kube, namespace: str, pod: str, container: str | None = None) -> str:
    """The container's root filesystem is mounted read-only (as /proc/1/mounts shows it: a write test
    alone cannot tell, since a non-root user may not write to / on a writable root either)."""
    rc, out, err = kube.exec(namespace, pod, ["cat", "/proc/1/mounts"], container=container)
    opts = mount_options(out) if rc == 0 else None
    if opts is None:
        raise Failed(f"pod {pod}: could not read the mount of / (exit {rc}: {(err or out).strip()[:120]})",
                     expected="a readable /proc/1/mounts", found=f"exit {rc}")
    if "ro" not in opts:
        raise Failed(f"pod {pod}: root filesystem expected mounted read-only (ro), found {opts[0]}",
                     expected="ro", found=opts[0])
    return f"pod {pod}: / is mounted ro"


def write_fails(kube, namespace: str, pod: str, path: str, container: str | None = None) -> str:
    """Writing a file at path in the container fails (a read-only filesystem there); a probe file the
    write did make is removed again."""
    script = f"if touch {path} 2>/dev/null; then rm -f {path}; echo WROTE; else echo DENIED; fi"
    rc, out, err = kube.exec(namespace, pod, ["sh", "-c", script], container=container)
    if "DENIED" in out:
        return f"pod {pod}: writing {path} fails"
    if "WROTE" in out:
        raise Failed(f"pod {pod}: writing {path}: expected to fail (read-only root filesystem), found it works",
                     expected="write refused", found="written")
    raise Failed(f"pod {pod}: could not test a write to {path} (exit {rc}: {(err or out).strip()[:120]})",
                 expected="a shell in the container", found=f"exit {rc}")
