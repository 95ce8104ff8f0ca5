"""Labs a class replay cannot grade (lab.not_autogradable): build leaves them out, autograde refuses
them, lint lists them with the reason; no cluster needed."""

import pytest
from typer.testing import CliRunner

from kubelab.cli import app

runner = CliRunner()
NOT_REPLAYABLE = ["trouble-dns-coredns", "trouble-kubelet-stopped", "trouble-scheduler-manifest",
                  "trouble-kubeconfig-context"]


@pytest.mark.parametrize("lab_id", NOT_REPLAYABLE)
def test_instructor_build_leaves_out_labs_a_replay_cannot_grade(tmp_path, lab_id):
    from kubelab.instructor.build import build_course

    skipped = []
    written = build_course(tmp_path, [lab_id, "pods-basics"], on_skip=lambda lab, why: skipped.append((lab.id, why)))
    assert [p.parent.name for p in written] == ["pods-basics"]
    assert skipped and skipped[0][0] == lab_id and "replay" in skipped[0][1]


def test_build_says_what_it_left_out(tmp_path):
    res = runner.invoke(app, ["instructor", "build", "--course", str(tmp_path), "trouble-dns-coredns", "pods-basics"])
    assert res.exit_code == 0, res.output
    assert "left out trouble-dns-coredns: not class-autogradable" in res.output
    assert not (tmp_path / "source" / "trouble-dns-coredns").exists()
    assert (tmp_path / "source" / "pods-basics" / "pods-basics.ipynb").exists()


def test_autograde_refuses_with_the_reason(tmp_path):
    res = runner.invoke(app, ["autograde", "trouble-scheduler-manifest", "--course", str(tmp_path)])
    assert res.exit_code == 3
    assert "not class-autogradable" in res.output and "static pod manifest" in res.output


def test_lint_lists_them_with_their_reasons():
    res = runner.invoke(app, ["lab", "lint"])
    assert res.exit_code == 0, res.output
    for lab_id in NOT_REPLAYABLE:
        assert f"  {lab_id}: " in res.output
