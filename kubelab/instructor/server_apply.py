"""Server-side apply of one manifest through the API, optionally as another identity.

What `kubectl apply [--as USER] -f -` did for a replay, in the process that asks: kubectl cost a
process start, a discovery read and about 0.13-0.3 s of CPU per object, and a class replay applies
every object of every record. The API server does the same work either way: it creates the object
or merges it into the one there (the namespace's `default` ServiceAccount), validates it strictly
(`fieldValidation=Strict`, as kubectl's default `--validate=strict`), and, with `Impersonate-User`
(kubectl's `--as`), enforces RBAC, Pod Security, quotas and LimitRanges for that identity, not for
the caller.

The kind's REST path comes from the API's own discovery of its group version (read once per
process, again when a kind is not found there: a CRD installed meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

FIELD_MANAGER = "kubelab-replay"
# set by the API server, never part of what a manifest asks for (a server-side apply refuses some)
SERVER_META = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink",
               "deletionTimestamp", "deletionGracePeriodSeconds")


@dataclass(frozen=True)
class Resource:
    prefix: str       # "/api/v1", "/apis/apps/v1"
    plural: str       # "deployments"
    namespaced: bool

    def path(self, name: str, namespace: str | None) -> str:
        ns = f"/namespaces/{quote(namespace, safe='')}" if self.namespaced else ""
        return f"{self.prefix}{ns}/{self.plural}/{quote(name, safe='')}"


_found: dict[str, dict[str, Resource]] = {}   # group version -> kind -> Resource


def _prefix(api_version: str) -> str:
    return "/api/v1" if api_version == "v1" else f"/apis/{api_version}"


def resource(kube, api_version: str, kind: str) -> Resource | None:
    """The REST resource serving `kind` in `api_version` (None when the API does not serve it).
    Raises InfraError when discovery cannot be asked."""
    for fresh in (False, True):
        if fresh or api_version not in _found:
            prefix = _prefix(api_version)
            status, body = kube.rest("GET", prefix)
            kinds = {}
            if status == 200:
                for r in body.get("resources") or []:
                    if "/" not in r.get("name", "") and r.get("kind"):
                        kinds[r["kind"]] = Resource(prefix, r["name"], bool(r.get("namespaced")))
            _found[api_version] = kinds
        if kind in _found[api_version]:
            return _found[api_version][kind]
    return None


def as_applied(obj: dict) -> dict:
    """The manifest without what only the API server sets (a copy)."""
    import copy

    out = copy.deepcopy(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in SERVER_META:
            meta.pop(key, None)
    out.pop("status", None)
    return out


def problem(status: int, body: dict) -> str:
    """The API's refusal as one line: `Forbidden: pods "p" is forbidden: exceeded quota: ...`."""
    reason = body.get("reason") or f"HTTP {status}"
    message = str(body.get("message") or "").strip().replace("\n", " ")
    return f"{reason}: {message}"[:300]


def apply(kube, obj: dict, as_user: str | None = None, namespace: str | None = None) -> str:
    """Server-side apply of one manifest (created, or merged into the object there); `as_user`
    impersonates. Returns "" when the API took it, else its refusal. Raises InfraError when the
    API cannot be asked."""
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    name, namespace = meta.get("name"), meta.get("namespace") or namespace
    if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str) and name):
        return "Invalid: a manifest needs apiVersion, kind and metadata.name"
    found = resource(kube, api_version, kind)
    if found is None:
        return f"NotFound: the API serves no {kind} in {api_version}"
    if found.namespaced and not namespace:
        return f"Invalid: {kind} {name} is namespaced and names no namespace"
    body = as_applied(obj)
    if found.namespaced:
        body["metadata"]["namespace"] = namespace
    headers = {"Content-Type": "application/apply-patch+yaml"}
    if as_user:
        headers["Impersonate-User"] = as_user
    status, answer = kube.rest("PATCH", found.path(name, namespace if found.namespaced else None), body,
                               query=[("fieldManager", FIELD_MANAGER), ("force", "true"),
                                      ("fieldValidation", "Strict")], headers=headers, timeout=30.0)
    return "" if 200 <= status < 300 else problem(status, answer)
