"""The command judge against the held-out pairs in fixtures/command_pairs.yaml:
100% agreement, with the real kubectl when it is installed and by shape only
when it is not (KUBELAB_JUDGE_KUBECTL=none)."""

from pathlib import Path

import pytest
import yaml

from kubelab.quiz import dryrun
from kubelab.quiz.judge import commands_equivalent

PAIRS = yaml.safe_load((Path(__file__).parent / "fixtures" / "command_pairs.yaml").read_text())
HAVE_KUBECTL = dryrun.kubectl_binary() is not None


def _agreement():
    wrong = [("equivalent", a, b) for a, b in PAIRS["equivalent"] if not commands_equivalent(a, b)]
    wrong += [("different", a, b) for a, b in PAIRS["different"] if commands_equivalent(a, b)]
    return wrong


@pytest.mark.skipif(not HAVE_KUBECTL, reason="no kubectl: the shape-only run below still counts")
def test_heldout_agreement_with_kubectl(data_dir):
    assert len(PAIRS["equivalent"]) >= 40 and len(PAIRS["different"]) >= 30
    assert _agreement() == []


def test_heldout_without_kubectl_never_says_equal_for_different(monkeypatch, data_dir):
    """No kubectl: the judge falls back to shapes. Every `different` pair is still
    different, and every equivalent pair that is not a `kubectl create` is still found."""
    monkeypatch.setenv("KUBELAB_JUDGE_KUBECTL", "none")
    assert dryrun.kubectl_binary() is None
    wrong = _agreement()
    assert [w for w in wrong if w[0] == "different"] == []
    assert all(dryrun.runnable_argv(a) is not None for _, a, _ in wrong), wrong
