"""A submission's outcome: whose fault a zero is, what was verified live, one grade entry point, a safe summary."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest


def test_verified_text_splits_live_and_record_points():
    from kubelab.instructor.outcome import graded_checks, verified_text
    from kubelab.labs.registry import get_lab

    lab = get_lab("storage-hostpath")
    assert lab.record_only
    scores = {c.id: float(c.points) for c in lab.checks}
    graded = graded_checks(lab, scores, lab.record_only)
    live = sum(float(c.points) for c in lab.checks if c.id not in lab.record_only)
    rec = sum(float(c.points) for c in lab.checks if c.id in lab.record_only)
    assert verified_text(graded) == f"verified live {live:g} of {lab.max_points:g} points, from the record {rec:g}"
    none = graded_checks(lab, {c: 0.0 for c in scores}, lab.record_only)
    assert "not counted: --verified-only" in verified_text(none, verified_only=True)


def test_verified_only_scores_record_only_checks_zero(tmp_path, monkeypatch):
    from kubelab.instructor.grade import RUN_OPTIONS, graded_so_far, replay_report
    from kubelab.labs.nbgrader import grade
    from kubelab.labs.registry import get_lab

    lab = get_lab("storage-hostpath")
    cid = lab.record_only[0]
    run = tmp_path / "run"
    (run).mkdir()
    (run / "alice.json").write_text(json.dumps({"record_only": list(lab.record_only), "refused": [], "notes": [],
                                                 "evidence": {}}))
    (run / RUN_OPTIONS).write_text(json.dumps({"verified_only": True}))
    kernel = tmp_path / "k" / "alice" / lab.id
    kernel.mkdir(parents=True)
    monkeypatch.chdir(kernel)                       # nbgrader's kernel: <somewhere>/<student>/<lab>
    monkeypatch.setenv("KUBELAB_REPLAY", str(run))
    with pytest.raises(AssertionError, match=r"not counted: graded from the record only.*--verified-only"):
        grade(lab.id, cid)
    assert graded_so_far()[cid] == (0.0, float(lab.check_by_id(cid).points), True)
    lines = replay_report().lines()
    assert f"{cid}: graded from the record (not replayable), not counted (--verified-only)" in lines
    assert any(x.startswith("Verified live 0 of") for x in lines), lines


def test_one_grade_entry_point_and_no_import_rewrite():
    import kubelab.instructor.build as build
    import kubelab.instructor.grade as igrade
    from kubelab.labs.registry import get_lab
    from kubelab.labs.render import grade_cells

    assert "kubelab.labs.nbgrader" not in Path(igrade.__file__).read_text().split('"""', 2)[2]  # one direction
    assert ".replace(" not in Path(build.__file__).read_text()
    assert not hasattr(igrade, "grade")
    nb = build.source_notebook(get_lab("pods-basics"))
    mine = [c.source for c in nb.cells if "kubelab-grade" in (c.metadata.get("tags") or [])]
    assert mine == [c.source for c in grade_cells("pods-basics")]


def test_the_autograders_own_exception_is_a_regrade_not_a_zero(tmp_path, monkeypatch):
    from kubelab.instructor import replay as rp
    from kubelab.instructor.autograde import grade_one
    from kubelab.instructor.record import FORMAT, write_record
    from kubelab.labs.registry import get_lab

    lab = get_lab("pods-basics")
    folder = tmp_path / "submitted" / "alice" / lab.id
    folder.mkdir(parents=True)
    write_record({"kubelab_record": FORMAT, "lab": lab.id, "kind": "kubernetes", "objects": [], "checks": {}}, folder)

    def boom(*a, **k):
        raise RuntimeError("API server went away")

    monkeypatch.setattr(rp, "replay", boom)
    res = grade_one(tmp_path, lab, "alice", threading.Lock(), "r1")
    assert res.status == "regrade" and res.score is None
    assert "API server went away" in res.reason and "--student alice" in res.reason
    assert not (tmp_path / "gradebook.db").exists()          # nbgrader never ran: no 0 recorded


def test_an_unreadable_spec_is_the_autograders_trouble(tmp_path, monkeypatch):
    from kubelab.graders.results import CheckInfrastructureError
    from kubelab.labs.nbgrader import grade

    monkeypatch.setenv("KUBELAB_REPLAY", str(tmp_path / "missing.json"))
    with pytest.raises(CheckInfrastructureError, match="could not be read"):
        grade("pods-basics", "pod-exists")


def test_summary_table_shows_student_text_as_text():
    from rich.console import Console

    from kubelab.instructor.autograde import SubmissionResult, plain, summary_table

    rows = [SubmissionResult("alice", 3, 8, reason="record for lab '[/]', not 'pods-basics'",
                             refused=["Pod [bold red]x[/]: privileged\x1b[2J\x1b]0;owned\x07"],
                             flags=["added code cells: 1"]),
            SubmissionResult("bob", None, 8, status="regrade", reason="cluster down")]
    console = Console(record=True, width=200, color_system=None)
    console.print(summary_table("pods-basics", rows, 2.0))
    text = console.export_text()
    assert "lab '[/]'" in text and "Pod [bold red]x[/]: privileged" in text
    assert "\x1b" not in text and "\x07" not in text and "owned" not in text
    assert "flagged" in text and "regrade" in text and "-/8" in text
    assert plain("a\x1b[31mb\x1b]0;t\x07c\r") == "abc"
