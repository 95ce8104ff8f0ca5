"""Autograde runs no student code (kubelab.instructor.fence) -- on real released notebooks and a real gradebook.

A course is built and released once (nbgrader's own generate_assignment, in-process); the fence reads
the gradebook's source cells, so nothing a notebook says about itself makes its cell count as locked.
The last test runs nbgrader autograde itself (a real kernel, no cluster: the submissions have no record).
"""

from __future__ import annotations

import json

import nbformat
import pytest

from kubelab.instructor.fence import HELD, RUN_IDS, guard, has_code, inspect, restore

LAB = "pods-basics"
EXPLOIT = ("import kubelab.instructor.grade as g, kubelab.labs.nbgrader as n\n"
           "g.grade_cell = n.grade = lambda *a, **k: None\n"
           "open({marker!r}, 'w').write('ran')\n")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    from kubelab.instructor.build import build_course, release_labs

    root = tmp_path_factory.mktemp("fence") / "course"
    build_course(root, [LAB])
    assert release_labs(root, [LAB], echo=lambda *a: None) == []
    return root


@pytest.fixture(scope="module")
def cells(course):
    from kubelab.instructor.fence import gradebook_cells

    return gradebook_cells(f"sqlite:///{course}/gradebook.db", LAB, LAB)


def released(course):
    return nbformat.read(course / "release" / LAB / f"{LAB}.ipynb", as_version=4)


def by_id(nb, gid):
    return next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == gid)


def running(nb) -> list[str]:
    return [(c.metadata.get("nbgrader") or {}).get("grade_id") for c in nb.cells
            if c.cell_type == "code" and c.source.strip()]


def test_the_gradebook_knows_which_cells_run(cells):
    from kubelab.labs.registry import get_lab

    runs = sorted(n for n, c in cells.items() if c.runs)
    assert runs == sorted([c.id for c in get_lab(LAB).checks] + list(RUN_IDS))
    assert not cells["solution"].runs and cells["solution"].cell_type == "code"
    panel = [c for c in cells.values() if "lab_panel(" in c.source]
    assert len(panel) == 1 and panel[0].locked and not panel[0].runs


def test_an_honest_notebook_is_not_flagged_and_runs_only_kubelabs_cells(course, cells):
    nb = released(course)
    nb.cells[0].source += "\n\nmy notes"                       # markdown: never run
    by_id(nb, "solution").source += "\n# kubectl apply -f pod.yaml (comments only)"
    assert inspect(nb, cells).flags == []
    before = [c.source for c in nb.cells]
    guard(nb, cells)
    assert sorted(running(nb)) == sorted(n for n, c in cells.items() if c.runs)
    restore(nb)
    assert [c.source for c in nb.cells] == before and not any(HELD in c.metadata for c in nb.cells)


def test_code_in_an_editable_cell_is_held_not_run(course, cells, tmp_path):
    nb = released(course)
    by_id(nb, "solution").source = EXPLOIT.format(marker=str(tmp_path / "m"))
    assert inspect(nb, cells).flags == ["code in editable cells: solution"]
    guard(nb, cells)
    assert "solution" not in running(nb) and by_id(nb, "solution").source == ""
    restore(nb)
    assert "lambda" in by_id(nb, "solution").source   # the feedback shows what the student wrote


def test_added_and_changed_and_missing_cells_are_flagged(course, cells):
    nb = released(course)
    nb.cells.insert(2, nbformat.v4.new_code_cell("import os; os.system('id')"))
    nb.cells.insert(3, nbformat.v4.new_code_cell("# only a comment"))          # not code: not flagged
    by_id(nb, "submit").source = "print('changed')"
    nb.cells.remove(by_id(nb, "container-port"))
    found = inspect(nb, cells)
    assert found.flags == ["changed locked cells: submit", "missing locked cells: container-port",
                           "added code cells: 1"], found.flags
    guard(nb, cells)
    assert by_id(nb, "submit").source == cells["submit"].source     # the gradebook's text, not the student's
    assert "import os" not in "".join(c.source for c in nb.cells)


def test_metadata_claims_make_no_cell_locked(course, cells):
    nb = released(course)
    meta = dict(by_id(nb, "pod-exists").metadata["nbgrader"])
    fake = nbformat.v4.new_code_cell("print('pretend grade cell')")
    fake.metadata = {"nbgrader": meta}                               # the same grade id as a real grade cell
    bogus = nbformat.v4.new_code_cell("print('bogus')")
    bogus.metadata = {"nbgrader": {**meta, "grade_id": "bonus", "points": 100.0}}   # an id the release lacks
    skipped = by_id(nb, "pod-ready")
    skipped.metadata["tags"] = ["skip-execution"]                    # nbclient would skip it: full marks
    nb.cells[1:1] = [fake, bogus]
    found = inspect(nb, cells)
    assert "cells claiming the same id: pod-exists" in found.flags
    assert "changed locked cells: pod-ready" in found.flags and "added code cells: 2" in found.flags
    assert "nbgrader" not in fake.metadata and "nbgrader" not in bogus.metadata
    guard(nb, cells)
    assert "pretend" not in "".join(c.source for c in nb.cells) and "bogus" not in "".join(c.source for c in nb.cells)
    assert running(nb).count("pod-exists") == 1
    assert skipped.metadata.get("tags") is None and skipped.source == cells["pod-ready"].source


def test_a_cell_turned_into_markdown_or_claiming_a_locked_id_runs_the_gradebooks_text(course, cells):
    nb = released(course)
    sol = by_id(nb, "solution")
    sol.cell_type = "markdown"                           # nbgrader's OverwriteCells turns it back into code
    sol.source = "import os"
    sol.pop("outputs", None), sol.pop("execution_count", None)
    report = by_id(nb, "replay-report")
    report.source = "import os; os.system('id')"
    report.metadata["nbgrader"]["locked"] = False
    found = inspect(nb, cells)
    assert "changed locked cells: replay-report" in found.flags and "code in editable cells: solution" in found.flags
    sol.cell_type, sol.outputs, sol.execution_count = "code", [], None   # as OverwriteCells leaves it
    guard(nb, cells)
    assert sol.source == "" and report.source == cells["replay-report"].source
    assert report.metadata["nbgrader"]["locked"] is True


def test_has_code():
    assert not has_code("# a comment\n\n   # another")
    assert has_code("!kubectl get pods") and has_code("%env X=1") and has_code("x = 1  # note")


def test_stock_config_is_refused(tmp_path, course):
    from kubelab.instructor.autograde import UnsafeConfig, check_config

    check_config(course)  # the generated one passes
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'x'\n")
    with pytest.raises(UnsafeConfig, match="kubelab instructor build"):
        check_config(tmp_path)


def test_nbgrader_autograde_runs_none_of_the_students_code(course, tmp_path):
    """nbgrader itself (in-process, real kernels): the exploit in the editable cell, an added cell, a
    changed locked cell, a submitted kubelab/ package and ipykernel_launcher.py (the kernel would import
    them from its working directory) -- none runs, each scores what its (missing) record earns: 0."""
    import shutil

    from kubelab.instructor.autograde import autograde_class

    marker = tmp_path / "marker"
    code = EXPLOIT.format(marker=str(marker))

    def submit(student, edit=None, files=()):
        folder = course / "submitted" / student / LAB
        folder.mkdir(parents=True)
        nb = released(course)
        if edit:
            edit(nb)
        nbformat.write(nb, folder / f"{LAB}.ipynb")
        for name in files:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(code)

    def exploit(nb):
        by_id(nb, "solution").source = code

    def add(nb):
        nb.cells.insert(1, nbformat.v4.new_code_cell(code))

    def change(nb):
        by_id(nb, "submit").source = code

    submit("alice", exploit)
    submit("bob", add)
    submit("carol", change)
    submit("dave", files=("kubelab/__init__.py", "ipykernel_launcher.py", "sitecustomize.py"))
    try:
        results = {r.student: r for r in autograde_class(course, LAB, jobs=1)}
    finally:
        shutil.rmtree(course / "submitted", ignore_errors=True)
    assert not marker.exists(), "student code ran on the instructor's machine"
    assert {s: (r.score, r.status) for s, r in results.items()} == {
        s: (0.0, "graded") for s in ("alice", "bob", "carol", "dave")}, {s: r.to_dict() for s, r in results.items()}
    assert results["alice"].flags == ["code in editable cells: solution"]
    assert results["bob"].flags == ["added code cells: 1"]
    assert results["carol"].flags == ["changed locked cells: submit"]
    assert results["dave"].flags == ["code files in the submission (not run): ipykernel_launcher.py, "
                                     "kubelab/__init__.py, sitecustomize.py"]
    assert results["alice"].verified == "verified live 0 of 8 points, from the record 0"
    graded = nbformat.read(course / "autograded" / "alice" / LAB / f"{LAB}.ipynb", as_version=4)
    assert graded.cells[0].source.startswith("**Autograder:** your notebook's code cells were not run")
    assert "lambda" in by_id(graded, "solution").source        # kept as the student's text
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        comment = gb.find_comment("solution", LAB, LAB, "alice")
        assert comment.auto_comment.startswith("verified live 0 of 8 points, from the record 0.")
        assert "code in editable cells: solution" in comment.auto_comment
    json.dumps([r.to_dict() for r in results.values()])  # --json stays serialisable


def test_broken_nbgrader_metadata_is_not_fatal_to_nbgrader(course, cells):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = released(course)
    odd = nbformat.v4.new_code_cell("x = 1")
    odd.metadata = {"nbgrader": "not a mapping"}
    by_id(nb, "pod-exists").metadata["nbgrader"] = {"grade_id": "pod-exists"}  # keys missing, points gone
    nb.cells.insert(1, odd)
    found = inspect(nb, cells)
    assert "changed locked cells: pod-exists" in found.flags and "added code cells: 1" in found.flags
    MetadataValidator().validate_nb(nb)      # nbgrader's CheckCellMetadata would fail the notebook otherwise
    assert by_id(nb, "pod-exists").metadata["nbgrader"]["points"] == cells["pod-exists"].points


def test_a_check_the_cluster_could_not_answer_is_a_regrade_without_a_score(course, monkeypatch, dead_kubeconfig):
    """The grade cells meet an unreachable API server: no 0 in the gradebook (no score, needs manual
    grade), the comment and the summary say regrade."""
    import shutil

    from nbgrader.api import Gradebook

    from kubelab.instructor import replay as rp
    from kubelab.instructor.autograde import autograde_class
    from kubelab.instructor.record import FORMAT, write_record

    monkeypatch.setattr(rp, "replay", lambda lab, rec, student, run, converge: rp.Replay(
        lab.id, student, "kubernetes", lab_namespace=lab.namespace, namespace="kg-dead-erin"))
    monkeypatch.setattr(rp, "cleanup", lambda r, **k: None)
    folder = course / "submitted" / "erin" / LAB
    folder.mkdir(parents=True)
    nbformat.write(released(course), folder / f"{LAB}.ipynb")
    write_record({"kubelab_record": FORMAT, "lab": LAB, "kind": "kubernetes", "objects": [], "checks": {}}, folder)
    try:
        (res,) = autograde_class(course, LAB, students=["erin"])
    finally:
        shutil.rmtree(course / "submitted", ignore_errors=True)
    assert res.status == "regrade" and "could not be graded: pod-exists" in res.reason, res.to_dict()
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        grades = gb.find_submission_notebook(LAB, LAB, "erin").grades
        assert all(g.auto_score is None and g.needs_manual_grade for g in grades)
        assert "regrade" in gb.find_comment("solution", LAB, LAB, "erin").auto_comment
