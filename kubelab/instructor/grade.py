"""Grade cells of the course notebooks: `grade(lab_id, check_id)`.

In the student's JupyterLab ($KUBELAB_REPLAY unset) it is the lab engine's grade cell: the
check runs against the student's own cluster. Under `kubelab autograde`, $KUBELAB_REPLAY
names the replay spec of the submission being graded, and the same check runs against the
replay: the lab's namespace is mapped to the replay namespace, Docker container names to the
replay's prefixed names and published host ports to the replay's ports. Checks the lab
declares not replayable are graded from the record and say so.

nbgrader's rules hold either way: None on success, AssertionError (message + hint) on failure,
nothing written to stderr, well inside the 30 s cell timeout (each check has its own timeout).
"""

from __future__ import annotations

import contextlib
import copy
import html
import io
import json
import logging
import os
import warnings

ENV = "KUBELAB_REPLAY"


def _spec() -> dict | None:
    """The replay spec: $KUBELAB_REPLAY names the file, or a folder of <student>.json where the
    student is read from the kernel's working directory (nbgrader runs the notebook in
    autograded/<student>/<lab>/)."""
    path = os.environ.get(ENV)
    if not path:
        return None
    if os.path.isdir(path):
        student = os.path.basename(os.path.dirname(os.getcwd()))
        path = os.path.join(path, f"{student}.json")
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        return {"fatal": f"the autograder's replay spec {path} could not be read ({exc})", "refused": [],
                "notes": [], "record_only": [], "record_checks": {}}


def _mapped_kube(base_cls, lab_ns: str, replay_ns: str):
    class MappedKube(base_cls):
        """Reads of the lab's namespace go to the replay namespace."""

        def _ns(self, ns):
            return replay_ns if ns == lab_ns else ns

        def get(self, kind, name, namespace=None):
            return super().get(kind, name, self._ns(namespace))

        def list(self, kind, namespace=None, selector=None):
            return super().list(kind, self._ns(namespace), selector)

        def exec(self, namespace, pod, command, container=None, timeout=10.0):
            return super().exec(self._ns(namespace), pod, command, container=container, timeout=timeout)

    return MappedKube()


def _mapped_docker(base_cls, prefix: str, ports: dict):
    back = {str(v): str(k) for k, v in ports.items()}

    class MappedDocker(base_cls):
        """Container names get the replay's prefix; published host ports read as recorded."""

        def inspect(self, name):
            info = super().inspect(prefix + name)
            if info is None:
                return None
            info = copy.deepcopy(info)
            info["Name"] = "/" + name
            for path in (("HostConfig", "PortBindings"), ("NetworkSettings", "Ports")):
                binds = (info.get(path[0]) or {}).get(path[1]) or {}
                for lst in binds.values():
                    for b in lst or []:
                        if isinstance(b, dict) and str(b.get("HostPort")) in back:
                            b["HostPort"] = back[str(b["HostPort"])]
            return info

        def container_names(self, all=True):
            return [n[len(prefix):] for n in super().container_names(all) if n.startswith(prefix)]

        def exec(self, name, command):
            return super().exec(prefix + name, command)

    return MappedDocker()


@contextlib.contextmanager
def _mapped_http(ports: dict, closed_port: int):
    """docker_engine.http_answers(port) asks the replay's port for a recorded host port (or a closed one)."""
    from kubelab.graders import docker_engine
    from kubelab.graders.errors import Failed

    original = docker_engine.http_answers

    def http_answers(port, *args, **kwargs):
        actual = int(ports.get(str(port), closed_port))
        try:
            return original(actual, *args, **kwargs).replace(f":{actual}", f":{port}")
        except Failed as exc:
            exc.message = exc.message.replace(f":{actual}", f":{port}")
            exc.args = (exc.message,)
            raise

    docker_engine.http_answers = http_answers
    try:
        yield
    finally:
        docker_engine.http_answers = original


def grade_replay(lab, check_id: str, spec: dict):
    """The CheckResult of one check against a replay (or from the record)."""
    from kubelab.graders.docker_engine import Docker
    from kubelab.graders.k8s import Kube
    from kubelab.graders.results import CheckResult, Outcome
    from kubelab.labs.engine import Context, check_lab

    check = lab.check_by_id(check_id)
    if spec.get("fatal"):
        return CheckResult(id=check_id, title=check.title, outcome=Outcome.FAILED, points=0.0,
                           max_points=float(check.points), observed=f"not graded: {spec['fatal']}", hint=check.hint)
    if check_id in (spec.get("record_only") or []):
        rec = (spec.get("record_checks") or {}).get(check_id) or {}
        passed = rec.get("outcome") == "passed"
        return CheckResult(id=check_id, title=check.title, outcome=Outcome.PASSED if passed else Outcome.FAILED,
                           points=float(check.points) if passed else 0.0, max_points=float(check.points),
                           observed=f"graded from the record (not replayable): {rec.get('observed') or 'no result recorded'}",
                           hint=check.hint)
    kube = docker = None
    if spec.get("namespace"):
        kube = _mapped_kube(Kube, spec.get("lab_namespace"), spec["namespace"])
    if spec.get("prefix"):
        docker = _mapped_docker(Docker, spec["prefix"], spec.get("ports") or {})
    ctx = Context(lab, kube=kube, docker=docker)
    with (_mapped_http(spec.get("ports") or {}, int(spec.get("closed_port") or 9)) if spec.get("prefix")
          else contextlib.nullcontext()):
        result = check_lab(lab, only=[check_id], ctx=ctx).by_id(check_id)
    if spec.get("namespace") and spec.get("lab_namespace"):
        result.observed = result.observed.replace(spec["namespace"], spec["lab_namespace"])
    if not result.passed and spec.get("refused"):
        result.observed += "\nrefused in the replay: " + "; ".join(spec["refused"])
    return result


def grade(lab_id: str, check_id: str) -> None:
    """Grade one check; raise AssertionError (message + hint) when it does not pass."""
    spec = _spec()
    if spec is None:
        from kubelab.labs.nbgrader import grade as local_grade

        return local_grade(lab_id, check_id)
    from kubelab.labs.registry import get_lab

    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            lab = get_lab(lab_id)
            result = grade_replay(lab, check_id, spec)
        finally:
            logging.disable(logging.NOTSET)
    result.assert_passed()


class ReplayReport:
    """What the replay did: shown in the notebook (and so in nbgrader's feedback)."""

    def __init__(self, spec: dict | None):
        self.spec = spec

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
            out.append(f"{cid}: graded from the record (not replayable)")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in self.lines())
        return f"<div class='kubelab-replay'><b>Replay</b><ul>{items}</ul></div>"


def replay_report() -> ReplayReport:
    return ReplayReport(_spec())
