"""Fast: the course notebooks lint clean; lint names the file when something drifts."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from kubelab.course import notebooks

SOURCE = textwrap.dedent('''\
    # %% [markdown]
    # # A tiny notebook

    # %% tags=["parameters"]
    SOLVE = False

    # %%
    from kubelab.course.nb import lab_task, quiz

    lab_task("docker-web-port", solve=SOLVE)

    # %%
    quiz("docker-01", "docker-02")
    ''')


def test_real_course_lints_clean():
    problems = notebooks.lint()
    assert problems == [], "\n".join(map(str, problems))


@pytest.fixture
def course(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBELAB_COURSE_DIR", str(tmp_path))
    src = tmp_path / "01-tiny.py"
    src.write_text(SOURCE)
    notebooks.render(src)
    return tmp_path


def test_fixture_renders_and_lints_clean(course):
    assert notebooks.lint(course) == []
    nb = json.loads((course / "01-tiny.ipynb").read_text())
    assert nb["metadata"]["kubelab"]["source"] == "01-tiny.py"
    assert [c["id"] for c in nb["cells"]] == [f"01-tiny-{i:03d}" for i in range(4)]
    assert "parameters" in nb["cells"][1]["metadata"]["tags"]
    assert notebooks.render_all(course) == []  # idempotent


def test_drift_names_the_file(course):
    src = course / "01-tiny.py"
    src.write_text(SOURCE.replace("A tiny notebook", "A changed notebook"))
    problems = [str(p) for p in notebooks.lint(course)]
    assert len(problems) == 1 and "01-tiny.ipynb" in problems[0] and "drifted" in problems[0], problems


def test_missing_and_orphan_notebooks(course):
    shutil.copy(course / "01-tiny.ipynb", course / "02-orphan.ipynb")
    (course / "01-tiny.ipynb").unlink()
    problems = [str(p) for p in notebooks.lint(course)]
    assert any("02-orphan.ipynb" in p and "no .py source" in p for p in problems), problems
    assert any("01-tiny.ipynb" in p and "missing" in p for p in problems), problems


def test_unknown_lab_and_question_are_named(course):
    src = course / "01-tiny.py"
    src.write_text(SOURCE.replace('"docker-web-port"', '"no-such-lab"').replace('"docker-02"', '"nope-99"'))
    notebooks.render(src)
    problems = [str(p) for p in notebooks.lint(course)]
    assert any("01-tiny.py" in p and "'no-such-lab'" in p for p in problems), problems
    assert any("01-tiny.py" in p and "'nope-99'" in p for p in problems), problems


def test_labs_need_a_solve_parameter(course):
    src = course / "01-tiny.py"
    src.write_text(SOURCE.replace('# %% tags=["parameters"]\nSOLVE = False\n', "# %%\nSOLVE = False\n"))
    notebooks.render(src)
    problems = [str(p) for p in notebooks.lint(course)]
    assert any("01-tiny.py" in p and "parameters" in p for p in problems), problems


def test_references_read_from_the_syntax_tree():
    refs = notebooks.references(textwrap.dedent('''\
        lab_task("a-lab", solve=SOLVE)
        nb.lab_panel("b-lab")
        question("q-1")
        quiz("q-2", "q-3")
        quiz_widget(ids=["q-4"])
        # lab_task("commented-out") is not a reference
        '''))
    assert refs.labs == ["a-lab", "b-lab"]
    assert refs.questions == ["q-1", "q-2", "q-3", "q-4"]


def test_cli_lint_exit_codes(course):
    from typer.testing import CliRunner

    from kubelab.course.cli import course_app

    ok = CliRunner().invoke(course_app, ["lint"])
    assert ok.exit_code == 0, ok.output
    (course / "01-tiny.py").write_text(SOURCE + "\n# %%\nprint('new')\n")
    bad = CliRunner().invoke(course_app, ["lint"])
    assert bad.exit_code == 1 and "01-tiny.ipynb" in bad.output
    fixed = CliRunner().invoke(course_app, ["render"])
    assert fixed.exit_code == 0 and "wrote 01-tiny.ipynb" in fixed.output
