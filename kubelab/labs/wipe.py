"""Empty a namespace through the API: every object a lab or a student made in it goes, the
namespace stays.

What `kubectl delete <every kind> --all` followed by `kubectl get <every kind>` until nothing is left
did, in the process that asks, without starting kubectl twice per read (a kubectl start costs about
0.13 s of CPU; a test suite empties a namespace before every test). The kinds come from the API's own
discovery (every version of every group, as `kubectl api-resources` lists them, so a CRD such as a
Gateway is deleted too), once per process. Only the kinds that hold something are deleted and read
again: controllers first (no pod is re-created meanwhile), pods last with no grace period, then the
namespace is read until nothing is left. The `default` ServiceAccount stays as the control plane made
it; one a lab patched goes and is waited for until the control plane has made it anew, so a pod can
be created right after.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

Log = Callable[[str], None]

# Deleted first (so that no pod is re-created meanwhile), pods last.
CONTROLLERS = ("cronjobs.batch", "deployments.apps", "statefulsets.apps", "daemonsets.apps", "jobs.batch",
               "replicasets.apps", "replicationcontrollers")
ROOT_CA = "kube-root-ca.crt"  # published into every namespace by the control plane: kept
ALWAYS_READ = ("pods", "serviceaccounts")  # a controller's last pod; a default ServiceAccount made anew


class WipeError(RuntimeError):
    """The namespace could not be emptied; the message says what is left and what to look at."""


@dataclass(frozen=True)
class Kind:
    name: str      # as kubectl spells it: "deployments.apps", "pods"
    prefix: str    # "/apis/apps/v1", "/api/v1"
    plural: str

    def path(self, namespace: str, obj: str | None = None) -> str:
        return f"{self.prefix}/namespaces/{namespace}/{self.plural}" + (f"/{obj}" if obj else "")


def _ok(status: int, body: dict, what: str) -> dict:
    if 200 <= status < 300:
        return body
    raise WipeError(f"{what}: the API answered {status} {str(body.get('message', ''))[:200]}")


def discover(kube) -> list[Kind]:
    """Every namespaced kind that can be listed and deleted, in deletion order: each group's
    preferred version, and the kinds only another version serves (as `kubectl api-resources` lists them)."""
    found: dict[str, Kind] = {}

    def add(prefix: str, group: str, body: dict) -> None:
        for r in body.get("resources") or []:
            verbs = set(r.get("verbs") or [])
            if "/" in r["name"] or not r.get("namespaced") or not {"list", "delete"} <= verbs:
                continue
            name = f"{r['name']}.{group}" if group else r["name"]
            if name != "events.events.k8s.io" and name not in found:  # the core Events again
                found[name] = Kind(name, prefix, r["name"])

    add("/api/v1", "", _ok(*kube.rest("GET", "/api/v1"), "discovery of /api/v1"))
    for g in _ok(*kube.rest("GET", "/apis"), "discovery of /apis").get("groups") or []:
        preferred = (g.get("preferredVersion") or {}).get("groupVersion")
        versions = [v.get("groupVersion") for v in g.get("versions") or []]
        for version in [preferred] + [v for v in versions if v != preferred]:
            if not version:
                continue
            status, body = kube.rest("GET", f"/apis/{version}")
            if status == 200:  # an aggregated API that is down is not ours to empty
                add(f"/apis/{version}", g["name"], body)
    order = {n: i for i, n in enumerate(CONTROLLERS)}
    return sorted(found.values(), key=lambda k: (0 if k.name in order else 2 if k.name == "pods" else 1,
                                                 order.get(k.name, 0), k.name))


_kinds: list[Kind] = []


def kinds(kube) -> list[Kind]:
    if not _kinds:
        _kinds[:] = discover(kube)
    return list(_kinds)


def pristine_default_sa(sa: dict) -> bool:
    """The `default` ServiceAccount as the control plane makes it (nothing a lab could have patched in)."""
    meta = sa.get("metadata") or {}
    return (set(sa) <= {"apiVersion", "kind", "metadata"} and not meta.get("labels")
            and not meta.get("annotations") and not meta.get("finalizers"))


def held(kube, namespace: str, among: list[Kind]) -> tuple[dict[str, list[str]], bool]:
    """({kind name: names of its objects to delete} for the kinds that hold any, is there a pristine
    `default` ServiceAccount). Kept: the control plane's root CA ConfigMap and a pristine default
    ServiceAccount; a patched one is to be deleted (the control plane makes it anew)."""
    out: dict[str, list[str]] = {}
    default_ok = False
    for kind in among:
        status, body = kube.rest("GET", kind.path(namespace), query=[("limit", "500")])
        if status == 404:
            continue
        items = _ok(status, body, f"listing {kind.name} in {namespace}").get("items") or []
        names = []
        for item in items:
            name = item["metadata"]["name"]
            if kind.name == "configmaps" and name == ROOT_CA:
                continue
            if kind.name == "serviceaccounts" and name == "default" and pristine_default_sa(item):
                default_ok = True
                continue
            names.append(name)
        if names:
            out[kind.name] = names
    return out, default_ok


def _delete(kube, kind: Kind, namespace: str, names: list[str]) -> None:
    grace = [("gracePeriodSeconds", "0"), ("propagationPolicy", "Background")]
    if kind.name in ("configmaps", "serviceaccounts"):  # one by one: the kept ones stay
        for n in names:
            status, body = kube.rest("DELETE", kind.path(namespace, n), query=grace)
            if status not in (200, 202, 404):
                _ok(status, body, f"deleting {kind.name}/{n} in {namespace}")
        return
    status, body = kube.rest("DELETE", kind.path(namespace), query=grace)
    if status not in (200, 202, 404):
        _ok(status, body, f"deleting every {kind.name} in {namespace}")


def empty(kube, namespace: str, log: Log = lambda _: None, timeout: float = 120.0, pause: float = 0.2) -> None:
    """Delete every object in the namespace and wait until they are gone; the namespace stays.
    Raises WipeError naming what is left after `timeout` seconds (a finalizer that never ends)."""
    every = kinds(kube)
    by_name = {k.name: k for k in every}
    first, _ = held(kube, namespace, every)
    if first:
        log(f"deleting everything in namespace {namespace}: "
            + ", ".join(f"{k.name} ({len(first[k.name])})" for k in every if k.name in first))
    for kind in every:
        if kind.name in first:
            _delete(kube, kind, namespace, first[kind.name])
    # Events are deleted, not waited for: deleting the pods makes new ones
    watched = [k for k in every if (k.name in first or k.name in ALWAYS_READ) and k.name != "events"]
    deadline = time.monotonic() + timeout
    tries = 0
    while True:
        left, default_ok = held(kube, namespace, watched)
        if not left and default_ok:
            return
        if time.monotonic() > deadline:
            what = ", ".join(f"{k}/{n}" for k, names in left.items() for n in names[:5]) or "no default ServiceAccount"
            raise WipeError(f"namespace {namespace} still holds {what} {timeout:g} s after deleting everything in "
                            f"it; see `kubectl get all -n {namespace}`")
        tries += 1
        if left and tries % 10 == 0:  # made after the first deletion (a controller's last pod): again
            for name, names in left.items():
                _delete(kube, by_name[name], namespace, names)
        time.sleep(pause)
