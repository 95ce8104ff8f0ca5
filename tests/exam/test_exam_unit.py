"""The exam's pure parts without a cluster: blueprints, the draw, weights, conflicts, the store, results."""

import json
import sqlite3

import pytest

from kubelab.exam.blueprints import CKA, CKAD, KUBELAB, TRACKS, get_track
from kubelab.exam.draw import DrawError, bank, conflict, draw, scaled_weights
from kubelab.exam.result import ExamResult, TaskResult, history_chart, lab_result_from_dict
from kubelab.exam.store import ActiveRunError, ExamStore
from kubelab.graders.results import CheckResult, LabResult, Outcome
from kubelab.labs.model import Lab, NodeScope, Params
from kubelab.labs.registry import all_labs


@pytest.fixture(scope="module")
def labs():
    return all_labs()


def fake(id, topic="pods", shape="course", ns=True, nodes=None, containers=()):
    return Lab(id=id, title=id, topic=topic, shape=shape, minutes=5, params=Params(), task="t",
               namespace=f"lab-{id}" if ns and shape != "docker" else None,
               docker={"containers": list(containers)} if containers else {},
               node_scope=NodeScope(nodes=tuple(nodes)) if nodes else None)


# ---- blueprints ------------------------------------------------------------------------------------

def test_blueprint_weights_are_the_curriculum_and_sum_to_100():
    assert {d.name: d.weight for d in CKA.domains} == {
        "Troubleshooting": 30, "Cluster Architecture, Installation and Configuration": 25,
        "Services and Networking": 20, "Workloads and Scheduling": 15, "Storage": 10}
    assert {d.name: d.weight for d in CKAD.domains} == {
        "Application Design and Build": 20, "Application Deployment": 20,
        "Application Observability and Maintenance": 15,
        "Application Environment, Configuration and Security": 25, "Services and Networking": 20}
    for t in TRACKS.values():
        assert sum(d.weight for d in t.domains) == 100 and t.pass_pct == 66
        assert set(t.topics.values()) - {None} <= {d.id for d in t.domains}
        assert set(t.labs.values()) <= {d.id for d in t.domains}
    with pytest.raises(KeyError, match="tracks: cka, ckad, kubelab"):
        get_track("cks")


def test_every_course_topic_is_placed_by_every_track(labs):
    from kubelab.labs.model import TOPICS

    for t in TRACKS.values():
        assert set(TOPICS) <= set(t.topics), t.id        # None (not in the curriculum) is a placement too
    for t in (CKA, CKAD):
        assert all(lab.shape != "docker" for ls in bank(t, labs).values() for lab in ls)
    assert any(lab.shape == "docker" for ls in bank(KUBELAB, labs).values() for lab in ls)
    assert get_track("cka").domain_of(labs["probes-repair"]) == "troubleshooting"
    assert CKA.domain_of(fake("x-broken", topic="troubleshooting")) == "troubleshooting"
    assert CKAD.domain_of(fake("x-broken", topic="troubleshooting")) == "observability"


def test_empty_domains_give_their_weight_away():
    w = scaled_weights(CKA, {"workloads", "storage"})
    assert w["troubleshooting"] == 0 and w["workloads"] == pytest.approx(60) and w["storage"] == pytest.approx(40)
    assert sum(scaled_weights(CKA, {d.id for d in CKA.domains}).values()) == pytest.approx(100)


# ---- the draw --------------------------------------------------------------------------------------

@pytest.mark.parametrize("track", list(TRACKS))
def test_draw_is_deterministic_for_a_seed_and_weights_sum_to_100(labs, track):
    t = get_track(track)
    a, b = draw(t, labs, 42), draw(t, labs, 42)
    assert a == b
    assert 15 <= len(a) <= 20
    assert [x.number for x in a] == list(range(1, len(a) + 1))
    assert len({x.lab_id for x in a}) == len(a)
    assert sum(x.weight for x in a) == pytest.approx(100)
    others = {tuple(x.lab_id for x in draw(t, labs, s)) for s in range(1, 8)}
    assert len(others) > 1                                 # seeds differ


@pytest.mark.parametrize("track", list(TRACKS))
@pytest.mark.parametrize("seed", range(12))
def test_drawn_tasks_never_conflict_and_respect_shapes(labs, track, seed):
    t = get_track(track)
    tasks = draw(t, labs, seed, count=20)
    drawn = [labs[x.lab_id] for x in tasks]
    for i, a in enumerate(drawn):
        for b in drawn[i + 1:]:
            assert conflict(a, b) is None, (a.id, b.id)
        assert a.shape in t.shapes and t.domain_of(a) == tasks[i].domain
    assert sum(1 for lab in drawn if lab.node_scope) <= 1


def test_domain_weight_is_shared_by_its_tasks(labs):
    tasks = draw(CKA, labs, 3)
    per = {}
    for x in tasks:
        per.setdefault(x.domain, []).append(x.weight)
    present = scaled_weights(CKA, set(per))
    for d, ws in per.items():
        assert sum(ws) == pytest.approx(present[d]) and len(set(round(w, 9) for w in ws)) == 1
    # CKA: troubleshooting's tasks share its 30%, however many labs it has
    assert sum(per["troubleshooting"]) == pytest.approx(30)


def test_quotas_follow_the_weights_and_the_bank():
    bank_ = {f"p{i}": fake(f"p{i}") for i in range(10)}
    bank_ |= {f"s{i}": fake(f"s{i}", topic="storage") for i in range(10)}
    tasks = draw(CKA, bank_, 1, count=10)           # workloads 15 : storage 10 -> 6 : 4
    assert sorted(x.domain for x in tasks).count("workloads") == 6
    assert sum(1 for x in tasks if x.domain == "storage") == 4
    assert sum(x.weight for x in tasks if x.domain == "workloads") == pytest.approx(60)
    small = draw(CKA, {"p0": fake("p0")}, 1, count=17)           # a smaller bank: fewer tasks
    assert [(x.lab_id, x.weight) for x in small] == [("p0", 100.0)]
    assert len(draw(CKA, bank_, 1, count=1)) == 1
    with pytest.raises(DrawError):
        draw(CKA, bank_, 1, count=0)


def test_conflicts():
    a, b = fake("a", nodes=["kubelab-worker2"]), fake("b", nodes=["kubelab-worker"])
    assert "at most one node lab" in conflict(a, b)
    assert conflict(fake("a"), fake("b")) is None
    same_ns = fake("c")
    assert "namespace lab-a" in conflict(fake("a"), Lab(**{**same_ns.__dict__, "namespace": "lab-a"}))
    d1, d2 = fake("d1", shape="docker", containers=["web"]), fake("d2", shape="docker", containers=["web"])
    assert "container web" in conflict(d1, d2)
    bank_ = {x.id: x for x in (a, b, fake("c"), fake("d"))}
    for seed in range(20):
        ids = {x.lab_id for x in draw(CKA, bank_, seed, count=4)}
        assert len(ids) == 3 and not {"a", "b"} <= ids      # one node lab gives its place back


def test_real_node_labs_conflict(labs):
    assert conflict(labs["sched-taint"], labs["sched-drain"])
    assert conflict(labs["pods-basics"], labs["sched-taint"]) is None


def test_draw_only_these_labs(labs):
    tasks = draw(CKAD, labs, 0, only=["pods-basics", "config-env-file", "probes-repair"])
    assert [(x.lab_id, x.domain) for x in tasks] == [
        ("pods-basics", "design"), ("config-env-file", "environment"), ("probes-repair", "observability")]
    assert sum(x.weight for x in tasks) == pytest.approx(100)
    with pytest.raises(DrawError, match="not part of the cka track"):
        draw(CKA, labs, 0, only=["docker-web-port"])
    with pytest.raises(DrawError, match="conflict"):
        draw(CKA, labs, 0, only=["sched-taint", "sched-drain"])
    with pytest.raises(DrawError, match="no lab"):
        draw(CKA, labs, 0, only=["nope"])


# ---- store -------------------------------------------------------------------------------------------

def test_one_active_run_atomic_and_survives_reopen(tmp_path):
    path = tmp_path / "exam.sqlite3"
    s1, s2 = ExamStore(path), ExamStore(path)           # two terminals
    run = s1.create("cka", 7, 120, [{"number": 1, "lab": "pods-basics", "domain": "workloads", "weight": 100}])
    assert run.state == "seeding" and run.deadline is None
    with pytest.raises(ActiveRunError, match="already in progress"):
        s2.create("ckad", 8, 120, [])
    assert len(s2.runs()) == 1                          # the refused insert left nothing behind
    s1.mark_running(run.id, now=1000.0)
    s1.close()
    again = ExamStore(path).active()                    # a new process sees the same run and deadline
    assert again.state == "running" and again.deadline == 1000.0 + 120 * 60
    s2.set_marks(run.id, [3, 1], [2])
    assert s2.get(run.id).flagged == [1, 3] and s2.get(run.id).skipped == [2]
    s2.finish(run.id, "graded", {"total": 50})
    assert s2.active() is None and s2.latest("graded").result == {"total": 50}
    assert s2.create("ckad", 8, 120, []).state == "seeding"   # the slot is free again


def test_a_failed_write_changes_nothing(tmp_path):
    store = ExamStore(tmp_path / "exam.sqlite3")
    run = store.create("cka", 1, 10, [])
    store.mark_running(run.id, now=5.0)
    store.db.execute("CREATE TRIGGER boom BEFORE UPDATE OF result ON runs BEGIN SELECT RAISE(ABORT, 'disk'); END")
    from kubelab.quiz.store import StoreError

    with pytest.raises(StoreError, match="could not save the result"):
        store.finish(run.id, "graded", {"total": 1})
    after = store.get(run.id)
    assert after.state == "running" and after.result is None and store.active().id == run.id
    assert not store.db.in_transaction


def test_deadline():
    from kubelab.exam.store import Run

    r = Run(1, "cka", 1, 2, "running", 0.0, 100.0, 220.0, None, [])
    assert not r.expired(now=219.9) and r.expired(now=220.0)
    assert r.seconds_left(now=160.0) == 60 and r.seconds_left(now=500.0) == 0
    assert not Run(1, "cka", 1, 2, "graded", 0.0, 100.0, 220.0, 300.0, []).expired(now=400)


def test_store_error_on_unwritable_path(tmp_path):
    from kubelab.quiz.store import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="exam database"):
        ExamStore(blocker / "exam.sqlite3")


# ---- result ------------------------------------------------------------------------------------------

def _lr(lab, got, of):
    checks = [CheckResult(f"c{i}", f"check {i}", Outcome.PASSED if i < got else Outcome.FAILED, 1.0 if i < got else 0.0,
                          1.0, hint=f"hint {i}") for i in range(of)]
    return LabResult(lab, lab, checks)


def test_result_scores_domains_pass_line_and_json_round_trip():
    tasks = [TaskResult(1, "a", "workloads", 50, _lr("a", 4, 4)), TaskResult(2, "b", "storage", 30, _lr("b", 1, 2)),
             TaskResult(3, "c", "storage", 20, _lr("c", 0, 3), solution="```bash\nkubectl apply\n```")]
    r = ExamResult(9, "cka", "CKA", 1, 66, {d.id: d.name for d in CKA.domains}, tasks, 0, 100, 90)
    assert r.total == pytest.approx(65) and not r.passed and not r.late
    assert r.by_domain() == {"workloads": (50, 50), "storage": (pytest.approx(15), 50)}
    d = json.loads(json.dumps(r.to_dict()))
    back = ExamResult.from_dict(d)
    assert back.to_dict() == r.to_dict()
    assert d["domains"]["storage"] == {"score": 15, "weight": 50}
    assert d["tasks"][1]["result"]["checks"][1]["hint"] == "hint 1"
    from rich.console import Console

    console = Console(record=True, width=120)
    console.print(r)
    text = console.export_text()
    assert "65.0/100 (pass line 66): FAIL" in text and "kubectl apply" in text and "hint 2" in text
    assert "Task 1:" not in text                          # full marks: no solution shown
    assert lab_result_from_dict(tasks[0].result.to_dict()).points == 4


def test_history_chart_marks_the_pass_line():
    chart = history_chart([{"run": 1, "track": "cka", "total": 50.0, "pass_pct": 66, "passed": False},
                           {"run": 2, "track": "cka", "total": 80.0, "pass_pct": 66, "passed": True}], width=10)
    lines = chart.splitlines()
    assert lines[0].split()[2] == "█████··|··" and lines[0].endswith("FAIL")
    assert lines[1].split()[2] == "███████|··" and lines[1].endswith("PASS")


def test_task_weights_stay_in_sqlite_as_floats(tmp_path):
    store = ExamStore(tmp_path / "e.sqlite3")
    store.create("cka", 1, 1, [{"number": 1, "lab": "x", "domain": "storage", "weight": 33.333}])
    row = sqlite3.connect(tmp_path / "e.sqlite3").execute("SELECT tasks FROM runs").fetchone()
    assert json.loads(row[0])[0]["weight"] == 33.333


# ---- tasks that break the whole cluster (lab.cluster_wide) -------------------------------------------

CLUSTER_WIDE = ("trouble-dns-coredns", "trouble-kubelet-stopped", "trouble-scheduler-manifest")


@pytest.mark.parametrize("seed", range(30))
def test_a_cka_exam_holds_at_most_one_cluster_wide_task_listed_first(labs, seed):
    tasks = draw(CKA, labs, seed)
    wide = [t for t in tasks if labs[t.lab_id].cluster_wide]
    assert len(wide) <= 1
    if wide:
        assert wide[0].number == 1 and wide[0].domain == "troubleshooting"


def test_cluster_wide_labs_are_drawn_by_the_cka_only(labs):
    assert {lab.id for lab in bank(CKA, labs)["troubleshooting"]} >= set(CLUSTER_WIDE)
    for track in (CKAD, KUBELAB):
        assert not {lab.id for ls in bank(track, labs).values() for lab in ls} & set(CLUSTER_WIDE)
    # the kubeconfig lab only changes a file of its own: every track may draw it
    assert CKAD.domain_of(labs["trouble-kubeconfig-context"]) == "observability"
    drawn = {t.lab_id for seed in range(40) for t in draw(CKA, labs, seed)}
    assert drawn & set(CLUSTER_WIDE), "over 40 seeds the CKA draws a cluster-wide task now and then"


def test_two_cluster_wide_labs_conflict(labs):
    assert "whole cluster" in conflict(labs["trouble-dns-coredns"], labs["trouble-scheduler-manifest"])
    assert conflict(labs["trouble-dns-coredns"], labs["pods-basics"]) is None
    with pytest.raises(DrawError, match="whole cluster"):
        draw(CKA, labs, 0, only=["trouble-kubelet-stopped", "trouble-dns-coredns"])


def test_a_cluster_wide_task_is_seeded_after_all_the_others(monkeypatch, tmp_path):
    from kubelab.exam import session
    from kubelab.labs import actions

    order: list[str] = []
    monkeypatch.setattr(session, "preflight", lambda labs: None)
    monkeypatch.setattr(actions, "reset", lambda lab, log, wait=False: None)
    monkeypatch.setattr(actions, "start", lambda lab, log, ensure=False: order.append(lab.id))
    store = ExamStore(tmp_path / "exam.sqlite3")
    labs = ["trouble-scheduler-manifest", "pods-basics", "trouble-bad-image", "config-env-file"]
    session.start_exam(store, "cka", seed=1, only=labs)
    assert order[-1] == "trouble-scheduler-manifest" and sorted(order[:-1]) == sorted(labs[1:])
    line = session.context_line(all_labs()["trouble-scheduler-manifest"])
    assert "do it first" in line and "scheduler" in line
