"""The `kubelab` command: one Typer app that mounts each area's sub-commands.

Rule for every sub-command module: import only typer (and the standard library)
at module level; import heavy things (kubernetes, docker, rich tables, nbformat)
inside the command functions. `kubelab quiz` must reach its first question fast.
"""

from __future__ import annotations

import typer

from kubelab.cluster.cli import cluster_app, doctor
from kubelab.course.cli import course_app
from kubelab.exam.cli import exam_app
from kubelab.instructor.cli import autograde, build as course_build, instructor_app
from kubelab.labs.cli import lab_app
from kubelab.quiz.cli import quiz_app

app = typer.Typer(
    name="kubelab",
    help="Docker and Kubernetes labs graded from a live cluster.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(cluster_app, name="cluster")
app.add_typer(lab_app, name="lab")
app.add_typer(quiz_app, name="quiz")
app.add_typer(exam_app, name="exam")
app.add_typer(course_app, name="course")
app.add_typer(instructor_app, name="instructor")
# `kubelab course build` writes the nbgrader course directory (same as `kubelab instructor build`)
course_app.command("build")(course_build)
app.command("autograde")(autograde)
app.command("doctor")(doctor)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
