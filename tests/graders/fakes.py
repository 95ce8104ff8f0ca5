"""A Kube that answers from a list of manifest-shaped dicts (kind, metadata.name/namespace/labels).

It overrides only the REST layer (`_call`) and the exec layer (`_exec`) of the real reader, so what
the real reader does on top (namespace mapping of a replay, the per-run cache, `invalidate`, Secret
masking, REST path validation) is exercised by every test that uses it. `calls` lists what reached
the "API"; change `objects` between two reads to model a cluster that moves on.
"""

import copy

from kubelab.graders import k8s


class FakeKube(k8s.Kube):
    def __init__(self, objects=(), exec_result=(0, "", ""), namespaces=None, exec_results=None):
        super().__init__(namespaces=namespaces)
        self.objects = list(objects)
        self.exec_result = exec_result
        self.exec_results = dict(exec_results or {})  # {(pod, tuple(command)): (rc, out, err)}
        self.calls = []        # ("read"|"list", kind, name, namespace) as the API saw them
        self.exec_calls = []   # commands, as before
        self.exec_seen = []    # (namespace, pod, command, container) as the API saw them

    def put(self, obj):
        """Create or replace an object (matched by kind, namespace and name)."""
        md = obj["metadata"]
        self.objects = [o for o in self.objects if not (o["kind"] == obj["kind"] and o["metadata"]["name"] == md["name"]
                                                        and o["metadata"].get("namespace") == md.get("namespace"))]
        self.objects.append(obj)

    def _call(self, kind, verb, name, namespace, **query):
        self.path(kind, name if verb == "read" else None, namespace)  # the real reader's validation
        namespaced = k8s.KINDS[kind][2]
        self.calls.append((verb, kind, name, namespace))

        def here(o):
            return o["kind"] == kind and (not namespaced or o["metadata"].get("namespace") == namespace)

        if verb == "read":
            obj = next((o for o in self.objects if here(o) and o["metadata"]["name"] == name), None)
            return copy.deepcopy(obj)
        items = [o for o in self.objects if here(o) and _matches(o, query.get("label_selector"))]
        return {"kind": kind + "List", "items": copy.deepcopy(items)}

    def _exec(self, namespace, pod, command, container, timeout):
        self.exec_calls.append(command)
        self.exec_seen.append((namespace, pod, list(command), container))
        return self.exec_results.get((pod, tuple(command)), self.exec_result)


def _matches(obj, selector):
    """A label selector the way the API server reads it: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma = AND."""
    labels = obj["metadata"].get("labels") or {}
    for part in (selector or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            k, v = part.split("!=", 1)
            ok = labels.get(k.strip()) != v.strip()
        elif "=" in part:
            k, v = part.replace("==", "=").split("=", 1)
            ok = labels.get(k.strip()) == v.strip()
        elif part.startswith("!"):
            ok = part[1:].strip() not in labels
        else:
            ok = part in labels
        if not ok:
            return False
    return True
