"""Lint and render, no cluster: the real labs are clean; malformed folders are named with their problem."""

from pathlib import Path

import nbformat
import pytest

from kubelab.labs.lint import lint_all
from kubelab.labs.registry import all_labs, labs_dir, lab_folders
from kubelab.labs.render import grade_cells, rendered_files

MALFORMED = Path(__file__).parent / "fixtures" / "malformed"
LAB_IDS = [p.name for p in lab_folders(labs_dir())]

EXPECTED = {  # folder -> (file, words of the problem)
    "bad-points": ("lab.py:8", "points must be a number, found '1'"),
    "dup-check": ("lab.py:13", "check id 'thing' is declared twice"),
    "no-hint": ("lab.py:8", "hint is missing"),
    "syntax-error": ("lab.py:3", "SyntaxError"),
    "id-mismatch": ("lab.py", "must equal the folder name 'id-mismatch'"),
    "no-solution": ("lab.py", "reference solution is missing"),
    "bad-near-miss": ("lab.py", "names check 'nope', which the lab does not declare"),
    "bad-check-id": ("lab.py:8", "check id 'Thing_Exists' is not well-formed"),
    "stale-render": ("README.md", "out of date with lab.py"),
    "foreign-image": ("lab.py", "not in the image catalog"),
    "no-lab-py": ("lab.py", "missing"),
    "foreign-variant-image": ("lab.py", "variant 'other-image' uses image 'nginx:1.23', which is no spelling"),
    "unstated-name": ("lab.py:11", "selects [name={P.container}] ('main'), a name the task text never states"),
    "literal-name": ("lab.py:13", "selects [name=data], a literal name, not taken from a lab parameter"),
}


def test_real_labs_lint_clean():
    assert [str(p) for p in lint_all()] == []


def test_labs_are_discovered():
    assert {"docker-web-port", "pods-basics"} <= set(LAB_IDS)
    assert set(all_labs()) == set(LAB_IDS)


@pytest.fixture(scope="module")
def malformed_problems():
    return lint_all(MALFORMED)


@pytest.mark.parametrize("folder", sorted(EXPECTED))
def test_malformed_lab_is_named_with_its_problem(folder, malformed_problems):
    where, words = EXPECTED[folder]
    mine = [p for p in malformed_problems if f"/{folder}/" in p.path]
    assert mine, f"lint said nothing about {folder}"
    assert any(p.path.endswith(f"{folder}/{where}") and words in p.message for p in mine), \
        "\n".join(str(p) for p in mine)


def test_literal_name_is_a_warning_and_interpolated_names_are_fine(malformed_problems):
    mine = [p for p in malformed_problems if "/literal-name/" in p.path]
    assert [p.level for p in mine] == ["warning"], "\n".join(str(p) for p in mine)  # [name={P.volume}] is fine
    assert "P.claim is 'data'" in mine[0].message and str(mine[0]).split(": ", 1)[1].startswith("warning: ")


def test_variant_images_may_be_spelled_differently(malformed_problems):
    mine = [str(p) for p in malformed_problems if "/foreign-variant-image/" in p.path and "uses image" in p.message]
    assert len(mine) == 1 and "other-image" in mine[0], mine   # nginx:1.22.1 is the catalog's nginx


def test_every_malformed_fixture_is_covered():
    assert sorted(p.name for p in MALFORMED.iterdir() if p.is_dir()) == sorted(EXPECTED)


def test_lint_cli_exit_codes(monkeypatch):
    from typer.testing import CliRunner

    from kubelab.labs.cli import lab_app

    runner = CliRunner()
    ok = runner.invoke(lab_app, ["lint"])
    assert ok.exit_code == 0, ok.output
    monkeypatch.setenv("KUBELAB_LABS_DIR", str(MALFORMED))
    bad = runner.invoke(lab_app, ["lint"])
    assert bad.exit_code == 1
    assert "bad-points/lab.py:8: check 'thing': points must be a number" in bad.output


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_rendered_files_in_sync_and_values_agree(lab_id):
    lab = all_labs()[lab_id]
    files = rendered_files(lab)
    for name, text in files.items():
        assert (lab.folder / name).read_text() == text, f"{name} is stale: run `kubelab lab render {lab_id}`"
    nb = nbformat.reads(files["notebook.ipynb"], 4)
    grades = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert [(c.metadata.nbgrader.grade_id, c.metadata.nbgrader.points) for c in grades] == \
        [(c.id, float(c.points)) for c in lab.checks]
    assert any("solution" in c.metadata.get("tags", []) for c in nb.cells)
    assert f'lab_panel("{lab_id}")' in "".join(c.source for c in nb.cells)
    # every parameter value the task names appears in the rendered README exactly as in lab.py
    for key, value in lab.params.items():
        if isinstance(value, (str, int)) and str(value) in lab.task:
            assert str(value) in files["README.md"], key
    assert len(grade_cells(lab_id)) == len(lab.checks)


def test_render_cli_reports_up_to_date():
    from typer.testing import CliRunner

    from kubelab.labs.cli import lab_app

    res = CliRunner().invoke(lab_app, ["render"])
    assert res.exit_code == 0 and "up to date" in res.output
