"""`kubelab instructor build` and `kubelab autograde <lab> [--jobs N]`.

Module level imports typer and the standard library only (heavy imports inside commands).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import List, Optional

import typer

instructor_app = typer.Typer(help="Instructors: an nbgrader course from the labs; grade a class.",
                             no_args_is_help=True)
course_build_app = instructor_app  # the name the lead's brief used


@instructor_app.command("build")
def build(
    course: Path = typer.Option(Path("nbgrader-course"), "--course", "-c", help="nbgrader course directory to write"),
    labs: Optional[List[str]] = typer.Argument(None, help="lab ids (default: every lab)"),
    release: bool = typer.Option(False, "--release", help="also run `nbgrader generate_assignment` for each lab"),
):
    """Write nbgrader_config.py and source/<lab>/<lab>.ipynb for every lab (or the ones named)."""
    from kubelab.instructor.build import build_course, release_labs

    def skipped(lab, why):
        typer.echo(f"left out {lab.id}: not class-autogradable ({why}); self-paced learners and `kubelab exam` "
                   "grade it live")

    written = build_course(course, labs or None, on_skip=skipped)
    for path in written:
        typer.echo(f"wrote {path}")
    if release:
        failed = release_labs(course.resolve(), [p.parent.name for p in written], echo=typer.echo)
        if failed:
            raise typer.Exit(1)
    typer.echo(f"next: cd {course} && nbgrader generate_assignment <lab>  (or --release)")


@instructor_app.command("cleanup")
def cleanup():
    """Remove what interrupted autograde runs left: replay namespaces, containers, networks, volumes,
    images and scratch folders (found by label and tag)."""
    from kubelab.instructor.cleanup import cleanup_leftovers

    found = cleanup_leftovers(echo=typer.echo)
    if not any(found.values()):
        typer.echo("nothing left behind by a replay")


def autograde(
    lab: str = typer.Argument(..., help="lab id = nbgrader assignment name"),
    course: Path = typer.Option(Path("nbgrader-course"), "--course", "-c", help="nbgrader course directory"),
    jobs: int = typer.Option(2, "--jobs", "-j", help="submissions replayed at once (nbgrader itself runs one at a time)"),
    student: Optional[List[str]] = typer.Option(None, "--student", "-s", help="only these students"),
    converge: float = typer.Option(60.0, "--converge", help="seconds to wait for replayed workloads to be ready (longer while they still progress, at most 3x)"),
    as_json: bool = typer.Option(False, "--json", help="print the results as JSON"),
    verified_only: bool = typer.Option(False, "--verified-only",
                                       help="score 0 for checks graded from the record only (lab.record_only)"),
):
    """Autograde every submission of a lab on this cluster: replay, nbgrader autograde (kubelab's locked
    cells only), clean up. Exit 2 when a submission needs a regrade (the autograder's trouble)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from kubelab.instructor.autograde import UnsafeConfig, autograde_class, check_config, plain, submitted_students, \
        summary_table

    from kubelab.labs.registry import get_lab

    try:
        why = get_lab(lab).not_autogradable
    except KeyError:
        why = ""   # an unknown lab has no submissions either: said below
    if why:
        typer.echo(f"autograde refused: {lab} is not class-autogradable: {why}. It is graded live only "
                   f"(`kubelab lab check {lab}` on the student's cluster, or in `kubelab exam`)", err=True)
        raise typer.Exit(3)
    course = course.resolve()
    students = student or submitted_students(course, lab)
    if not students:
        typer.echo(f"no submissions of {lab} under {course / 'submitted'}", err=True)
        raise typer.Exit(1)
    try:
        check_config(course)
    except (UnsafeConfig, OSError) as exc:
        typer.echo(f"autograde refused: {exc}", err=True)
        raise typer.Exit(1)
    console = Console(stderr=as_json)
    start = time.monotonic()
    with Progress(TextColumn("autograde {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.fields[last]}"), console=console, transient=as_json) as progress:
        task = progress.add_task(lab, total=len(students), last="")

        def done(res):
            score = "regrade" if res.score is None else f"{res.score:g}/{res.max_score:g}"
            progress.update(task, advance=1, last=f"{plain(res.student)} {score}")

        results = autograde_class(course, lab, jobs=jobs, students=students, converge=converge, on_done=done,
                                  verified_only=verified_only)
    seconds = time.monotonic() - start
    if as_json:
        typer.echo(json.dumps({"lab": lab, "seconds": round(seconds, 1), "results": [r.to_dict() for r in results]},
                              indent=1))
    else:
        console.print(summary_table(lab, results, seconds))
        console.print(f"{len(results) / (seconds / 60):.1f} submissions per minute; "
                      f"next: cd {course} && nbgrader generate_feedback {lab}")
    if any(r.status != "graded" for r in results):
        raise typer.Exit(2)


autograde_app = typer.Typer(help="Autograde a class", add_completion=False)
autograde_app.command()(autograde)
