"""`kubelab lab ...` (placeholder until the lab engine lands)."""

import typer

lab_app = typer.Typer(help="Labs: list, start, check, hint, solve, reset, lint.", no_args_is_help=True)
