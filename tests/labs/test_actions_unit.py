"""Steps render as the commands a student types; kubectl gets the course context when run."""

import pytest

from kubelab.labs import actions
from kubelab.labs.model import Apply, Run
from kubelab.labs.registry import get_lab


def test_step_text_is_what_a_student_types():
    text = actions.step_text(Apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}))
    assert text.startswith("kubectl apply -f - <<'EOF'\n") and text.endswith("EOF") and "name: x" in text
    assert actions.step_text(Run(["docker", "run", "-p", "8088:80", "--name", "a b"])) == \
        "docker run -p 8088:80 --name 'a b'"


def test_kubectl_gets_the_context(monkeypatch):
    monkeypatch.setenv("KUBELAB_CONTEXT", "kind-other")
    assert actions._kubectl(["kubectl", "get", "ns"]) == ["kubectl", "--context", "kind-other", "get", "ns"]
    assert actions._kubectl(["kubectl", "--context=x", "get", "ns"]) == ["kubectl", "--context=x", "get", "ns"]
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
