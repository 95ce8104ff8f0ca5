"""`kubelab exam ...`: a timed mock exam of live tasks (labs) drawn by a CKA/CKAD/kubelab blueprint.

list, start, status, task, flag, skip, submit, review, history, reset. Module level imports typer
and the standard library only. Past the deadline, the next exam command grades the run.
Exit codes: 0 ok (submit/review: passed), 1 failed the pass line, 2 cluster/Docker trouble or a
step failed, 3 bad input (unknown track, task, run; an exam already running).
"""

from __future__ import annotations

import json
import time
from typing import Optional

import typer

exam_app = typer.Typer(help="Timed mock exam of live tasks: list, start, status, task, flag, skip, submit, "
                            "review, history, reset.", no_args_is_help=True)


def _console():
    from rich.console import Console

    return Console(highlight=False)


def _log(msg: str) -> None:
    typer.echo(msg, err=True)


def _die(msg: str, code: int) -> None:
    typer.echo(msg, err=True)
    raise typer.Exit(code)


def _store():
    from kubelab.exam.store import ExamStore
    from kubelab.quiz.store import StoreError

    try:
        return ExamStore()
    except StoreError as exc:
        _die(str(exc), 2)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _running(store):
    """The running exam; past its deadline it is graded now (and None is returned)."""
    run = store.active()
    if run is None:
        _die("no exam is running: `kubelab exam start <track>` (tracks: `kubelab exam list`)", 3)
    if run.state == "seeding":
        _die(f"exam run {run.id} is still being seeded (or its start was interrupted): wait, or "
             "`kubelab exam reset`", 3)
    if run.expired():
        typer.echo(f"Time is up (deadline passed {_clock(time.time() - run.deadline)} ago): grading now.")
        raise typer.Exit(_grade_and_show(store, run, as_json=False))
    return run


def _grade_and_show(store, run, as_json: bool) -> int:
    from kubelab.exam.session import grade

    result = grade(store, run, _log)
    _show(result, as_json)
    if not result.recorded:
        return 2
    return 0 if result.passed else 1


def _show(result, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _console().print(result)


def _task_view(task, lab, run) -> str:
    from kubelab.exam.blueprints import get_track
    from kubelab.exam.session import context_line

    track = get_track(run.track)
    marks = [m for m, s in (("flagged", run.flagged), ("skipped", run.skipped)) if task.number in s]
    head = (f"## Task {task.number} · {task.weight:.1f} points · {track.domain(task.domain).name}"
            + (f" · {', '.join(marks)}" if marks else ""))
    return f"{head}\n\n*{lab.title}* (lab `{lab.id}`)\n\n**Work in:** {context_line(lab)}\n\n{lab.task.strip()}\n"


@exam_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """The tracks: domains, weights (blueprint and as drawn today), labs per domain, pass line."""
    from kubelab.exam.blueprints import TRACKS
    from kubelab.exam.session import _labs, track_listing

    labs = _labs()
    listing = [track_listing(t, labs) for t in TRACKS.values()]
    if as_json:
        typer.echo(json.dumps(listing, indent=2))
        return
    from rich.table import Table

    console = _console()
    for t in listing:
        table = Table(title=f"{t['id']}: {t['title']} · pass line {t['pass_pct']:g}% · {t['labs']} labs",
                      title_justify="left")
        for col, just in (("domain", "left"), ("weight", "right"), ("as drawn", "right"), ("labs", "left")):
            table.add_column(col, justify=just, overflow="fold")
        empty = []
        for d in t["domains"]:
            labs_text = ", ".join(d["labs"]) if d["labs"] else "no tasks yet"
            if not d["labs"]:
                empty.append(d["name"])
            table.add_row(d["name"], f"{d['weight']:g}%", f"{d['effective_weight']:.1f}%", labs_text,
                          style="dim" if not d["labs"] else "")
        console.print(table)
        if empty:
            console.print(f"  no tasks yet in: {'; '.join(empty)}; their weight is shared out over the other "
                          "domains in proportion (column 'as drawn')")
        if t["note"]:
            console.print(f"  {t['note']}")
        console.print()


@exam_app.command()
def start(track: str = typer.Argument(..., help="track id: cka, ckad, kubelab"),
          minutes: float = typer.Option(120, "--minutes", help="time allowed"),
          seed: Optional[int] = typer.Option(None, "--seed", help="same seed, same tasks"),
          tasks: Optional[int] = typer.Option(None, "--tasks", help="number of tasks (default 17)"),
          labs: Optional[str] = typer.Option(None, "--labs", help="exactly these lab ids, comma-separated "
                                             "(instead of a draw)"),
          as_json: bool = typer.Option(False, "--json", help="machine-readable task list")) -> None:
    """Draw the tasks, reset and seed them all on the course cluster, start the clock, list the tasks."""
    from kubelab.exam.draw import DrawError
    from kubelab.exam.session import ExamError, run_tasks, start_exam
    from kubelab.exam.store import ActiveRunError
    from kubelab.labs.registry import get_lab

    if minutes <= 0:
        _die("--minutes must be positive", 3)
    store = _store()
    old = store.active()
    if old is not None and old.expired():     # past its deadline: graded now, then the new exam starts
        typer.echo(f"exam run {old.id} is past its deadline: grading it first.")
        if _grade_and_show(store, old, as_json=False) == 2:
            raise typer.Exit(2)
    only = [x.strip() for x in labs.split(",") if x.strip()] if labs else None
    try:
        run = start_exam(store, track, seed=seed, minutes=minutes, count=tasks, only=only, log=_log)
    except (KeyError, DrawError, ActiveRunError) as exc:
        _die(str(exc).strip("'\""), 3)
    except ExamError as exc:
        _die(str(exc), 2)
    if as_json:
        typer.echo(json.dumps({"run": run.id, "track": run.track, "seed": run.seed, "deadline": run.deadline,
                               "tasks": run.tasks}, indent=2))
        return
    from rich.markdown import Markdown

    console = _console()
    console.print(f"[bold]Exam run {run.id}[/]: {run.track}, seed {run.seed}, {len(run.tasks)} tasks, "
                  f"{run.minutes:g} minutes (until {time.strftime('%H:%M', time.localtime(run.deadline))})")
    for t in run_tasks(run):
        console.print()
        console.print(Markdown(_task_view(t, get_lab(t.lab_id), run)))
    console.print()
    console.print("`kubelab exam task N` shows one task again, `kubelab exam flag N` marks it, "
                  "`kubelab exam status` the time left, `kubelab exam submit` grades everything.")


@exam_app.command()
def status(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Time left, and the flagged and skipped tasks of the running exam."""
    from kubelab.exam.session import run_tasks

    store = _store()
    run = _running(store)
    left = run.seconds_left()
    if as_json:
        typer.echo(json.dumps({"run": run.id, "track": run.track, "seconds_left": round(left),
                               "tasks": len(run.tasks), "flagged": run.flagged, "skipped": run.skipped}, indent=2))
        return
    typer.echo(f"exam run {run.id} ({run.track}, seed {run.seed}): time left {_clock(left)} of {run.minutes:g} min")
    for t in run_tasks(run):
        marks = [m for m, s in (("flagged", run.flagged), ("skipped", run.skipped)) if t.number in s]
        typer.echo(f"  {t.number:>2}. {t.weight:4.1f} pts  {t.lab_id:<28} {' '.join(marks)}")
    typer.echo(f"flagged: {', '.join(map(str, run.flagged)) or 'none'}; skipped: "
               f"{', '.join(map(str, run.skipped)) or 'none'}")


@exam_app.command()
def task(number: int = typer.Argument(..., help="task number")) -> None:
    """One task's text, with the context/namespace it uses."""
    from rich.markdown import Markdown

    from kubelab.exam.session import run_tasks
    from kubelab.labs.registry import get_lab

    store = _store()
    run = _running(store)
    for t in run_tasks(run):
        if t.number == number:
            _console().print(Markdown(_task_view(t, get_lab(t.lab_id), run)))
            return
    _die(f"no task {number}; tasks are 1-{len(run.tasks)}", 3)


def _mark(number: int, mark: str) -> None:
    from kubelab.exam.session import ExamError, toggle

    store = _store()
    run = _running(store)
    try:
        run, on = toggle(store, run, number, mark)
    except ExamError as exc:
        _die(str(exc), 3)
    word = "flagged" if mark == "flag" else "skipped"
    typer.echo(f"task {number} {word}" if on else f"task {number} no longer {word}")


@exam_app.command()
def flag(number: int = typer.Argument(..., help="task number (again to unflag)")) -> None:
    """Flag a task to come back to (toggles)."""
    _mark(number, "flag")


@exam_app.command()
def skip(number: int = typer.Argument(..., help="task number (again to unmark)")) -> None:
    """Mark a task as skipped (toggles)."""
    _mark(number, "skip")


@exam_app.command()
def submit(as_json: bool = typer.Option(False, "--json", help="machine-readable result")) -> None:
    """Grade every task live: score per task and domain, total against the pass line, solutions."""
    store = _store()
    run = store.active()
    if run is None:
        _die("no exam is running (`kubelab exam review` shows the last result)", 3)
    if run.state != "running":
        _die(f"exam run {run.id} is still {run.state}: wait, or `kubelab exam reset`", 3)
    raise typer.Exit(_grade_and_show(store, run, as_json))


@exam_app.command()
def review(run_id: Optional[int] = typer.Argument(None, help="run number (default: the last graded)"),
           as_json: bool = typer.Option(False, "--json", help="machine-readable result")) -> None:
    """Show a graded run again: scores, domains, hints and solutions."""
    from kubelab.exam.result import ExamResult

    store = _store()
    if run_id is None:
        run = store.latest("graded")
        if run is None:
            _die("no graded exam yet", 3)
    else:
        try:
            run = store.get(run_id)
        except KeyError as exc:
            _die(str(exc).strip("'\""), 3)
        if run.result is None:
            _die(f"exam run {run_id} has no result ({run.state}{': ' + run.note if run.note else ''})", 3)
    result = ExamResult.from_dict(run.result)
    _show(result, as_json)


@exam_app.command()
def history(as_json: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Every run with its score over time, and a bar chart against the pass line."""
    from kubelab.exam.result import history_chart

    store = _store()
    runs = store.runs()
    graded = [r.result for r in runs if r.result]
    if as_json:
        typer.echo(json.dumps([{"run": r.id, "track": r.track, "seed": r.seed, "state": r.state,
                                "started_at": r.started_at, "total": (r.result or {}).get("total"),
                                "passed": (r.result or {}).get("passed"), "note": r.note} for r in runs], indent=2))
        return
    if not runs:
        typer.echo("no exam runs yet: `kubelab exam start <track>`")
        return
    for r in runs:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started_at or r.created_at))
        score = f"{r.result['total']:5.1f}" if r.result else "    -"
        typer.echo(f"{r.id:>4}  {when}  {r.track:<8} seed {r.seed:<6} {r.state:<9} {score}"
                   + (f"  {r.note}" if r.note and not r.result else ""))
    if graded:
        typer.echo("\nscore out of 100 (| = pass line):")
        typer.echo(history_chart(graded))


@exam_app.command()
def reset() -> None:
    """Clean every task's lab of the running (abandoned) or last exam, within 60 s."""
    from kubelab.exam.session import ExamError, reset_exam

    store = _store()
    try:
        run, seconds = reset_exam(store, _log)
    except ExamError as exc:
        _die(str(exc), 2)
    if run is None:
        typer.echo("no exam to reset")
        return
    typer.echo(f"exam run {run.id}: {len(run.tasks)} task labs reset in {seconds:.1f} s")
