"""The mechanical fact checks, on examples of each error class, on the bank
(through lint) and on the notebooks' markdown."""

from pathlib import Path

import pytest

from kubelab.quiz.facts import check_text, kubernetes_versions, namespace_kernel_versions, public_addresses
from kubelab.quiz.lint import lint_bank

from quiz_helpers import ROOT


@pytest.mark.parametrize("text", [
    "Create a bridge network net2 with subnet 172.10.10.0/24 and gateway 172.10.10.1.",   # the notes' range
    "Run it with --ip 8.8.4.4.",
    "docker network create --subnet 100.200.0.0/16 n",
])
def test_public_addresses_are_caught(text):
    assert public_addresses(text)


@pytest.mark.parametrize("text", [
    "Create net2 with subnet 10.10.10.0/24 and gateway 10.10.10.1.",
    "--ip 172.31.77.10 on 172.16.0.0/12, or 192.168.5.0/24; 127.0.0.1 is loopback.",
    "Documentation uses 203.0.113.7 and 198.51.100.0/24.",
    "Pods get 10.244.1.0/24 from 10.244.0.0/16.",
    "kubectl version v1.34.1 and 1.2.3.4.5 are not addresses",
])
def test_private_and_reserved_addresses_pass(text):
    assert public_addresses(text) == []


def test_a_sentence_that_says_public_may_name_one_in_an_explanation_only():
    text = "The notes use 172.10.10.0/24, which is public address space."
    assert check_text(text, learner_facing=False) == []
    assert check_text(text, learner_facing=True)


@pytest.mark.parametrize("text,bad", [
    ("| mount | `CLONE_NEWNS` | mount points | 2.6.19 |", True),      # the error the issue found
    ("| mount | `CLONE_NEWNS` | mount points | 2.4.19 |", False),
    ("The UTS namespace arrived in Linux 2.6.19.", False),
    ("The PID namespace arrived in Linux 2.6.19.", True),
    ("The user namespace is complete since Linux 3.8.", False),
    ("The cgroup namespace came in kernel 4.6 and the time namespace in 5.6.", False),   # two: not judged
])
def test_namespace_kernel_versions(text, bad):
    assert bool(namespace_kernel_versions(text)) is bad


@pytest.mark.parametrize("text,bad", [
    ("dockershim was removed in Kubernetes 1.24.", False),
    ("dockershim was removed in 1.20.", True),
    ("batch/v1beta1 CronJob was removed in 1.25; use batch/v1.", False),
    ("batch/v1beta1 CronJob was removed in 1.21.", True),
    ("In-place Pod resize is beta and on by default since 1.33.", False),
    ("Since 1.36 every Pod is resized in place.", True),                 # newer than the course
    ("The course is written for Kubernetes 1.34.", False),
])
def test_kubernetes_versions(text, bad):
    assert bool(kubernetes_versions(text)) is bad


def test_bank_lint_reports_a_public_address(tmp_path):
    (tmp_path / "docker.yaml").write_text(
        'topic: docker\nquestions:\n  - id: d-1\n    kind: command\n'
        '    question: "Create net2 with subnet 172.10.10.0/24."\n'
        '    answer: "docker network create --subnet 172.10.10.0/24 net2"\n'
        '    explanation: "E"\n    source: "001 part 4"\n')
    problems = lint_bank(tmp_path, require_counts=False).problems
    assert [p.line for p in problems] == [5, 6]
    assert all("public address space" in p.message for p in problems)


def _markdown(path: Path) -> str:
    """The markdown cells of a jupytext py:percent notebook source."""
    out, in_md = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_md = "[markdown]" in line
            continue
        if in_md and line.startswith("#"):
            out.append(line[2:] if line.startswith("# ") else line[1:])
    return "\n".join(out)


@pytest.mark.parametrize("notebook", sorted((ROOT / "course").glob("[0-9][0-9]-*.py")), ids=lambda p: p.name)
def test_notebook_markdown_has_no_known_factual_error(notebook):
    assert check_text(_markdown(notebook), learner_facing=False) == []
