"""Steps render as the commands a student types; kubectl gets the course context when run."""

import os
from pathlib import Path

import pytest

from kubelab.labs import actions
from kubelab.labs.model import Apply, Run
from kubelab.labs.registry import get_lab


def test_step_text_is_what_a_student_types():
    text = actions.step_text(Apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}))
    assert text.startswith("kubectl apply -f - <<'EOF'\n") and text.endswith("EOF") and "name: x" in text
    assert actions.step_text(Run(["docker", "run", "-p", "8088:80", "--name", "a b"])) == \
        "docker run -p 8088:80 --name 'a b'"


def test_kubectl_gets_the_context_and_the_pinned_binary(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBELAB_CONTEXT", "kind-other")
    monkeypatch.setenv("KUBELAB_CACHE", str(tmp_path))
    pinned = tmp_path / "bin" / "kubectl"
    pinned.parent.mkdir()
    pinned.write_text("")
    assert actions._kubectl(["kubectl", "get", "ns"]) == [str(pinned), "--context", "kind-other", "get", "ns"]
    assert actions._kubectl(["kubectl", "--context=x", "get", "ns"]) == [str(pinned), "--context=x", "get", "ns"]
    assert actions._kubectl(["docker", "ps"]) == ["docker", "ps"]


def test_failed_step_names_the_command():
    with pytest.raises(actions.StepError, match=r"command failed \(exit 1\): false"):
        actions.run_step(Run(["false"]))
    with pytest.raises(actions.StepError, match="not found on PATH"):
        actions.run_step(Run(["kubelab-no-such-tool"]))
    assert actions.run_step(Run(["false"], ok_codes=(0, 1))) == ""


def test_namespace_is_labelled_with_the_lab():
    lab = get_lab("pods-basics")
    ns = actions.namespace_manifest(lab)
    assert ns["metadata"] == {"name": "lab-pods-basics", "labels": {"kubelab.io/lab": "pods-basics"}}


def test_near_miss_solutions_differ_in_one_value():
    lab = get_lab("pods-basics")
    base = actions.step_text(lab.solution_steps()[0])
    for nm in lab.near_misses:
        text = actions.step_text(lab.near_miss_steps(nm)[0])
        diff = [(a, b) for a, b in zip(base.splitlines(), text.splitlines()) if a != b]
        assert len(diff) == 1, (nm.id, diff)


def test_start_seeds_and_reset_deletes_what_the_lab_declares(monkeypatch):
    from kubelab.labs.model import Lab, Params

    ran = []
    monkeypatch.setattr(actions, "run_step", lambda step, log=None: ran.append(actions.step_text(step)) or "")
    monkeypatch.setattr(actions, "ensure_shape", lambda lab, log=None: ran.append("ensure"))
    monkeypatch.setattr(actions, "_wait_namespace_gone", lambda *a, **k: None)
    monkeypatch.setattr(actions, "ensure_namespace", lambda lab, log=None: ran.append(f"namespace {lab.namespace}"))
    monkeypatch.setattr(actions, "delete_namespace", lambda ns, log=None: ran.append(f"delete namespace {ns}"))
    P = Params(namespace="lab-toy", node="kubelab-worker")
    lab = Lab(id="toy", title="t", topic="scheduling", shape="course", minutes=1, params=P, task="t",
              namespace=P.namespace, cluster_kinds=("PersistentVolume",))
    lab.seed(lambda p: [Run(["kubectl", "label", "node", p.node, "disk=ssd"])])
    lab.reset_steps(lambda p: [Run(["kubectl", "label", "node", p.node, "disk-"])])
    actions.start(lab)
    assert ran[:2] == ["ensure", "namespace lab-toy"]
    assert ran[2] == "kubectl label node kubelab-worker disk=ssd"
    ran.clear()
    actions.reset(lab)
    assert ran[0] == "kubectl label node kubelab-worker disk-"
    assert "delete namespace lab-toy" in ran
    assert "kubectl delete PersistentVolume -l kubelab.io/lab=toy --ignore-not-found" in ran


class NamespaceAPI:
    """The API's answers to creating a namespace: 201 when new, 409 when it exists; PATCH merges labels."""

    def __init__(self, existing: dict | None = None):
        self.ns = existing
        self.calls = []

    def path(self, kind, name=None, namespace=None):
        return "/api/v1/namespaces" + (f"/{name}" if name else "")

    def get(self, kind, name, namespace=None):
        return self.ns

    def rest(self, method, path, body=None, query=None):
        self.calls.append(method)
        if method == "POST":
            if self.ns is not None:
                return 409, {"message": "already exists"}
            self.ns = body
            return 201, body
        labels = self.ns["metadata"].setdefault("labels", {})
        labels.update(body["metadata"]["labels"])
        return 200, self.ns


@pytest.mark.parametrize("existing,calls", [
    (None, ["POST"]),
    ({"metadata": {"name": "lab-toy", "labels": {"kubelab.io/lab": "toy"}}}, ["POST"]),
    ({"metadata": {"name": "lab-toy"}}, ["POST", "PATCH"]),  # made by the student first: labelled now
])
def test_ensure_namespace_leaves_it_as_apply_would(monkeypatch, existing, calls):
    from kubelab.graders import k8s
    from kubelab.labs.model import Lab, Params

    api = NamespaceAPI(existing)
    monkeypatch.setattr(k8s, "Kube", lambda: api)
    P = Params(namespace="lab-toy")
    lab = Lab(id="toy", title="t", topic="pods", shape="course", minutes=1, params=P, task="t", namespace=P.namespace)
    actions.ensure_namespace(lab)
    assert api.calls == calls
    assert api.ns["metadata"]["labels"]["kubelab.io/lab"] == "toy"


KUBECONFIG_TWO = """apiVersion: v1
kind: Config
clusters:
- {name: a, cluster: {server: "https://127.0.0.1:1"}}
- {name: b, cluster: {server: "https://127.0.0.1:2"}}
users:
- {name: u, user: {token: not-a-secret}}
contexts:
- {name: ctx-a, context: {cluster: a, user: u}}
- {name: ctx-b, context: {cluster: b, user: u}}
current-context: ctx-b
"""


@pytest.mark.parametrize("current", ["ctx-b", None])
def test_shell_steps_reach_the_course_context_whatever_the_current_one(tmp_path, monkeypatch, current):
    """A solution step `sh -c "kubectl ..."` must talk to the course cluster, not to the student's
    current context (another cluster) or to none at all."""
    import shutil

    from kubelab.cluster.tools import find_tool
    from kubelab.labs import actions
    from kubelab.labs.model import Run

    if not (find_tool("kubectl") or shutil.which("kubectl")):
        pytest.skip("no kubectl on this machine")
    config = tmp_path / "config"
    config.write_text(KUBECONFIG_TWO if current else KUBECONFIG_TWO.replace("current-context: ctx-b\n", ""))
    monkeypatch.setenv("KUBECONFIG", str(config))
    monkeypatch.setenv("KUBELAB_CONTEXT", "ctx-a")
    monkeypatch.setenv("KUBELAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{Path(find_tool('kubectl') or shutil.which('kubectl')).parent}:{os.environ['PATH']}")
    out = actions.run_step(Run(["sh", "-c", "kubectl config current-context; kubectl config view -o name 2>/dev/null || true"]))
    assert out.splitlines()[0] == "ctx-a"
    copy = tmp_path / "cache" / "kubeconfig-ctx-a"
    assert copy.stat().st_mode & 0o777 == 0o600
    assert "ctx-b" not in copy.read_text()      # only the course context is handed to the step
