"""Grade a lab from live state: run its checks in order, each with a timeout.

    result = check_lab(get_lab("pods-basics"))   # LabResult
    result.exit_code                              # 0 all passed, 1 some failed, 2 error

A check that `requires` others is skipped (0 points) when one of them did not pass, so a
missing pod gives one clear failure instead of six echoes of it.
"""

from __future__ import annotations

import time
from typing import Iterable

from kubelab.graders.docker_engine import Docker
from kubelab.graders.k8s import Kube
from kubelab.graders.results import CheckResult, LabResult, Outcome
from kubelab.graders.runner import run_check
from kubelab.labs.model import Lab, Params


class Context:
    """What a check function receives: the lab, its params and lazy cluster/Docker readers."""

    def __init__(self, lab: Lab, kube: Kube | None = None, docker: Docker | None = None,
                 paths: dict[str, str] | None = None):
        self.lab = lab
        self.paths = dict(paths or {})  # a file the lab names -> where a replay restored it
        self.p: Params = lab.params
        self._kube = kube
        self._docker = docker

    @property
    def kube(self) -> Kube:
        if self._kube is None:
            self._kube = Kube()
        return self._kube

    @property
    def docker(self) -> Docker:
        if self._docker is None:
            self._docker = Docker()
        return self._docker

    def host_path(self, path: str) -> str:
        """Where a file the lab names (e.g. a saved tar) is read: itself, or a replay's restored copy."""
        return self.paths.get(path, path)

    def secrets(self) -> list[str]:
        values = list(self.lab.secrets())
        if self._kube is not None:
            values += list(self._kube.secret_values)
        return values

    def clear(self) -> None:
        if self._kube is not None:
            self._kube.clear()
        if self._docker is not None:
            self._docker.clear()


def _needed(lab: Lab, only: Iterable[str]) -> list[str]:
    """The checks in `only` plus everything they require, in declaration order."""
    want: set[str] = set()
    stack = list(only)
    while stack:
        cid = stack.pop()
        if cid in want:
            continue
        want.add(cid)
        stack.extend(lab.check_by_id(cid).requires)
    return [c.id for c in lab.checks if c.id in want]


def check_lab(lab: Lab, only: Iterable[str] | None = None, ctx: Context | None = None) -> LabResult:
    """Run the lab's checks (or `only` these and their prerequisites). Never raises for a check."""
    ctx = ctx or Context(lab)
    ctx.clear()
    ids = _needed(lab, only) if only is not None else [c.id for c in lab.checks]
    results: dict[str, CheckResult] = {}
    start = time.perf_counter()
    for cid in ids:
        check = lab.check_by_id(cid)
        blocked = [r for r in check.requires if r in results and not results[r].passed]
        if blocked:
            first = results[blocked[0]]
            outcome = Outcome.ERROR if first.outcome is Outcome.ERROR else Outcome.SKIPPED
            results[cid] = CheckResult(
                id=cid, title=check.title, outcome=outcome, points=0.0, max_points=float(check.points),
                observed=(first.observed if outcome is Outcome.ERROR else f"not checked: {blocked[0]} did not pass"),
                hint=check.hint, next_step=first.next_step)
            continue
        results[cid] = run_check(check.fn, ctx, id=cid, title=check.title, points=check.points, hint=check.hint,
                                 timeout=check.timeout, secrets=ctx.secrets)
    checks = [results[cid] for cid in ids]
    if only is not None:
        only = set(only)
        checks = [c for c in checks if c.id in only]
    return LabResult(lab_id=lab.id, title=lab.title, checks=checks, seconds=time.perf_counter() - start)


def wait_for(lab: Lab, predicate, timeout: float = 90.0, interval: float = 1.0,
             ctx: Context | None = None) -> LabResult:
    """Check repeatedly until predicate(result) holds or timeout passes; return the last result.

    The first re-checks come soon (0.2 s, then growing to `interval`): most states a solution makes
    show within a second or two. A check run that itself takes long (it starts probe pods, it
    retries a request) is followed by a pause as long as it took: grading never takes more than
    about half of the cluster's time while the state settles."""
    ctx = ctx or Context(lab)
    deadline = time.monotonic() + timeout
    pause = min(0.2, interval)
    while True:
        t0 = time.monotonic()
        result = check_lab(lab, ctx=ctx)
        took = time.monotonic() - t0
        if predicate(result) or time.monotonic() >= deadline:
            return result
        time.sleep(max(0.0, min(max(pause, took), deadline - time.monotonic())))
        pause = min(interval, pause * 1.5)
