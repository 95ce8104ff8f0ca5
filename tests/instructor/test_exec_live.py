"""Student code in a submitted notebook never runs on the instructor's machine (live, one batch per lab).

Each released notebook below carries the exploit of issue 14 (replace the grade function, write a
marker file) in its editable cell, in an added cell or in a changed locked cell; each scores exactly
what its record earns, the marker never appears, the changed notebooks are flagged in the summary,
the gradebook comment and the feedback, and the honest submissions of the same batch are graded as usual.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from kubelab.instructor.record import FORMAT, write_record

from tests.labs.test_labs_live import need_live

pytestmark = pytest.mark.live

EXPLOIT = ("import kubelab.instructor.grade as g, kubelab.labs.nbgrader as n\n"
           "g.grade_cell = n.grade = lambda *a, **k: None\n"
           "open({marker!r}, 'w').write('ran')\n")


def _by_id(nb, gid):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == gid)


def _submit(course: Path, lab_id: str, student: str, edit=None, *, objects=None, containers=None, record=True):
    folder = course / "submitted" / student / lab_id
    folder.mkdir(parents=True)
    nb = nbformat.read(course / "release" / lab_id / f"{lab_id}.ipynb", as_version=4)
    if edit:
        edit(nb)
    nbformat.write(nb, folder / f"{lab_id}.ipynb")
    if record:
        write_record({"kubelab_record": FORMAT, "lab": lab_id, "kind": "x", "objects": objects or [],
                      "containers": containers or [], "commands": [], "checks": {}}, folder)


def _feedback(course: Path, lab_id: str, student: str) -> str:
    raw = (course / "feedback" / student / lab_id / f"{lab_id}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _batch(tmp_path, lab_id: str, good: dict, jobs: int = 2):
    """Release lab_id, submit the honest and hostile notebooks, autograde; return (course, results, marker)."""
    from typer.testing import CliRunner

    from kubelab.instructor.autograde import autograde_class, nbgrader
    from kubelab.instructor.cli import instructor_app

    course = tmp_path / "course"
    res = CliRunner().invoke(instructor_app, ["build", "--course", str(course), "--release", lab_id])
    assert res.exit_code == 0, res.output
    marker = tmp_path / "marker"
    code = EXPLOIT.format(marker=str(marker))

    def in_editable(nb):
        _by_id(nb, "solution").source = code

    def added(nb):
        nb.cells.insert(1, nbformat.v4.new_code_cell(code))

    def changed(nb):
        _by_id(nb, "submit").source = code

    _submit(course, lab_id, "honest", **good)                          # correct work, released notebook
    _submit(course, lab_id, "idle")                                      # nothing done
    _submit(course, lab_id, "exploit-nothing", in_editable)              # no work: 0, not full marks
    _submit(course, lab_id, "exploit-norecord", in_editable, record=False)
    _submit(course, lab_id, "exploit-correct", in_editable, **good)      # what the record earns: full
    _submit(course, lab_id, "added-cell", added, **good)
    _submit(course, lab_id, "changed-locked", changed)
    results = {r.student: r for r in autograde_class(course, lab_id, jobs=jobs, converge=30)}
    proc = nbgrader(course, "generate_feedback", lab_id, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return course, results, marker


def _check(course, lab_id, results, marker, full):
    from nbgrader.api import Gradebook

    assert not marker.exists(), "student code ran on the instructor's machine"
    expected = {"honest": full, "idle": 0, "exploit-nothing": 0, "exploit-norecord": 0, "exploit-correct": full,
                "added-cell": full, "changed-locked": 0}
    assert {s: r.score for s, r in results.items()} == expected, {s: r.to_dict() for s, r in results.items()}
    assert all(r.status == "graded" for r in results.values()), {s: r.reason for s, r in results.items()}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        assert {s.student.id: s.score for s in gb.assignment_submissions(lab_id)} == expected
        comments = {s: gb.find_comment("solution", lab_id, lab_id, s).auto_comment for s in expected}
    flags = {s: r.flags for s, r in results.items()}
    assert flags == {"honest": [], "idle": [], "exploit-nothing": ["code in editable cells: solution"],
                     "exploit-norecord": ["code in editable cells: solution"],
                     "exploit-correct": ["code in editable cells: solution"],
                     "added-cell": ["added code cells: 1"], "changed-locked": ["changed locked cells: submit"]}, flags
    assert results["honest"].verified == f"verified live {full:g} of {full:g} points, from the record 0"
    assert comments["honest"] == results["honest"].verified + "."
    assert "changed locked cells: submit" in comments["changed-locked"]
    for s in ("added-cell", "changed-locked"):
        assert "notebook code not run" in results[s].reason
        text = _feedback(course, lab_id, s)
        assert "Autograder: your notebook's code cells were not run" in text, s
    assert "Autograder:" not in _feedback(course, lab_id, "honest")
    assert f"Verified live {full:g} of {full:g} points, from the record 0" in _feedback(course, lab_id, "honest")
    assert "lambda" in _feedback(course, lab_id, "exploit-correct")     # the student's text stays visible


def test_kubernetes_notebook_code_does_not_run(tmp_path, live_cluster):
    import copy

    from kubelab.labs.model import Apply
    from kubelab.labs.registry import get_lab

    lab = get_lab("pods-basics")
    need_live(lab)
    good = [copy.deepcopy(d) for s in lab.solution_steps() if isinstance(s, Apply) for d in s.docs()]
    course, results, marker = _batch(tmp_path, lab.id, {"objects": good}, jobs=3)
    _check(course, lab.id, results, marker, lab.max_points)
    shutil.rmtree(course / "autograded", ignore_errors=True)


def test_docker_notebook_code_does_not_run(tmp_path, docker_engine):
    from kubelab.cluster.api import lab_image
    from kubelab.labs.registry import get_lab

    lab = get_lab("docker-web-port")
    need_live(lab)  # its catalog images built
    c = {"name": "kl-web", "image": lab_image("nginx"), "running": True,
         "ports": [{"container_port": 80, "protocol": "tcp", "host_port": 8088}]}
    course, results, marker = _batch(tmp_path, lab.id, {"containers": [c]})
    _check(course, lab.id, results, marker, lab.max_points)
    assert not docker_engine.containers.list(all=True, filters={"label": "kubelab.grade"})
