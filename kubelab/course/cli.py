"""`kubelab course ...`: list, render, lint the course notebooks (course/NN-slug.py -> .ipynb).

Module level imports typer and the standard library only; jupytext, nbformat and the lab
registry are imported inside the commands.
"""

from __future__ import annotations

from typing import List, Optional

import typer

course_app = typer.Typer(help="Course notebooks: list, render, lint.", no_args_is_help=True)


@course_app.command("list")
def list_() -> None:
    """Every notebook with the labs and quiz questions it references."""
    from kubelab.course.notebooks import references, sources

    for src in sources():
        refs = references(src)
        typer.echo(f"{src.name}: labs {', '.join(refs.labs) or '-'}; questions {len(refs.questions)}")


@course_app.command()
def render(names: Optional[List[str]] = typer.Argument(None, help="notebook sources (default: all)")) -> None:
    """Regenerate course/NN-slug.ipynb from course/NN-slug.py."""
    from pathlib import Path

    from kubelab.course.notebooks import course_dir, notebook_path, render as render_one, sources

    srcs = sources()
    if names:
        wanted = {Path(n).stem for n in names}
        srcs = [s for s in srcs if s.stem in wanted]
        missing = wanted - {s.stem for s in srcs}
        if missing:
            typer.echo(f"no notebook source {', '.join(sorted(missing))} in {course_dir()}", err=True)
            raise typer.Exit(3)
    for src in srcs:
        changed = render_one(src)
        typer.echo(f"{'wrote' if changed else 'unchanged'} {notebook_path(src).name}")


@course_app.command()
def lint() -> None:
    """Fail (exit 1) when a notebook drifts from its source or references a missing lab/question."""
    from kubelab.course.notebooks import lint as lint_all, sources
    from kubelab.lint_report import report

    report(lint_all(), f"{len(sources())} notebook(s) ok")


def main() -> None:  # `python -m kubelab.course.cli` until `kubelab course` is mounted
    course_app()


if __name__ == "__main__":
    main()
