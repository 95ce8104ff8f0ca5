"""`kubelab quiz ...` (placeholder until the quiz lands)."""

import typer

quiz_app = typer.Typer(help="Practise in the terminal: quiz, review, exam, stats, lint.")
