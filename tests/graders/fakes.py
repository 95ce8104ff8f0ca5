"""A Kube that answers from a list of manifest-shaped dicts (kind, metadata.name/namespace/labels)."""

from kubelab.graders import k8s


class FakeKube(k8s.Kube):
    def __init__(self, objects=()):
        super().__init__()
        self.objects = list(objects)

    def get(self, kind, name, namespace=None):
        return next((o for o in self.objects if o["kind"] == kind and o["metadata"]["name"] == name
                     and o["metadata"].get("namespace") == namespace), None)

    def list(self, kind, namespace=None, selector=None):
        out = [o for o in self.objects if o["kind"] == kind and o["metadata"].get("namespace") == namespace]
        for part in (selector or "").split(","):
            if part:
                k, v = part.split("=")
                out = [o for o in out if o["metadata"].get("labels", {}).get(k) == v]
        return out
