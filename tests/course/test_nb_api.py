"""Fast: the in-notebook helpers without a kernel or an engine."""

import pytest

from kubelab.course import nb


def test_sh_prints_and_returns(capsys):
    out = nb.sh("echo hi; echo oops >&2")
    assert out == "hi\noops" and out.returncode == 0
    assert capsys.readouterr().out == "$ echo hi; echo oops >&2\nhi\noops\n"
    assert out._ipython_display_() is None          # does not print itself a second time


def test_sh_failure_carries_command_and_output():
    with pytest.raises(RuntimeError, match=r"command failed \(exit 3\): echo bad; exit 3\nbad"):
        nb.sh("echo bad; exit 3", quiet=True)
    assert nb.sh("exit 3", check=False, quiet=True).returncode == 3


def test_lab_task_names_unknown_lab():
    with pytest.raises(KeyError, match="no lab 'no-such-lab'"):
        nb.lab_task("no-such-lab")


def test_quiz_and_question_build_widgets():
    assert len(nb.quiz("docker-01", "nscg-03").items) == 2
    assert nb.question("docker-04").question.id == "docker-04"
