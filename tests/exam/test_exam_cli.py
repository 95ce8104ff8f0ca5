"""`kubelab exam ...` through typer's CliRunner, without a cluster (the API points at a dead port)."""

import json
import time

import pytest
from typer.testing import CliRunner

from kubelab.cli import app
from kubelab.exam.store import ExamStore

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBELAB_DATA_DIR", str(tmp_path))
    return tmp_path


def _running_run(data_dir, started: float, minutes: float = 120):
    store = ExamStore(data_dir / "exam.sqlite3")
    tasks = [{"number": 1, "lab": "pods-basics", "domain": "design", "weight": 60.0},
             {"number": 2, "lab": "config-env-file", "domain": "environment", "weight": 40.0}]
    run = store.create("ckad", 5, minutes, tasks)
    return store, store.mark_running(run.id, now=started)


def test_list(data_dir):
    res = runner.invoke(app, ["exam", "list", "--json"])
    assert res.exit_code == 0, res.output
    tracks = {t["id"]: t for t in json.loads(res.output)}
    assert set(tracks) == {"cka", "ckad", "kubelab"}
    for t in tracks.values():
        assert sum(d["effective_weight"] for d in t["domains"]) == pytest.approx(100, abs=0.05)
    kl = {d["id"]: d for d in tracks["kubelab"]["domains"]}
    assert "docker-web-port" in kl["docker"]["labs"]
    table = " ".join(runner.invoke(app, ["exam", "list"]).output.split())  # as read, whatever the wrapping
    assert "pass line 66%" in table and "Troubleshooting" in table
    if any(not d["labs"] for d in kl.values()):
        assert "no tasks yet" in table and "shared out over the other domains" in table


def test_start_without_a_cluster_is_a_clear_error_and_leaves_no_run(data_dir, dead_kubeconfig):
    res = runner.invoke(app, ["exam", "start", "ckad", "--seed", "1", "--tasks", "3"])
    assert res.exit_code == 2, res.output
    assert "the course cluster is not ready" in res.output and "kubelab cluster up" in res.output
    assert ExamStore(data_dir / "exam.sqlite3").runs() == []


def test_bad_input(data_dir):
    assert runner.invoke(app, ["exam", "start", "cks"]).exit_code == 3
    assert "tracks: cka, ckad, kubelab" in runner.invoke(app, ["exam", "start", "cks"]).output
    res = runner.invoke(app, ["exam", "start", "cka", "--labs", "docker-web-port"])
    assert res.exit_code == 3 and "not part of the cka track" in res.output
    for cmd in (["status"], ["flag", "1"], ["task", "1"], ["submit"]):
        res = runner.invoke(app, ["exam", *cmd])
        assert res.exit_code == 3 and "no exam is running" in res.output, cmd
    assert runner.invoke(app, ["exam", "review"]).exit_code == 3
    assert "no exam runs yet" in runner.invoke(app, ["exam", "history"]).output


def test_running_exam_status_flag_task_and_one_at_a_time(data_dir):
    _running_run(data_dir, started=time.time())
    res = runner.invoke(app, ["exam", "status"])
    assert res.exit_code == 0 and "time left 1:59:5" in res.output and "flagged: none" in res.output
    assert runner.invoke(app, ["exam", "flag", "2"]).output.strip() == "task 2 flagged"
    assert runner.invoke(app, ["exam", "skip", "1"]).output.strip() == "task 1 skipped"
    data = json.loads(runner.invoke(app, ["exam", "status", "--json"]).output)
    assert data["flagged"] == [2] and data["skipped"] == [1] and data["seconds_left"] > 7100
    assert runner.invoke(app, ["exam", "flag", "2"]).output.strip() == "task 2 no longer flagged"
    assert runner.invoke(app, ["exam", "flag", "9"]).exit_code == 3
    task = runner.invoke(app, ["exam", "task", "1"], env={"COLUMNS": "200"})
    assert task.exit_code == 0 and "Task 1" in task.output and "60.0 points" in task.output
    assert "kubectl config use-context kind-kubelab" in task.output and "lab-pods-basics" in task.output
    again = runner.invoke(app, ["exam", "start", "ckad", "--seed", "2"])
    assert again.exit_code == 3 and "kubelab exam submit" in again.output


def test_past_the_deadline_the_next_command_grades_and_a_dead_cluster_records_nothing(data_dir, dead_kubeconfig):
    store, run = _running_run(data_dir, started=time.time() - 3 * 3600, minutes=1)
    t0 = time.perf_counter()
    res = runner.invoke(app, ["exam", "status"], env={"COLUMNS": "160"})
    assert time.perf_counter() - t0 < 30
    assert res.exit_code == 2, res.output
    assert "Time is up" in res.output and "could not be graded" in res.output   # the cluster's fault, not yours
    assert "NOT RECORDED" in res.output and "kubelab exam submit" in res.output
    still = store.active()                               # nothing lost: the run waits for the cluster
    assert still.id == run.id and still.state == "running" and still.result is None
    res = runner.invoke(app, ["exam", "submit", "--json"])
    assert res.exit_code == 2 and json.loads(res.stdout)["recorded"] is False
    assert runner.invoke(app, ["exam", "review"]).exit_code == 3


def _checker(lab):
    """A LabResult over the lab's own checks: all passed for pods-basics, none for the others."""
    from kubelab.graders.results import CheckResult, LabResult, Outcome

    ok = lab.id == "pods-basics"
    return LabResult(lab.id, lab.title, [CheckResult(c.id, c.title, Outcome.PASSED if ok else Outcome.FAILED,
                                                     float(c.points) if ok else 0.0, float(c.points), hint=c.hint)
                                         for c in lab.checks])


def test_graded_run_review_and_history(data_dir):
    from kubelab.exam.session import grade

    store, run = _running_run(data_dir, started=time.time() - 3 * 3600, minutes=1)
    result = grade(store, run, checker=_checker)
    assert result.recorded and result.late and result.total == 60 and not result.passed
    done = store.get(run.id)
    assert done.state == "graded" and store.active() is None
    assert done.result["domains"] == {"design": {"score": 60, "weight": 60.0},
                                      "environment": {"score": 0, "weight": 40.0}}
    review = runner.invoke(app, ["exam", "review", "--json"])
    assert review.exit_code == 0 and json.loads(review.output)["total"] == 60
    text = runner.invoke(app, ["exam", "review", str(run.id)], env={"COLUMNS": "160"}).output
    assert "60.0/100 (pass line 66): FAIL" in text and "kubectl apply" in text
    assert "Task 2: config-env-file" in text and "Task 1: pods-basics" not in text   # solutions of what was missed
    hist = runner.invoke(app, ["exam", "history"])
    assert "graded" in hist.output and "| = pass line" in hist.output and "FAIL" in hist.output
    assert runner.invoke(app, ["exam", "status"]).exit_code == 3    # nothing running any more
    assert runner.invoke(app, ["exam", "review", "99"]).exit_code == 3
