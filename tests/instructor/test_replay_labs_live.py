"""Every lab state survives the instructor's replay with the live verdicts (discovered: a new lab,
near-miss or variant needs no edit here).

For each lab, the Submit records of its states: untouched (start only), the reference solution,
each declared near-miss and each declared variant. The live lab tests (tests/labs) write them
while they have that state (tests/labs/recorded.py; same xdist group, run before this test); a
state they did not record is made here. Then the student's state is reset away and every record
is replayed on the instructor's cluster / engine, as `kubelab autograde --jobs N` does (replays
overlapping, labs that change cluster-scoped state one at a time), and graded check by check until
it shows the live verdicts (as the live test waits for its state; at most autograde's 60 s, longer
while the replayed workloads still progress, as autograde does):
- untouched -> 0 points;
- the reference and every variant -> full marks;
- every near-miss -> the live verdicts: its named checks fail, the others pass (the checks it
  declares as `changes` are free, as in the live test).
This is what makes `kubelab autograde` trustworthy for every lab and every way of solving it.
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from kubelab.graders.k8s import Kube
from kubelab.instructor import replay as rp
from kubelab.instructor.converge import Patience
from kubelab.instructor.grade import grade_replay
from kubelab.instructor.record import RECORD_NAME, load_record
from kubelab.labs import actions
from kubelab.labs.engine import check_lab, wait_for
from kubelab.labs.registry import all_labs, get_lab

from tests.labs.recorded import RECORDS, keep
from tests.labs.test_labs_live import SETTLE, _left, all_passed, fresh, near_miss_settled, need_live

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

LABS = sorted(all_labs())
JOBS = int(os.environ.get("KUBELAB_REPLAY_JOBS", "4"))  # replays at once (autograde --jobs): a lab's states, most at once
CONVERGE = 60.0  # autograde's default convergence time (extended while the workloads progress: Patience)
FIRST_LOOK = 5.0  # the replay's own wait (until converged or its checks pass) before grading starts


def states(lab) -> list[str]:
    return (["untouched", "reference"] + [f"near-miss/{nm.id}" for nm in lab.near_misses]
            + [f"variant/{v.id}" for v in lab.variants])


def make_state(lab, state: str):
    """Reach a state live (the replay test run without the lab tests before it) and record it."""
    fresh(lab)
    free = ()
    if state == "untouched":
        result = check_lab(lab)
    elif state == "reference":
        actions.solve(lab)
        result = wait_for(lab, all_passed, timeout=SETTLE)
    elif state.startswith("near-miss/"):
        nm = next(n for n in lab.near_misses if n.id == state.split("/", 1)[1])
        actions.solve(lab, near_miss=nm.id)
        result = wait_for(lab, near_miss_settled(lab, nm), timeout=SETTLE)
        free = nm.changes
    else:
        actions.solve(lab, variant=state.split("/", 1)[1])
        result = wait_for(lab, all_passed, timeout=SETTLE)
    assert result.exit_code != 2, result.to_dict()
    return keep(lab, state, result, free=free)


def expected(lab, state: str, kept) -> dict[str, str]:
    """check id -> the verdict its replay must have (free checks left out)."""
    if state == "untouched":
        return {}  # scores 0 (see reached): which checks fail is not fixed
    if state.startswith("near-miss/"):
        nm = next(n for n in lab.near_misses if n.id == state.split("/", 1)[1])
        return {c.id: ("failed" if c.id in nm.fails else "passed") for c in lab.checks if c.id not in kept.free}
    return {c.id: "passed" for c in lab.checks}


def problems(lab, kept, results: dict, refused: list[str]) -> list[str]:
    """How the replay's verdicts differ from the live ones ([] when it shows them)."""
    out = []
    verdicts = {cid: r.outcome.value for cid, r in results.items()}
    # a correct solution must replay whole; the untouched state of a lab that starts broken (a 64Gi
    # request, a StorageClass that does not exist) and a near-miss (`--pid host`) may hold what the
    # screen refuses, and must still give the live verdicts
    if refused and kept.state != "untouched" and not kept.state.startswith("near-miss/"):
        out.append(f"{kept.state}: the replay refused parts of it: {refused}")
    if kept.state == "untouched":
        if sum(r.points for r in results.values()):
            out.append(f"untouched replays to {sum(r.points for r in results.values()):g} points, not 0: "
                       f"{ {cid: r.observed for cid, r in results.items() if r.points} }")
        return out
    for cid, want in expected(lab, kept.state, kept).items():
        # a wrong answer part of which the replay refused (`--pid host`, an anonymous volume, an image
        # too large to submit) may score less on the replay than live, never more
        if refused and kept.state.startswith("near-miss/") and (verdicts[cid] == "passed") <= (want == "passed"):
            continue  # no point the live check did not give
        if verdicts[cid] != want:
            out.append(f"{kept.state}: {cid} {verdicts[cid]} on the replay, {want} live "
                       f"(live verdict {kept.verdicts.get(cid)}): {results[cid].observed}")
    return out


def replay_and_grade(lab, kept, run: str) -> tuple[dict, list[str], float]:
    """{check id: CheckResult} graded on the replay of one record, its refusals, seconds; the replay is removed.

    The replay is graded as soon as it shows the live verdicts, as the live test waits for its
    state (wait_for), within autograde's convergence time: a near-miss whose pods never get
    ready (the point of it) then costs seconds, not the whole convergence time."""
    rec = load_record(kept.folder / RECORD_NAME, lab.id)
    t0 = time.monotonic()
    patience = Patience(CONVERGE)  # autograde's: longer while the replayed workloads still progress
    r = rp.replay(lab, rec, kept.state.replace("/", "-"), run=run, converge=FIRST_LOOK)
    try:
        spec = r.spec()
        # what the replay could not re-create: refused, or not in the submission (an oversized image)
        missing = list(r.refused) + [n for n in r.notes if "not in the submission" in n]
        kube = Kube()
        while True:
            t_grade = time.monotonic()
            results = {c.id: grade_replay(lab, c.id, spec) for c in lab.checks}
            took = time.monotonic() - t_grade
            if r.namespace:
                kube.clear()
                waiting = rp.converged(kube, r.namespace)[1]
            else:
                waiting = ""
            if not problems(lab, kept, results, missing) or patience.over(waiting):
                return results, missing, time.monotonic() - t0
            time.sleep(max(1.0, took))  # a grading that starts probe pods is not repeated back to back
    finally:
        rp.cleanup(r)


def _replayable(lab_id):
    """A lab the class autograde cannot replay (lab.not_autogradable) is skipped with its reason."""
    why = all_labs()[lab_id].not_autogradable
    return pytest.param(lab_id, marks=pytest.mark.skip(reason=f"not class-autogradable: {why}")) if why else lab_id


@pytest.mark.parametrize("lab_id", [_replayable(lab_id) for lab_id in LABS])
def test_lab_states_replay_to_the_live_verdicts(lab_id):
    lab = get_lab(lab_id)
    need_live(lab)
    t0 = time.perf_counter()
    have = RECORDS.get(lab_id, {})
    made = [s for s in states(lab) if s not in have]
    for state in made:
        make_state(lab, state)
    records = [RECORDS[lab_id][s] for s in states(lab)]
    broken = {k.state: k.error for k in records if k.folder is None}
    assert not broken, f"{lab_id}: the Submit record could not be built: {broken}"
    actions.reset(lab, keep_namespace=True)  # the student's own state must be gone before the replays
    # (gone from what serves it too: the ingress controller drops a deleted route a moment later)
    left = wait_for(lab, lambda r: r.points == 0, timeout=30)
    assert left.points == 0, f"the student's own state must be gone before the replay: {left.verdicts()}"

    t1 = time.perf_counter()
    run = uuid.uuid4().hex[:6]
    if rp.serial_lab(lab):  # cluster-scoped state: one at a time with the lab's reset steps between
        graded = []
        for kept in records:
            rp.prepare(lab)
            try:
                graded.append(replay_and_grade(lab, kept, run))
            finally:
                rp.finish(lab)
    else:
        with ThreadPoolExecutor(max_workers=JOBS) as pool:
            graded = list(pool.map(lambda k: replay_and_grade(lab, k, run), records))

    found = [p for kept, (results, refused, _) in zip(records, graded) for p in problems(lab, kept, results, refused)]
    actions.reset(lab, wait=False)  # the lab's namespace goes in the background
    _left.discard(lab_id)
    slowest = max((s for _, _, s in graded), default=0.0)
    print(f"\n{lab_id}: {len(records)} record(s) ({len(made)} made here), {len(records)} replays in "
          f"{time.perf_counter() - t1:.1f} s (slowest {slowest:.1f} s), total {time.perf_counter() - t0:.1f} s")
    assert not found, f"{lab_id}: replays that do not give the live verdicts:\n  " + "\n  ".join(found)
