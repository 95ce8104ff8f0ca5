"""Every lab folder, on the live cluster / Docker engine (discovered: a new lab needs no edit here).

start -> check scores 0 -> solve -> full marks -> grade cells pass in a real kernel ->
each declared near-miss: the named checks fail, the others keep their verdicts -> reset -> 0;
each declared variant (a correct solution written differently): full marks.
Each state reached (untouched, reference, near-miss, variant) is also recorded as the Submit cell
would (tests/labs/recorded.py): the lab's replay test then replays it (same xdist group, after).
Labs run side by side under pytest-xdist; each test holds its lab's lock (tests/conftest.py).

Skipped with the reason when the cluster/Docker is not there, unless KUBELAB_LIVE=1: then a
missing cluster fails the test.
"""

from __future__ import annotations

import os
import time

import pytest

from kubelab.labs import actions
from kubelab.labs.engine import check_lab, wait_for
from kubelab.labs.model import Apply, Run
from kubelab.labs.registry import all_labs, get_lab

from tests.labs.recorded import keep

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

LABS = sorted(all_labs())
VARIANTS = [(lab_id, v.id) for lab_id in LABS for v in all_labs()[lab_id].variants]
NEAR_MISSES = [(lab_id, nm.id) for lab_id in LABS for nm in all_labs()[lab_id].near_misses]
SETTLE = float(os.environ.get("KUBELAB_SETTLE_SECONDS", "120"))


def _catalog_refs_used(lab) -> set[str]:
    from kubelab.cluster.api import image_catalog

    refs = {v["ref"] for v in image_catalog().values()}
    used = set()
    steps = lab.solution_steps() + [s for nm in lab.near_misses for s in lab.near_miss_steps(nm)] \
        + [s for v in lab.variants for s in lab.variant_steps(v)]
    for step in steps:
        words = step.argv if isinstance(step, Run) else [str(step.docs())]
        used |= {r for r in refs if any(r in w for w in words)}
    return used


_status: dict[str, str] = {}


def live_problem(lab) -> str:
    """'' when the lab can run live here, else why not."""
    key = lab.shape
    if key not in _status:
        if lab.shape == "docker":
            try:
                from kubelab.graders.docker_engine import docker_client

                docker_client().ping()
                _status[key] = ""
            except Exception as exc:
                _status[key] = f"Docker engine not reachable: {exc}"
        else:
            ok, why = actions.cluster_fits(lab.shape)
            _status[key] = "" if ok else f"course cluster not available ({why})"
    problem = _status[key]
    if not problem and lab.shape == "docker":
        from kubelab.graders.docker_engine import docker_client

        client = docker_client()
        missing = []
        for ref in sorted(_catalog_refs_used(lab)):
            try:
                client.images.get(ref)
            except Exception:
                missing.append(ref)
        if missing:
            problem = f"catalog image(s) not in the Docker engine: {', '.join(missing)}"
    return problem


def need_live(lab):
    problem = live_problem(lab)
    if problem:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(f"KUBELAB_LIVE=1 but {problem}")
        pytest.skip(f"{problem} (set KUBELAB_LIVE=1 to make this a failure)")


def fresh(lab):
    """A clean, started lab: its objects deleted (the namespace kept, so nothing waits for it to go), seeded."""
    actions.fresh(lab)
    _left.add(lab.id)


_left: set[str] = set()  # labs a test of this process left in its state (no test after it reset them yet)


def clean(lab):
    """After a test. Every live test that uses a lab resets that lab first (`fresh` here, the replay
    test, the notebooks, the exam), so a namespaced lab is left as it is (reset at the end of the
    session, `_reset_left`). A lab that changes nodes or cluster-scoped objects is reset at once: its
    taint, label or cordon would break the next test of another lab (sched-taint's taint left on a
    worker kept sched-node-selector's pods Pending)."""
    from tests.conftest import changes_nodes

    if changes_nodes(lab):
        actions.reset(lab, wait=False)
        _left.discard(lab.id)
        return
    _left.add(lab.id)


@pytest.fixture(scope="session", autouse=True)
def _reset_left():
    """At the end of the session (of this xdist worker), reset what the last tests left, under the
    labs' locks (another worker may be testing the lab by then)."""
    yield
    from tests.conftest import lab_locks

    for lab_id in sorted(_left):
        with lab_locks(lab_id):
            actions.reset(get_lab(lab_id), wait=False)


def near_miss_settled(lab, nm):
    """The predicate a near-miss's live state must reach: its checks fail, the others pass."""
    free = set(nm.changes)

    def settled(r):
        v = r.verdicts()
        return r.exit_code == 2 or (all(v[c] == "failed" for c in nm.fails) and
                                    all(s == "passed" for c, s in v.items() if c not in nm.fails and c not in free))
    return settled


def all_passed(r):
    return r.all_passed or r.exit_code == 2


@pytest.mark.parametrize("lab_id", LABS)
def test_lab_lifecycle(lab_id):
    lab = get_lab(lab_id)
    need_live(lab)
    t0 = time.perf_counter()
    fresh(lab)
    started = check_lab(lab)
    assert started.exit_code != 2, started.to_dict()
    assert started.points == 0, f"a fresh lab must score 0: {started.verdicts()}"
    keep(lab, "untouched", started)

    actions.solve(lab)
    solved = wait_for(lab, all_passed, timeout=SETTLE)
    assert solved.all_passed, solved.to_dict()
    assert solved.points == lab.max_points
    keep(lab, "reference", solved)

    _grade_cells_pass_in_a_kernel(lab)

    actions.reset(lab)  # the user's reset: the namespace itself goes too, and is waited for
    _left.discard(lab_id)
    after = check_lab(lab)
    assert after.points == 0 and after.exit_code == 1, after.verdicts()
    print(f"\n{lab_id}: lifecycle {time.perf_counter() - t0:.1f} s")


def _grade_cells_pass_in_a_kernel(lab):
    """The lab's nbgrader grade cells, run by nbclient: no error, nothing on stderr, well inside 30 s."""
    import nbformat
    from nbclient import NotebookClient

    from kubelab.labs.render import grade_cells

    nb = nbformat.v4.new_notebook(cells=grade_cells(lab))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=30, kernel_name="python3").execute()
    elapsed = time.perf_counter() - t0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", out
            assert not (out.get("output_type") == "stream" and out.get("name") == "stderr"), out
    assert elapsed < 30


@pytest.mark.parametrize("lab_id,near_miss", NEAR_MISSES, ids=[f"{a}/{b}" for a, b in NEAR_MISSES])
def test_near_miss(lab_id, near_miss):
    lab = get_lab(lab_id)
    need_live(lab)
    nm = next(n for n in lab.near_misses if n.id == near_miss)
    fresh(lab)
    actions.solve(lab, near_miss=near_miss)
    free = set(nm.changes)
    result = wait_for(lab, near_miss_settled(lab, nm), timeout=SETTLE)
    verdicts = result.verdicts()
    assert result.exit_code != 2, result.to_dict()
    for cid in nm.fails:
        assert verdicts[cid] == "failed", f"{near_miss}: {cid} should fail, got {verdicts[cid]}"
        assert result.by_id(cid).hint, "a failed check shows its hint"
    for cid, verdict in verdicts.items():
        if cid not in nm.fails and cid not in free:
            assert verdict == "passed", f"{near_miss}: {cid} should keep its verdict (passed), got {verdict}"
    keep(lab, f"near-miss/{near_miss}", result, free=free)
    clean(lab)


@pytest.mark.parametrize("lab_id,variant", VARIANTS, ids=[f"{a}/{b}" for a, b in VARIANTS])
def test_variant(lab_id, variant):
    """A correct solution written differently from the reference scores full marks."""
    lab = get_lab(lab_id)
    need_live(lab)
    fresh(lab)
    actions.solve(lab, variant=variant)
    result = wait_for(lab, all_passed, timeout=SETTLE)
    assert result.exit_code != 2, result.to_dict()
    lost = {c.id: c.message for c in result.checks if not c.passed}
    assert not lost, f"{variant} is correct but lost points: {lost}"
    assert result.points == lab.max_points
    keep(lab, f"variant/{variant}", result)
    clean(lab)
