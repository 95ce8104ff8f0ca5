"""What a course notebook imports: graded lab tasks, inline quizzes, live shell examples.

    from kubelab.course.nb import cluster_status, lab_task, quiz, question, sh

    SOLVE = False                                   # first code cell, tagged `parameters`
    lab_task("docker-web-port", solve=SOLVE)         # task text + Check/Hint/Reset panel
    quiz("docker-01", "docker-04")                  # bank questions with explanations
    sh("docker ps --format '{{.Names}}'")          # a worked example, run live
    cluster_status()                                # Docker, lab images, cluster nodes + Refresh

`lab_task` starts (seeds) the lab; with `solve=True` (CI's second run, or an instructor
checking the course) it resets the lab, applies the reference solution, waits until the
checks pass and shows the graded result. Nothing here writes to stderr or raises for a
lab that merely does not pass: a notebook run top to bottom never stops on an ungraded task.
"""

from __future__ import annotations

import html
import os
import subprocess

TASKS: dict = {}     # lab id -> LabPanel shown by lab_task (tests and power users)
RESULTS: dict = {}   # lab id -> last LabResult lab_task computed (solve mode)
STATUS: list = []    # the environment panels cluster_status showed (tests and power users)


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def _md(text: str) -> None:
    from IPython.display import Markdown

    _display(Markdown(text))


def _note(text: str, colour: str = "#9a6700") -> None:
    from IPython.display import HTML

    _display(HTML(f"<div style='color:{colour}'>{html.escape(text)}</div>"))


def lab_task(lab_id: str, solve: bool = False, *, start: bool = True, wait: float = 120.0) -> None:
    """Show a lab's task and its Check / Hint / Reset panel; seed it; with solve=True apply
    the reference solution and show the graded result.

    Raises KeyError naming the known labs for an unknown id. A failing seed or solution step
    is shown in the output (solve mode re-raises it: CI must see it).
    """
    from kubelab.labs import actions
    from kubelab.labs.registry import get_lab
    from kubelab.labs.widgets import LabPanel

    lab = get_lab(lab_id)
    _md(f"### Lab `{lab.id}`: {lab.title}\n\n*about {lab.minutes} min · {lab.max_points:g} points · "
        f"terminal: `kubelab lab start {lab.id}`, `kubelab lab check {lab.id}`*\n\n{lab.task.strip()}")
    if solve:
        from kubelab.labs.engine import wait_for

        actions.reset(lab)
        actions.start(lab)
        actions.solve(lab)
        result = wait_for(lab, lambda r: r.all_passed or r.exit_code == 2, timeout=wait)
        RESULTS[lab.id] = result
        _md("**Reference solution applied** (`SOLVE = True`):")
        _display(result)
    elif start:
        try:
            actions.start(lab)
        except Exception as exc:  # e.g. already seeded: the work so far stays untouched
            _note(f"could not prepare the lab ({' '.join(str(exc).split())[:300]}); "
                  "if you already started it, carry on, or press Reset to start over")
    panel = LabPanel(lab.id)
    TASKS[lab.id] = panel
    _display(panel.widget)


def cluster_status(cluster: bool = True):
    """The course environment at a glance (Docker engine, lab images, the course cluster and its
    nodes) with a Refresh button; whatever is missing comes with the command that fixes it."""
    from kubelab.course.status import StatusPanel

    panel = StatusPanel(cluster=cluster)
    STATUS.append(panel)
    _display(panel.widget)


def question(qid: str):
    """One bank question as a widget (choice, multi-choice or a typed command)."""
    from kubelab.quiz.widgets import question_widget

    return question_widget(qid)


def quiz(*ids: str):
    """Several bank questions, in this order, with a running score."""
    from kubelab.quiz.widgets import quiz_widget

    return quiz_widget(ids=list(ids))


class ShellOutput(str):
    """A command's output: a str that does not print itself a second time in a notebook."""

    returncode: int = 0

    def _ipython_display_(self):
        pass


def _env() -> dict:
    env = dict(os.environ)
    try:
        from kubelab.cluster.tools import find_tool

        kubectl = find_tool("kubectl")
        if kubectl:
            env["PATH"] = f"{os.path.dirname(str(kubectl))}{os.pathsep}{env.get('PATH', '')}"
    except Exception:
        pass
    return env


def sh(command: str, *, check: bool = True, timeout: float = 60.0, quiet: bool = False) -> ShellOutput:
    """Run a shell command as a worked example: print `$ command` and its output (stdout and
    stderr together, on stdout). Returns the output. With check=True a non-zero exit raises
    RuntimeError carrying the command and its output (a broken example must fail CI)."""
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout, env=_env())
    out = (proc.stdout + proc.stderr).rstrip("\n")
    if not quiet:
        print(f"$ {command}" + (f"\n{out}" if out else ""))
    if check and proc.returncode != 0:
        raise RuntimeError(f"command failed (exit {proc.returncode}): {command}\n{out[-2000:]}")
    result = ShellOutput(out)
    result.returncode = proc.returncode
    return result


def docker_client():
    """The Docker SDK client kubelab's graders use (docker.from_env())."""
    from kubelab.graders.docker_engine import docker_client as client

    return client()
