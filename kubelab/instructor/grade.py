"""The replay side of a grade cell: `grade_cell(lab_id, check_id)`, and the report cell.

The one grade entry point is `kubelab.labs.nbgrader.grade`, which every grade cell calls (the
lab's notebook and the course notebook alike). Under `kubelab autograde`, $KUBELAB_REPLAY names
the replay spec of the submission being graded and that entry point hands the check to
`grade_cell` here: the lab's namespace is mapped to the replay namespace, Docker container names
to the replay's prefixed names and published host ports to the replay's ports. Checks the lab
declares not replayable are graded from the record and say so (scored 0 under `--verified-only`).
This module never imports kubelab.labs.nbgrader (the dependency goes one way).

nbgrader's rules hold: None on success, AssertionError (message + hint) on failure, nothing
written to stderr, well inside the 30 s cell timeout (each check has its own timeout).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import logging
import os
import warnings

ENV = "KUBELAB_REPLAY"
RUN_OPTIONS = "run.json"   # in the spec folder: options of the whole run ({"verified_only": true})
_RESULTS: dict = {}        # (spec path, check id) -> (points, max points, from the record): for the report


def _spec_path() -> str | None:
    """$KUBELAB_REPLAY names the spec file, or a folder of <student>.json where the student is read
    from the kernel's working directory (nbgrader runs the notebook in autograded/<student>/<lab>/)."""
    path = os.environ.get(ENV)
    if path and os.path.isdir(path):
        student = os.path.basename(os.path.dirname(os.getcwd()))
        path = os.path.join(path, f"{student}.json")
    return path or None


def errors_path(spec_path) -> str:
    """Where grade cells note checks that could not be graded (the autograder flags a regrade)."""
    return str(spec_path)[: -len(".json")] + ".errors.jsonl" if str(spec_path).endswith(".json") \
        else f"{spec_path}.errors.jsonl"


def run_options(spec_path) -> dict:
    """Options of the whole autograde run, next to the submissions' specs (`kubelab autograde` writes them)."""
    if not spec_path:
        return {}
    folder = spec_path if os.path.isdir(spec_path) else os.path.dirname(spec_path)
    try:
        with open(os.path.join(folder, RUN_OPTIONS)) as fh:
            opts = json.load(fh)
    except (OSError, ValueError):
        return {}
    return opts if isinstance(opts, dict) else {}


def _spec() -> dict | None:
    """The replay spec of the submission being graded, or None in the student's own JupyterLab."""
    path = _spec_path()
    if not path:
        return None
    try:
        with open(path) as fh:
            spec = json.load(fh)
    except (OSError, ValueError) as exc:
        spec = {"fatal": f"the autograder's replay spec {path} could not be read ({exc})", "refused": [],
                "notes": [], "record_only": [], "evidence": {}, "infrastructure": True}
    if not isinstance(spec, dict):
        spec = {"fatal": f"the autograder's replay spec {path} is not a mapping", "infrastructure": True}
    spec.setdefault("verified_only", bool(run_options(os.environ.get(ENV)).get("verified_only")))
    return spec


def _note_error(result) -> None:
    """A check that errored (API unreachable, timeout) is not the student's fault: note it so that
    `kubelab autograde` marks the submission for a regrade instead of keeping the 0."""
    path = _spec_path()
    if not path:
        return
    try:
        with open(errors_path(path), "a") as fh:
            fh.write(json.dumps({"check": result.id, "observed": result.observed}) + "\n")
    except OSError:
        pass


def grade_replay(lab, check_id: str, spec: dict):
    """The CheckResult of one check against a replay (or from the record)."""
    from kubelab.graders.docker_engine import Docker
    from kubelab.graders.k8s import Kube
    from kubelab.graders.results import CheckResult, Outcome
    from kubelab.labs.engine import Context, check_lab

    check = lab.check_by_id(check_id)
    if spec.get("fatal"):
        outcome = Outcome.ERROR if spec.get("infrastructure") else Outcome.FAILED  # ours: a regrade, not a 0
        return CheckResult(id=check_id, title=check.title, outcome=outcome, points=0.0,
                           max_points=float(check.points), observed=f"not graded: {spec['fatal']}", hint=check.hint)
    if check_id in (spec.get("record_only") or []):
        from kubelab.instructor.evidence import grade_from_evidence

        result = grade_from_evidence(lab, check_id, spec.get("evidence"))
        if spec.get("verified_only"):
            verdict = "would pass" if result.passed else "fails"
            return CheckResult(id=check_id, title=check.title, outcome=Outcome.FAILED, points=0.0,
                               max_points=float(check.points), hint=check.hint,
                               observed=f"not counted: graded from the record only, and this run counts only "
                                        f"what the replay verified live (--verified-only); from the record it "
                                        f"{verdict}: {result.observed}")
        return result
    kube = docker = None
    if spec.get("namespace"):
        kube = Kube(namespaces={spec.get("lab_namespace"): spec["namespace"]})
    if spec.get("prefix"):
        docker = Docker(prefix=spec["prefix"], ports=spec.get("ports") or {},
                        closed_port=int(spec.get("closed_port") or 9), images=spec.get("images") or {})
    ctx = Context(lab, kube=kube, docker=docker, paths=spec.get("files") or {})
    result = check_lab(lab, only=[check_id], ctx=ctx).by_id(check_id)
    if spec.get("namespace") and spec.get("lab_namespace"):
        result.observed = result.observed.replace(spec["namespace"], spec["lab_namespace"])
    if not result.passed and spec.get("refused"):
        result.observed += "\nrefused in the replay: " + "; ".join(spec["refused"])
    return result


def grade_cell(lab_id: str, check_id: str) -> None:
    """A grade cell under autograde: grade one check against the replay (or from the record); raise
    AssertionError (message + hint) when it does not pass, CheckInfrastructureError when the
    cluster could not be asked (noted for a regrade)."""
    from kubelab.labs.registry import get_lab

    spec = _spec() or {"fatal": f"${ENV} names no replay spec", "infrastructure": True}
    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            lab = get_lab(lab_id)
            result = grade_replay(lab, check_id, spec)
        finally:
            logging.disable(logging.NOTSET)
    _RESULTS[(_spec_path(), check_id)] = (float(result.points), float(result.max_points),
                                          check_id in (spec.get("record_only") or []))
    if result.outcome.value == "error":
        _note_error(result)
    result.assert_passed()


def graded_so_far() -> dict[str, tuple[float, float, bool]]:
    """check id -> (points, max points, from the record) of this submission's grade cells so far."""
    path = _spec_path()
    return {cid: v for (p, cid), v in _RESULTS.items() if p == path}


class ReplayReport:
    """What the replay did: shown in the notebook (and so in nbgrader's feedback)."""

    def __init__(self, spec: dict | None, graded: dict | None = None):
        self.spec = spec
        self.graded = graded or {}

    def lines(self) -> list[str]:
        s = self.spec
        if s is None:
            return ["Graded on your own cluster (the instructor re-runs your recorded work to grade it)."]
        out = []
        if s.get("fatal"):
            out.append(f"Not graded: {s['fatal']}")
        where = f"namespace {s['namespace']}" if s.get("namespace") else f"containers prefixed {s.get('prefix')}"
        if not s.get("fatal"):
            out.append(f"Your recorded work was re-applied in {where} on the instructor's "
                       f"{'cluster' if s.get('namespace') else 'Docker engine'} and checked there.")
        for a in s.get("applied") or []:
            out.append(f"applied: {a}")
        for r in s.get("refused") or []:
            out.append(f"refused: {r}")
        for n in s.get("notes") or []:
            out.append(f"note: {n}")
        for cid in s.get("record_only") or []:
            out.append(f"{cid}: graded from the record (not replayable)"
                       + (", not counted (--verified-only)" if s.get("verified_only") else ""))
        if self.graded:
            from kubelab.instructor.outcome import verified_text

            out.append(verified_text(self.graded, bool(s.get("verified_only"))).capitalize())
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in self.lines())
        return f"<div class='kubelab-replay'><b>Replay</b><ul>{items}</ul></div>"


def replay_report() -> ReplayReport:
    return ReplayReport(_spec(), graded_so_far())
