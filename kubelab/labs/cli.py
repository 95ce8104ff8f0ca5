"""`kubelab lab ...`: list, show, start, check, hint, solve, reset, lint, render.

Module level imports typer and the standard library only (the `kubelab` command imports
every sub-app at start); kubernetes, docker and rich are imported inside the commands.
Exit codes of `check`: 0 all passed, 1 some failed, 2 some check could not run (error).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Optional

import typer

lab_app = typer.Typer(help="Labs: list, show, start, check, hint, solve, reset, lint, render.",
                      no_args_is_help=True)


def _console():
    from rich.console import Console

    return Console(highlight=False)


def _lab(lab_id: str):
    from kubelab.labs.registry import LabLoadError, get_lab

    try:
        return get_lab(lab_id)
    except (KeyError, LabLoadError) as exc:
        typer.echo(str(exc).strip("'\""), err=True)
        raise typer.Exit(3) from None


def _log(msg: str) -> None:
    typer.echo(msg, err=True)


def _fail(action: str, exc: Exception) -> None:
    typer.echo(f"{action} failed: {exc}", err=True)
    raise typer.Exit(2)


@lab_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
          wide: bool = typer.Option(False, "--wide", help="also the cluster shape and the minutes")) -> None:
    """Every lab: id, title, topic, points (--wide: also cluster shape, minutes)."""
    from kubelab.labs.registry import all_labs

    labs = sorted(all_labs().values(), key=lambda lab: (lab.topic, lab.id))
    if as_json:
        typer.echo(json.dumps([lab.summary() for lab in labs], indent=2))
        return
    _console().print(lab_table(labs, wide=wide))


def lab_table(labs, wide: bool = False):
    """The `lab list` table. Ids are never cut or wrapped (students type them); the title folds.
    In a terminal's width the labs are grouped under their topic; --wide adds the topic, shape
    and minutes as columns."""
    from itertools import groupby

    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title="kubelab labs", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("id", no_wrap=True)
    table.add_column("title", overflow="fold")
    if wide:
        table.add_column("topic", no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    if wide:
        table.add_column("shape", no_wrap=True)
        table.add_column("min", justify="right", no_wrap=True)
        for lab in labs:
            table.add_row(lab.id, lab.title, lab.topic, f"{lab.max_points:g}", lab.shape, str(lab.minutes))
        return table
    for topic, group in groupby(labs, key=lambda lab: lab.topic):
        table.add_row(Text(topic, style="bold"), "", "")
        for lab in group:
            table.add_row(lab.id, lab.title, f"{lab.max_points:g}")
        table.add_section()
    return table


@lab_app.command()
def show(lab_id: str = typer.Argument(..., help="lab id")) -> None:
    """The task, the checks and how to start."""
    from rich.markdown import Markdown

    from kubelab.labs.render import readme_text

    lab = _lab(lab_id)
    text = readme_text(lab).split("<details>")[0].split("\n", 1)[1]
    _console().print(Markdown(text))


def _started(lab) -> bool:
    """Is the lab's namespace there (and not being deleted)? False for Docker labs."""
    if not lab.namespace or lab.shape == "docker":
        return False
    from kubernetes.client.exceptions import ApiException

    from kubelab.cluster.kube import core

    try:
        ns = core().read_namespace(lab.namespace)
    except ApiException as exc:
        if exc.status == 404:
            return False
        raise
    return ns.status.phase != "Terminating"


@lab_app.command()
def start(lab_id: str = typer.Argument(..., help="lab id"),
          fresh: bool = typer.Option(False, "--fresh", help="reset the lab first"),
          keep: bool = typer.Option(False, "--keep", help="leave a lab that is already started as it is "
                                    "(what `make course` does: your work survives)")) -> None:
    """Ensure the cluster shape (or Docker), create the lab namespace and seed it."""
    from kubelab.labs import actions

    lab = _lab(lab_id)
    try:
        if keep and not fresh and _started(lab):
            typer.echo(f"lab {lab_id} is already started in namespace {lab.namespace}: your work there is kept "
                       f"(`kubelab lab start {lab_id} --fresh` starts it over)")
            return
        if fresh:
            actions.reset(lab, _log)
        actions.start(lab, _log)
    except Exception as exc:
        _fail(f"start {lab_id}", exc)
    typer.echo(f"lab {lab_id} is ready" + (f" in namespace {lab.namespace}" if lab.namespace else "")
               + f"; check your work with `kubelab lab check {lab_id}`")


@lab_app.command()
def check(lab_id: str = typer.Argument(..., help="lab id"),
          as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
          wait: float = typer.Option(0.0, "--wait", help="re-check for up to this many seconds until all pass")) -> None:
    """Grade the lab from live state. Exit 0 all passed, 1 some failed, 2 error."""
    from kubelab.labs.engine import check_lab, wait_for

    lab = _lab(lab_id)
    result = wait_for(lab, lambda r: r.all_passed or r.exit_code == 2, timeout=wait) if wait > 0 else check_lab(lab)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _console().print(result)
    raise typer.Exit(result.exit_code)


@lab_app.command()
def hint(lab_id: str = typer.Argument(..., help="lab id"),
         check_id: str = typer.Argument(..., help="check id (see `kubelab lab show`)")) -> None:
    """The hint for one check."""
    lab = _lab(lab_id)
    try:
        c = lab.check_by_id(check_id)
    except KeyError as exc:
        typer.echo(str(exc).strip("'\""), err=True)
        raise typer.Exit(3) from None
    typer.echo(f"{c.id}: {c.title}\nhint: {c.hint}")


@lab_app.command()
def solve(lab_id: str = typer.Argument(..., help="lab id"),
          near_miss: Optional[str] = typer.Option(None, "--near-miss", help="apply a declared near-miss instead"),
          variant: Optional[str] = typer.Option(None, "--variant", help="apply a declared variant (another correct solution)")) -> None:
    """Apply the reference solution (the commands the README shows)."""
    from kubelab.labs import actions

    lab = _lab(lab_id)
    try:
        actions.solve(lab, _log, near_miss=near_miss, variant=variant)
    except Exception as exc:
        _fail(f"solve {lab_id}", exc)
    what = f"near-miss {near_miss}" if near_miss else f"variant {variant}" if variant else "reference solution"
    typer.echo(f"applied the {what} of {lab_id}")


@lab_app.command()
def reset(lab_id: str = typer.Argument(..., help="lab id")) -> None:
    """Delete everything the lab owns (namespace, labelled objects, Docker containers)."""
    from kubelab.labs import actions

    lab = _lab(lab_id)
    t0 = time.perf_counter()
    try:
        actions.reset(lab, _log)
    except Exception as exc:
        _fail(f"reset {lab_id}", exc)
    typer.echo(f"lab {lab_id} reset ({time.perf_counter() - t0:.1f} s); `kubelab lab start {lab_id}` seeds it again")


@lab_app.command()
def lint() -> None:
    """Validate every lab folder without a cluster (exit 1 and name each problem)."""
    from kubelab.labs.lint import lint_all
    from kubelab.labs.registry import lab_folders
    from kubelab.lint_report import report

    from kubelab.labs.registry import all_labs

    problems = lint_all()
    live_only = [] if problems else [f"\n  {lab.id}: {lab.not_autogradable}" for lab in all_labs().values()
                                     if lab.not_autogradable]
    report(problems, f"{len(lab_folders())} lab folder(s) OK" +
           (f"; not class-autogradable (graded live only):{''.join(sorted(live_only))}" if live_only else ""))


@lab_app.command()
def render(lab_ids: Optional[list[str]] = typer.Argument(None, help="lab ids (all when omitted)")) -> None:
    """Regenerate each lab's README.md and notebook.ipynb from lab.py."""
    from kubelab.labs.registry import all_labs
    from kubelab.labs.render import render as render_lab

    labs = [_lab(i) for i in lab_ids] if lab_ids else list(all_labs().values())
    for lab in labs:
        changed = render_lab(lab)
        typer.echo(f"{lab.id}: " + (", ".join(p.name for p in changed) + " written" if changed else "up to date"))
    sys.stdout.flush()
