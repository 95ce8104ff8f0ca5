"""What a course notebook imports: graded lab tasks, inline quizzes, live shell examples.

    from kubelab.course.nb import apply, cluster_status, lab_task, quiz, question, sh

    SOLVE = False                                   # first code cell, tagged `parameters`
    lab_task("docker-web-port", solve=SOLVE)         # task text + Check/Hint/Reset panel
    quiz("docker-01", "docker-04")                  # bank questions with explanations
    sh("docker ps --format '{{.Names}}'")          # a worked example, run live
    apply(POD_YAML, namespace="demo-03")            # plain YAML text (a triple-quoted string,
                                                    # not an f-string), shown and run as
                                                    # kubectl apply -n demo-03 -f - <<'EOF' ... EOF
    cluster_status()                                # Docker, lab images, cluster nodes + Refresh

Worked examples are written as a learner would type them: plain commands and plain YAML with
the lab images' real names (busybox:1.35.0, nginx:1.22.1, kubelab/web:v1 ...), never Python
f-strings (no doubled braces); `apply` refuses an image that is not in the lab catalog.

`lab_task` starts (seeds) the lab; with `solve=True` (CI's second run, or an instructor
checking the course) it resets the lab, applies the reference solution, waits until the
checks pass and shows the graded result. Nothing here writes to stderr or raises for a
lab that merely does not pass: a notebook run top to bottom never stops on an ungraded task.
"""

from __future__ import annotations

import html
import os
import subprocess
import textwrap

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

        actions.fresh(lab)  # reset (the namespace kept: nothing waits for it to go) and start
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
    """A worked example's environment: kubelab's kubectl first on PATH, and KUBECONFIG reduced to
    the course context (examples run `kubectl ...` without --context: they must reach the course
    cluster whatever the kubeconfig's current context is)."""
    env = dict(os.environ)
    try:
        from kubelab.labs.actions import shell_env

        env = shell_env() or env
    except Exception:
        pass
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


def _catalog_refs() -> dict[str, str]:
    """Normalised reference -> catalog key, for every lab image (cluster/images.yaml)."""
    from kubelab.cluster.api import image_catalog
    from kubelab.graders.docker_engine import _normalize as normalize_image

    return {normalize_image(v["ref"]): k for k, v in image_catalog().items()}


def _images(doc) -> list[str]:
    """The container images a manifest names (any depth: Pods, templates, CronJobs)."""
    found: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("containers", "initContainers", "ephemeralContainers") and isinstance(value, list):
                found += [c["image"] for c in value if isinstance(c, dict) and isinstance(c.get("image"), str)]
            else:
                found += _images(value)
    elif isinstance(doc, list):
        for item in doc:
            found += _images(item)
    return found


def manifest_images(yaml_text: str) -> list[str]:
    """The container images of a (multi-document) manifest. Raises ValueError naming the image
    when one is not a lab catalog image (offline machines have only those, under those names)."""
    import yaml

    from kubelab.graders.docker_engine import _normalize as normalize_image

    catalog = _catalog_refs()
    images = [i for doc in yaml.safe_load_all(yaml_text) for i in _images(doc)]
    for image in images:
        if normalize_image(image) not in catalog:
            from kubelab.cluster.api import image_catalog

            known = ", ".join(v["ref"] for v in image_catalog().values())
            raise ValueError(f"image {image!r} is not a lab image (cluster/images.yaml has: {known})")
    return images


def heredoc(command: str, text: str, marker: str = "EOF", pipe: str = "") -> str:
    """`command <<'EOF' [| pipe]` with `text` as its standard input: shell lines a learner can paste."""
    body = textwrap.dedent(text).strip("\n") + "\n"
    if any(line.strip() == marker for line in body.splitlines()):
        raise ValueError(f"the text contains a line {marker!r}, which would end the here-document")
    return f"{command} <<'{marker}'{' | ' + pipe if pipe else ''}\n{body}{marker}"


def apply(yaml_text: str, namespace: str | None = None, *, verb: str = "apply", args: str = "", pipe: str = "",
          check: bool = True, timeout: float = 60.0, quiet: bool = False) -> ShellOutput:
    """A worked example from plain YAML: runs and prints

        $ kubectl apply -n NAMESPACE -f - <<'EOF'
        ...the YAML, as written...
        EOF

    (`verb` "create", `args` e.g. "--dry-run=server -o yaml", `pipe` e.g. "grep uid" for other
    forms). The YAML is
    dedented, checked to parse and to name only lab catalog images (ValueError otherwise).
    Returns the output, like `sh`."""
    import yaml

    list(yaml.safe_load_all(textwrap.dedent(yaml_text)))   # a YAML error names the line here
    manifest_images(textwrap.dedent(yaml_text))
    cmd = " ".join(p for p in ("kubectl", verb, f"-n {namespace}" if namespace else "", args, "-f -") if p)
    return sh(heredoc(cmd, yaml_text, pipe=pipe), check=check, timeout=timeout, quiet=quiet)


def docker_client():
    """The Docker SDK client kubelab's graders use (docker.from_env())."""
    from kubelab.graders.docker_engine import docker_client as client

    return client()
