"""The quiz CLI module stays cheap to import (every `kubelab` call imports it)."""

import subprocess
import sys

HEAVY = ("yaml", "sqlite3", "ipywidgets", "kubelab.quiz.bank", "kubelab.quiz.store", "kubelab.quiz.judge")


def test_quiz_cli_module_imports_only_typer_and_stdlib():
    code = ("import sys, kubelab.quiz.cli; "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"expected no heavy imports at module level, found {out.stdout.strip()}"


def test_practice_path_does_not_import_rich_or_widgets(tmp_path):
    code = ("import sys, io; sys.argv = ['kubelab', 'quiz', '-n', '1', '--seed', '1']; "
            "sys.stdin = io.StringIO(''); from kubelab.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(','.join(m for m in ('ipywidgets', 'kubelab.quiz.stats', 'kubelab.quiz.lint', "
            "'kubelab.quiz.dryrun', 'kubelab.quiz.facts') "
            "if m in sys.modules))")
    env = {"KUBELAB_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert "Question 1/1" in out.stdout
    assert out.stderr.strip() == ""
