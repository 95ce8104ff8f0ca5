"""The student's side of a class, through a real kernel: the *released* notebook (solutions
stripped) runs top to bottom in the student's submission folder after the student worked on
their own cluster / engine; its Submit cell writes the record that nbgrader collects beside it;
the student's state is then gone (their machine is not the instructor's), and `kubelab autograde`
grades the record on the instructor's side. Correct work earns full marks, untouched work 0,
and the feedback says what the replay applied.
"""

from __future__ import annotations

import html
import re
import time

import pytest

from kubelab.instructor.record import RECORD_NAME
from kubelab.labs import actions
from kubelab.labs.engine import check_lab, wait_for
from kubelab.labs.registry import get_lab

from tests.labs.test_labs_live import SETTLE, fresh, need_live

pytestmark = [pytest.mark.live, pytest.mark.timeout(600)]


def _run_released(course, lab_id: str, student: str):
    """Copy the released notebook into submitted/<student>/<lab>/ and execute it there, as the
    student does in JupyterLab (grade cells of unfinished work raise: the run carries on)."""
    import nbformat
    from nbclient import NotebookClient

    folder = course / "submitted" / student / lab_id
    folder.mkdir(parents=True)
    nb = nbformat.read(course / "release" / lab_id / f"{lab_id}.ipynb", as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, folder / f"{lab_id}.ipynb")
    errors = {(c.metadata.get("nbgrader") or {}).get("grade_id"): o.get("ename")
              for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"}
    return folder, errors


@pytest.mark.parametrize("lab_id", ["pods-basics", "docker-web-port"])
def test_released_notebook_submits_what_autograde_grades(lab_id, tmp_path):
    from typer.testing import CliRunner

    from kubelab.instructor.autograde import autograde_class, nbgrader
    from kubelab.instructor.cli import instructor_app

    lab = get_lab(lab_id)
    need_live(lab)
    t0 = time.monotonic()
    course = tmp_path / "course"
    res = CliRunner().invoke(instructor_app, ["build", "--course", str(course), "--release", lab_id])
    assert res.exit_code == 0, res.output
    released = (course / "release" / lab_id / f"{lab_id}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in released and "Reference solution" not in released

    fresh(lab)
    carol, carol_errors = _run_released(course, lab_id, "carol")      # opened the lab, did nothing
    assert (carol / RECORD_NAME).is_file()
    assert carol_errors and set(carol_errors.values()) == {"AssertionError"}, carol_errors
    assert "submit" not in carol_errors                                   # the Submit cell itself ran

    actions.solve(lab)
    assert wait_for(lab, lambda r: r.all_passed or r.exit_code == 2, timeout=SETTLE).all_passed
    alice, alice_errors = _run_released(course, lab_id, "alice")        # did the work
    assert alice_errors == {}, alice_errors                               # every grade cell passes locally
    actions.reset(lab)
    assert check_lab(lab).points == 0, "the students' state must be gone before the instructor grades"

    results = {r.student: r for r in autograde_class(course, lab_id, jobs=2)}
    assert {s: (r.score, r.status) for s, r in results.items()} == {
        "alice": (lab.max_points, "graded"), "carol": (0.0, "graded")}, {s: r.to_dict() for s, r in results.items()}

    proc = nbgrader(course, "generate_feedback", lab_id, "--force")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    feedback = html.unescape(re.sub(r"<[^>]+>", "", (course / "feedback" / "alice" / lab_id / f"{lab_id}.html")
                                    .read_text()))
    assert "Your recorded work was re-applied" in feedback and "applied: " in feedback
    print(f"\n{lab_id}: build, two students' notebooks, autograde, feedback {time.monotonic() - t0:.0f} s")
