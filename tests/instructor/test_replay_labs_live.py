"""Every lab survives the instructor's replay (discovered: a new lab needs no edit here).

For each lab: start -> the reference solution -> the student's record (through YAML, as
collected) -> the student's state is reset away -> the record is replayed on the instructor's
cluster / engine -> every check graded on the replay must give full marks. And the untouched
lab (start only) replays to 0. This is what makes `kubelab autograde` trustworthy for every
lab, not only the two the pipeline test drives through nbgrader.
"""

from __future__ import annotations

import time

import pytest

from kubelab.instructor import replay as rp
from kubelab.instructor.grade import grade_replay
from kubelab.instructor.record import RECORD_NAME, build_record, load_record, write_record, write_sidecars
from kubelab.labs import actions
from kubelab.labs.engine import check_lab, wait_for
from kubelab.labs.registry import all_labs, get_lab

from tests.labs.test_labs_live import SETTLE, fresh, need_live

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

LABS = sorted(all_labs())


def _submit(lab, folder, result=None):
    """What the Submit cell writes: the record and its images/files, as nbgrader collects them."""
    folder.mkdir()
    rec = build_record(lab, result=result)
    write_sidecars(rec, folder)
    write_record(rec, folder)
    return folder


def _replayed(lab, folder, student: str) -> dict:
    """{check id: CheckResult} graded on the replay of the record in folder; the replay is removed afterwards."""
    rec = load_record(folder / RECORD_NAME, lab.id)
    rp.prepare(lab)
    r = rp.replay(lab, rec, student, run=str(time.monotonic_ns()))
    try:
        spec = r.spec()
        assert not r.refused, f"the replay refused parts of a reference solution: {r.refused}"
        return {c.id: grade_replay(lab, c.id, spec) for c in lab.checks}
    finally:
        rp.cleanup(r, wait=True)
        rp.finish(lab)


@pytest.mark.parametrize("lab_id", LABS)
def test_solution_replays_to_full_marks(lab_id, tmp_path):
    lab = get_lab(lab_id)
    need_live(lab)
    t0 = time.perf_counter()
    fresh(lab)
    untouched = _submit(lab, tmp_path / "untouched")
    actions.solve(lab)
    solved = wait_for(lab, lambda r: r.all_passed or r.exit_code == 2, timeout=SETTLE)
    assert solved.all_passed, solved.to_dict()
    solved_folder = _submit(lab, tmp_path / "solved", result=solved)
    actions.reset(lab)
    assert check_lab(lab).points == 0, "the student's own state must be gone before the replay"

    graded = _replayed(lab, solved_folder, "solved")
    verdicts = {cid: r.outcome.value for cid, r in graded.items()}
    assert all(r.passed for r in graded.values()), (
        f"{lab_id}: the replayed solution lost points: {verdicts}\n" +
        "\n".join(f"  {cid}: {r.observed}" for cid, r in graded.items() if not r.passed))

    zero = _replayed(lab, untouched, "untouched")
    assert sum(r.points for r in zero.values()) == 0, {cid: r.observed for cid, r in zero.items() if r.points}
    actions.reset(lab)
    print(f"\n{lab_id}: record + replay + grade {time.perf_counter() - t0:.1f} s")
