"""How every `kubelab ... lint` command ends: each problem on stderr, a count, exit 1; or one OK line."""

from __future__ import annotations

import typer


def report(problems: list, ok_line: str) -> None:
    """Print the problems (one `file:line: what` each) and exit 1, or print ok_line."""
    for p in problems:
        typer.echo(str(p), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s)", err=True)
        raise typer.Exit(1)
    typer.echo(ok_line)
