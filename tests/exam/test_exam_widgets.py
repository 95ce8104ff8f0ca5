"""The exam panel's logic by clicks (no browser, no cluster): the seeding step and the live grading are
replaced by a starter that draws and records a run as start_exam does, and a checker that returns a
LabResult over the lab's own checks (all passed for one lab, none for the others)."""

import time

from kubelab.exam.blueprints import get_track
from kubelab.exam.draw import draw
from kubelab.exam.store import ExamStore
from kubelab.exam.widgets import ExamPanel
from kubelab.graders.results import CheckResult, LabResult, Outcome
from kubelab.labs.registry import all_labs

LABS = ["pods-basics", "config-env-file", "probes-repair"]


def starter(store, track, *, seed, minutes, count):
    tasks = draw(get_track(track), all_labs(), seed or 1, count, only=LABS)
    run = store.create(track, seed or 1, minutes, [t.to_dict() for t in tasks])
    return store.mark_running(run.id)


def checker(lab):
    ok = lab.id == "pods-basics"
    return LabResult(lab.id, lab.title, [
        CheckResult(c.id, c.title, Outcome.PASSED if ok else Outcome.FAILED, float(c.points) if ok else 0.0,
                    float(c.points), hint=c.hint) for c in lab.checks])


def test_start_countdown_tasks_submit(tmp_path):
    store = ExamStore(tmp_path / "exam.sqlite3")
    panel = ExamPanel(store=store, starter=starter, grader=checker, tick=0.05)
    try:
        assert "No exam running" in panel.clock.value and panel.submit_button.disabled
        panel.track.value, panel.minutes.value = "ckad", 30
        panel.start_button.click()
        assert panel.start_button.disabled and not panel.submit_button.disabled
        assert "time left <b>0:29:5" in panel.clock.value or "time left <b>0:30:00" in panel.clock.value
        assert panel.task_html.value.count("<details>") == 3 and "lab-pods-basics" in panel.task_html.value
        assert "kubectl config use-context" in panel.task_html.value
        run = store.active()
        assert "Time is up" in panel.clock_text(run, now=run.deadline + 1)
        time.sleep(0.2)                      # the ticking thread keeps the clock fresh
        assert "time left" in panel.clock.value
        result = panel.submit_button.click() or store.latest("graded")
        assert result.result["total"] == round(100 * 20 / 60, 3)
        assert "Total: 33.3/100 (pass line 66): FAIL" in panel.result_html.value
        assert "Reference solution" in panel.result_html.value and "probes-repair" in panel.result_html.value
        assert not panel.start_button.disabled and "graded" in panel.clock.value
    finally:
        panel.close()


def test_start_failure_is_shown_not_raised(tmp_path):
    def broken(*_a, **_k):
        raise RuntimeError("the course cluster is not ready; `kubelab cluster up`")

    panel = ExamPanel(store=ExamStore(tmp_path / "exam.sqlite3"), starter=broken)
    panel.start()
    assert "start failed" in panel.result_html.value and "kubelab cluster up" in panel.result_html.value
    assert not panel.start_button.disabled
    panel.close()
