"""`kubelab cluster ...` and `kubelab doctor` (placeholder, being written)."""

import typer

cluster_app = typer.Typer(help="The course cluster: up, down, status, reset, build-image, load-images.", no_args_is_help=True)


def doctor() -> None:
    """Check Docker, kind, kubectl, memory and cgroups, and say how to fix what is missing."""
    raise typer.Exit(0)
