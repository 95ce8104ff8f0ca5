"""Evidence for the checks that cannot be replayed (rollout history, a drain, a host path).

At Submit, those checks run once more through `TapKube`, which keeps every read they make
(objects with their status, command outputs); the reads go into the record as `evidence`.
At autograde, `SnapshotKube` answers the same reads from the record, so the *current* check
code judges what the student's cluster showed, instead of trusting a recorded verdict: a
record whose `checks:` claim `passed` earns nothing by that. A read the record does not hold
fails the check ("not in the record").

Secret values never enter the evidence: Secrets are kept with their keys and masked values.
"""

from __future__ import annotations

import copy
import json
from typing import Any

MASK = "******"
DROP_META = ("managedFields",)


def read_key(verb: str, kind: str, namespace: str | None, name_or_selector: str | None, extra: str = "") -> str:
    """One read as a flat string: `get Node - kubelab-worker2`, `list Pod lab-x app=web`."""
    parts = [verb, kind, namespace or "-", name_or_selector or "-"]
    if extra:
        parts.append(extra)
    return " ".join(parts)


def _slim(obj: Any) -> Any:
    """The object as kept in the record: no managedFields, Secret values masked."""
    if not isinstance(obj, dict):
        return obj
    obj = copy.deepcopy(obj)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in DROP_META:
            meta.pop(key, None)
        ann = meta.get("annotations") or {}
        ann.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    if obj.get("kind") == "Secret":
        for key in ("data", "stringData"):
            if isinstance(obj.get(key), dict):
                obj[key] = {k: MASK for k in obj[key]}
    return obj


class TapKube:
    """A Kube reader that keeps what it read (for `record_only` checks at Submit)."""

    def __init__(self, inner=None):
        from kubelab.graders.k8s import Kube

        self.inner = inner if inner is not None else Kube()
        self.reads: dict[str, Any] = {}

    @property
    def secret_values(self):
        return self.inner.secret_values

    def clear(self) -> None:
        self.inner.clear()

    def get(self, kind: str, name: str, namespace: str | None = None):
        obj = self.inner.get(kind, name, namespace)
        self.reads[read_key("get", kind, namespace, name)] = _slim(obj)
        return obj

    def list(self, kind: str, namespace: str | None = None, selector: str | None = None):
        items = self.inner.list(kind, namespace, selector)
        self.reads[read_key("list", kind, namespace, selector)] = [_slim(i) for i in items]
        return items

    def exec(self, namespace: str, pod: str, command: list[str], container: str | None = None, timeout: float = 10.0):
        result = self.inner.exec(namespace, pod, command, container=container, timeout=timeout)
        self.reads[read_key("exec", "Pod", namespace, pod, json.dumps([container, list(command)]))] = list(result)
        return result

    def node_exec(self, node: str, command: list[str]):
        result = self.inner.node_exec(node, command)
        self.reads[read_key("exec", "Node", None, node, json.dumps(list(command)))] = list(result)
        return result

    def post(self, path: str, body: dict, query: list):
        """A POST a check makes (a server-side dry run, a SubjectAccessReview: nothing persists), kept with
        its answer; a token in an answer is masked, never recorded."""
        from kubelab.graders import access

        status, out = access.post(self.inner, path, body, query)
        kept = copy.deepcopy(out)
        if isinstance(kept.get("status"), dict) and "token" in kept["status"]:
            kept["status"]["token"] = MASK
        self.reads[post_key(path, body, query)] = [status, _slim(kept)]
        return status, out

    def __getattr__(self, name: str):  # api(), client() ...: not recorded
        return getattr(self.inner, name)


def post_key(path: str, body: Any, query: Any) -> str:
    return read_key("post", "-", None, path, json.dumps([list(query or []), body], sort_keys=True, default=str))


class SnapshotKube:
    """Answers a check's reads from recorded evidence; a read that was not recorded fails the check."""

    def __init__(self, reads: dict[str, Any] | None):
        self.reads = reads if isinstance(reads, dict) else {}
        self.secret_values: set[str] = set()

    def clear(self) -> None:
        pass

    def _answer(self, key: str, what: str):
        from kubelab.graders.errors import Failed

        if key not in self.reads:
            raise Failed(f"{what}: not in the record (the Submit cell keeps what this check reads; "
                         "submit again after the work is done)", expected="recorded", found="nothing recorded")
        return copy.deepcopy(self.reads[key])

    def get(self, kind: str, name: str, namespace: str | None = None):
        return self._answer(read_key("get", kind, namespace, name), f"{kind} {name}")

    def list(self, kind: str, namespace: str | None = None, selector: str | None = None):
        items = self._answer(read_key("list", kind, namespace, selector), f"the {kind} list of {namespace or 'the cluster'}")
        return items if isinstance(items, list) else []

    def exec(self, namespace: str, pod: str, command: list[str], container: str | None = None, timeout: float = 10.0):
        got = self._answer(read_key("exec", "Pod", namespace, pod, json.dumps([container, list(command)])),
                           f"`{' '.join(command)}` in pod {pod}")
        if not (isinstance(got, list) and len(got) == 3 and isinstance(got[0], int)):
            return 1, "", "malformed evidence"
        return int(got[0]), str(got[1]), str(got[2])

    def node_exec(self, node: str, command: list[str]):
        got = self._answer(read_key("exec", "Node", None, node, json.dumps(list(command))),
                           f"`{' '.join(command)}` on node {node}")
        return (int(got[0]), str(got[1])) if isinstance(got, list) and len(got) == 2 and isinstance(got[0], int) \
            else (1, "")

    def post(self, path: str, body: dict, query: list):
        got = self._answer(post_key(path, body, query), f"POST {path}")
        if not (isinstance(got, list) and len(got) == 2 and isinstance(got[0], int) and isinstance(got[1], dict)):
            return 400, {"message": "malformed evidence"}
        return int(got[0]), got[1]

    def api(self, name: str):
        from kubelab.graders.errors import Failed

        raise Failed("this check asks the API directly, which a record cannot answer")


def record_evidence(lab, kube=None) -> dict[str, Any]:
    """Run the lab's record_only checks (and what they require) through a tap; return the reads."""
    from kubelab.labs.engine import Context, check_lab

    if not lab.record_only:
        return {}
    tap = TapKube(kube)
    check_lab(lab, only=list(lab.record_only), ctx=Context(lab, kube=tap))
    return tap.reads


def grade_from_evidence(lab, check_id: str, reads: dict[str, Any] | None):
    """The CheckResult of one record_only check, judged on the recorded reads."""
    from kubelab.labs.engine import Context, check_lab

    result = check_lab(lab, only=[check_id], ctx=Context(lab, kube=SnapshotKube(reads))).by_id(check_id)
    result.observed = f"graded from the record (not replayable): {result.observed}"
    return result
