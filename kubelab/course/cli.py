"""`kubelab course ...`: list, render, lint the course notebooks (course/NN-slug.py -> .ipynb).

Module level imports typer and the standard library only; jupytext, nbformat and the lab
registry are imported inside the commands.
"""

from __future__ import annotations

from typing import List, Optional

import typer

course_app = typer.Typer(help="Course notebooks: serve, list, render, lint.", no_args_is_help=True)


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


@course_app.command()
def serve(
    port: int = typer.Option(8888, help="port to serve on"),
    ip: str = typer.Option("127.0.0.1", help="address to listen on (0.0.0.0: every interface)"),
    root: Optional[str] = typer.Option(None, help="folder to serve (default: the course notebooks)"),
    lab: Optional[str] = typer.Option(None, help="the lab `make course` started (named in what to do first)"),
    background: bool = typer.Option(False, "--background", help="return once JupyterLab answers, leave it running"),
    check: bool = typer.Option(False, "--check", help="exit 0 when the course server answers on the port, 1 when not"),
    stop: bool = typer.Option(False, "--stop", help="stop the server a --background run started on the port"),
    wait: float = typer.Option(90.0, help="seconds to wait for JupyterLab to answer"),
) -> None:
    """Serve the course in JupyterLab and print the URL (with its token) and what to do first.

    Serves until Ctrl-C; with --background returns once /api answers. Runs with --allow-root
    as root. A server already answering on the port with the course token is reused."""
    from pathlib import Path

    from kubelab.course import serve as sv

    srv = sv.server(port=port, ip=ip, root=Path(root) if root else None)
    if stop:
        typer.echo(f"stopped JupyterLab on port {port}" if sv.stop(srv) else f"no course server of ours on port {port}")
        return
    if check:
        ok = sv.answers(srv)
        typer.echo(f"{srv.base}: {'answers' if ok else 'no course server answering'}")
        raise typer.Exit(0 if ok else 1)
    if sv.answers(srv):
        typer.echo(sv.banner(srv, lab, running_since=" (already running)"))
        return
    typer.echo(f"starting JupyterLab on {srv.base} (root {srv.root}) ...", err=True)
    try:
        proc = sv.spawn(srv, wait=wait)
    except sv.ServeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(sv.banner(srv, lab))
    if background:
        typer.echo(f"(running in the background; stop it with `kubelab course serve --stop --port {port}`)")
        return
    typer.echo("Press Ctrl-C to stop JupyterLab.")
    import signal

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        proc.wait()
        typer.echo(f"JupyterLab exited with code {proc.returncode}; log: {srv.log_file}", err=True)
        raise typer.Exit(1)
    except KeyboardInterrupt:
        sv.stop_pid(proc.pid)
        srv.pid_file.unlink(missing_ok=True)
        typer.echo("\nJupyterLab stopped; the cluster keeps running (`make course` brings it all back).")


def main() -> None:  # `python -m kubelab.course.cli` until `kubelab course` is mounted
    course_app()


if __name__ == "__main__":
    main()
