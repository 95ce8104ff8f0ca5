"""Run an exam: draw and seed its tasks, grade them all live, reset them all.

The exam only chooses and seeds labs; each task is graded by its own lab's checks
(kubelab.labs.engine.check_lab), so tasks are proven as every lab is. The labs' own actions
(start/reset) do the work, several labs at once (kubectl calls mostly wait on the API server).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from kubelab.exam.blueprints import Track, get_track
from kubelab.exam.draw import Task, draw
from kubelab.exam.result import ExamResult, TaskResult
from kubelab.exam.store import ActiveRunError, ExamStore, Run

Log = Callable[[str], None]
WORKERS = 4
RESET_BUDGET = 60.0


class ExamError(RuntimeError):
    """The exam cannot go on; the message says why and what to run."""


def _quiet(_: str) -> None:
    pass


def _labs() -> dict:
    from kubelab.labs.registry import all_labs

    return all_labs()


def run_tasks(run: Run) -> list[Task]:
    return [Task(t["number"], t["lab"], t["domain"], t["weight"]) for t in run.tasks]


def context_line(lab) -> str:
    """Where the task is done (the first line of each task, as in the real exams)."""
    if lab.kind == "docker":
        return "Docker engine on this machine (`docker ...`, no cluster)"
    from kubelab.labs.actions import kube_context

    ns = f", namespace `{lab.namespace}`" if lab.namespace else ""
    warn = (f". This task {lab.cluster_wide}; other tasks depend on its repair: do it first"
            if lab.cluster_wide else "")
    return f"`kubectl config use-context {kube_context()}`{ns}{warn}"


def preflight(labs: list) -> None:
    """The cluster (for Kubernetes tasks) and the Docker engine (for Docker tasks) answer.

    Raises ExamError naming the command to run; never brings a cluster up by itself."""
    from kubelab.labs.actions import cluster_fits

    shapes = {lab.shape for lab in labs}
    for shape in sorted(shapes - {"docker"}, key=lambda s: s != "course"):
        ok, why = cluster_fits(shape)
        if not ok:
            raise ExamError(f"the course cluster is not ready ({why}); bring it up with `kubelab cluster up` "
                            "(`kubelab doctor` says what is missing), then start the exam again")
        break   # the course shape covers single-shape labs too
    if "docker" in shapes or any(lab.docker for lab in labs):
        try:
            from kubelab.graders.docker_engine import docker_client

            docker_client().ping()
        except Exception as exc:
            raise ExamError(f"the Docker engine does not answer ({exc}); check `docker info`") from exc


def _parallel(fn, items: list, log: Log) -> list[tuple[object, Exception]]:
    """fn(item) for every item, WORKERS at a time; the (item, error) pairs that failed."""
    failed = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [(item, pool.submit(fn, item)) for item in items]
        for item, fut in futures:
            try:
                fut.result()
            except Exception as exc:
                failed.append((item, exc))
    return failed


def start_exam(store: ExamStore, track_id: str, *, seed: int | None = None, minutes: float = 120,
               count: int | None = None, only: list[str] | None = None, log: Log = _quiet) -> Run:
    """Draw, claim the one active slot, reset and seed every task's lab, start the clock.

    Raises KeyError (unknown track), DrawError, ActiveRunError, ExamError (cluster missing, a
    seed step failed: the run is then closed as failed and `kubelab exam reset` cleans up)."""
    from kubelab.labs import actions

    track = get_track(track_id)
    seed = int(time.time()) % 100000 if seed is None else seed
    labs = _labs()
    tasks = draw(track, labs, seed, count, only)
    if not tasks:
        raise ExamError(f"the {track.id} track has no labs to draw from")
    drawn = [labs[t.lab_id] for t in tasks]
    active = store.active()
    if active is not None:
        raise ActiveRunError(f"exam run {active.id} ({active.track}) is {active.state}: `kubelab exam submit` "
                             "to grade it or `kubelab exam reset` to abandon it, then start again")
    preflight(drawn)
    run = store.create(track.id, seed, minutes, [t.to_dict() for t in tasks])
    t0 = time.perf_counter()
    log(f"resetting and seeding {len(drawn)} tasks ...")
    failed = _parallel(lambda lab: actions.reset(lab, log, wait=False), drawn, log)
    # a task that breaks the whole cluster (DNS, a kubelet, the scheduler) is seeded last, alone: the
    # other tasks' seeds need a working cluster (their pods scheduled and started)
    breakers = [lab for lab in drawn if lab.cluster_wide]
    if not failed:
        failed = _parallel(lambda lab: actions.start(lab, log, ensure=False),
                           [lab for lab in drawn if not lab.cluster_wide], log)
    if not failed and breakers:
        failed = _parallel(lambda lab: actions.start(lab, log, ensure=False), breakers, log)
    if failed:
        lab, exc = failed[0]
        msg = f"seeding {lab.id} failed: {exc}"
        store.finish(run.id, "failed", note=msg)
        raise ExamError(msg + "\n(run `kubelab exam reset` to clean up the seeded tasks)")
    log(f"seeded in {time.perf_counter() - t0:.1f} s")
    return store.mark_running(run.id)


def grade(store: ExamStore, run: Run, log: Log = _quiet, checker=None) -> ExamResult:
    """Grade every task live, store the result (one transaction) and close the run.

    When a task could not be graded (a check ended in `error`: cluster or Docker trouble, not the
    candidate's work) nothing is recorded and the run stays open (`result.recorded` is False):
    submit again once the cluster answers, or `kubelab exam reset` to abandon the run."""
    from kubelab.labs.engine import check_lab
    from kubelab.labs.registry import get_lab
    from kubelab.labs.render import solution_markdown

    checker = checker or check_lab
    track = get_track(run.track)
    tasks = run_tasks(run)
    labs = {t.lab_id: get_lab(t.lab_id) for t in tasks}
    t0 = time.perf_counter()
    log(f"grading {len(tasks)} tasks ...")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(lambda t: checker(labs[t.lab_id]), tasks))
    graded = []
    for t, r in zip(tasks, results):
        tr = TaskResult(t.number, t.lab_id, t.domain, t.weight, r, t.number in run.flagged)
        if not tr.full:
            tr.solution = solution_markdown(labs[t.lab_id])
        graded.append(tr)
    result = ExamResult(run.id, track.id, track.title, run.seed, track.pass_pct,
                        {d.id: d.name for d in track.domains}, graded, run.started_at or 0.0,
                        run.deadline or 0.0, time.time(), time.perf_counter() - t0)
    if result.errors:
        result.recorded = False
        return result
    store.finish(run.id, "graded", result.to_dict())
    return result


def reset_exam(store: ExamStore, log: Log = _quiet, timeout: float = RESET_BUDGET) -> tuple[Run | None, float]:
    """Clean every task's lab of the active exam (abandoning it) or of the latest one; wait until
    their namespaces are gone. Returns (the run, seconds). Raises ExamError past `timeout`."""
    from kubelab.labs import actions
    from kubelab.labs.registry import get_lab

    run = store.active() or store.latest()
    if run is None:
        return None, 0.0
    t0 = time.perf_counter()
    labs = [get_lab(t.lab_id) for t in run_tasks(run)]
    failed = _parallel(lambda lab: actions.reset(lab, log, wait=False), labs, log)
    if run.state in ("seeding", "running"):
        store.finish(run.id, "abandoned", note="reset before submitting")
    if failed:
        lab, exc = failed[0]
        raise ExamError(f"reset of {lab.id} failed: {exc}")
    namespaces = [lab.namespace for lab in labs if lab.kind == "kubernetes" and lab.namespace]
    wait_namespaces_gone(namespaces, t0 + timeout)
    return run, time.perf_counter() - t0


def wait_namespaces_gone(namespaces: list[str], deadline: float) -> None:
    from kubelab.graders.k8s import Kube

    if not namespaces:
        return
    kube = Kube()
    left = list(namespaces)
    while left:
        kube.clear()
        left = [ns for ns in left if kube.get("Namespace", ns) is not None]
        if not left:
            return
        if time.perf_counter() > deadline:
            raise ExamError(f"namespaces still terminating after the {RESET_BUDGET:g} s budget: {', '.join(left)}; "
                            f"see `kubectl get ns {left[0]} -o yaml`")
        time.sleep(0.5)


def toggle(store: ExamStore, run: Run, number: int, mark: str) -> tuple[Run, bool]:
    """Flag or skip task `number` (or clear the mark). Returns (run, now marked)."""
    numbers = {t["number"] for t in run.tasks}
    if number not in numbers:
        raise ExamError(f"no task {number}; tasks are 1-{max(numbers)}")
    flagged, skipped = set(run.flagged), set(run.skipped)
    marks = flagged if mark == "flag" else skipped
    marks ^= {number}
    run = store.set_marks(run.id, sorted(flagged), sorted(skipped))
    return run, number in marks


def track_listing(track: Track, labs: dict) -> dict:
    """What `kubelab exam list` shows for a track: domains, blueprint and effective weights, labs."""
    from kubelab.exam.draw import bank, scaled_weights

    b = bank(track, labs)
    eff = scaled_weights(track, {d for d, ls in b.items() if ls})
    return {"id": track.id, "title": track.title, "pass_pct": track.pass_pct, "shapes": list(track.shapes),
            "note": track.note, "labs": sum(len(v) for v in b.values()),
            "domains": [{"id": d.id, "name": d.name, "weight": d.weight, "effective_weight": round(eff[d.id], 2),
                         "labs": [lab.id for lab in b[d.id]]} for d in track.domains]}
