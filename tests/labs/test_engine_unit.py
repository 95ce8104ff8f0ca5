"""The engine on a lab declared in Python with pure checks: order, requires, exit codes, timeouts."""

import time

from kubelab.graders.errors import Failed, InfraError
from kubelab.labs.engine import check_lab, wait_for
from kubelab.labs.model import Lab, Params, Run


def make_lab(state):
    P = Params(name="x", port=80)
    lab = Lab(id="toy", title="Toy", topic="misc", shape="docker", minutes=1, params=P, task="t",
              docker={"containers": ["x"]})

    @lab.check("exists", "x exists", points=1, hint="create x")
    def exists(ctx):
        if not state.get("exists"):
            raise Failed("x: expected to exist, found nothing")
        return "x exists"

    @lab.check("port", "x has port 80", points=2, hint="port 80", requires=["exists"])
    def port(ctx):
        if state.get("port") != ctx.p.port:
            raise Failed(f"port: expected {ctx.p.port}, found {state.get('port')}")
        return "port 80"

    @lab.check("slow", "slow check", points=1, hint="wait", timeout=0.3)
    def slow(ctx):
        if state.get("slow"):
            time.sleep(2)
        if state.get("down"):
            raise InfraError("engine down", "start it")
        return "fast"

    @lab.solution
    def solution(p):
        return [Run(["true"])]

    lab.near_miss("wrong-port", "port 81", params={"port": 81}, fails=["port"])
    return lab


def test_zero_then_full_marks():
    state = {}
    lab = make_lab(state)
    res = check_lab(lab)
    assert res.verdicts() == {"exists": "failed", "port": "skipped", "slow": "passed"}
    assert res.exit_code == 1 and res.points == 1
    state.update(exists=True, port=80)
    res = check_lab(lab)
    assert res.all_passed and res.exit_code == 0 and res.points == res.max_points == 4


def test_only_runs_prerequisites_but_reports_only_asked():
    state = {"exists": True, "port": 81}
    res = check_lab(make_lab(state), only=["port"])
    assert [c.id for c in res.checks] == ["port"] and res.checks[0].outcome.value == "failed"


def test_timeout_and_infra_are_errors_exit_2():
    state = {"exists": True, "port": 80, "slow": True}
    t0 = time.perf_counter()
    res = check_lab(make_lab(state))
    assert time.perf_counter() - t0 < 1.5
    assert res.by_id("slow").outcome.value == "error" and res.exit_code == 2
    assert res.by_id("exists").passed  # the other checks keep their verdicts
    state.update(slow=False, down=True)
    res = check_lab(make_lab(state))
    assert res.by_id("slow").next_step == "start it" and res.exit_code == 2


def test_error_propagates_to_dependents_as_error_not_failure():
    lab = make_lab({})

    def boom(ctx):
        raise InfraError("API unreachable", "run `kubelab cluster up`")

    lab.checks[0].fn = boom
    res = check_lab(lab)
    assert res.by_id("port").outcome.value == "error" and "unreachable" in res.by_id("port").observed


def test_near_miss_steps_rerender_solution():
    lab = make_lab({})
    nm = lab.near_misses[0]
    assert lab.near_miss_steps(nm)[0].argv == ["true"]
    assert lab.params.replace(**nm.params).port == 81 and lab.params.port == 80


def test_wait_for_returns_last_result():
    state = {}
    lab = make_lab(state)
    res = wait_for(lab, lambda r: r.all_passed, timeout=0.2, interval=0.05)
    assert not res.all_passed


def test_wait_for_pauses_as_long_as_a_slow_check_run_took():
    """A check run that takes long (probe pods) is not repeated back to back: at most about half the
    waiting time goes to grading."""
    runs = []
    P = Params(name="x")
    lab = Lab(id="toy2", title="Toy", topic="misc", shape="docker", minutes=1, params=P, task="t")

    @lab.check("probe", "a request from a probe pod answers", points=1, hint="h", timeout=5)
    def probe(ctx):
        runs.append(time.monotonic())
        time.sleep(0.2)
        raise Failed("no answer")

    deadline = time.monotonic() + 1.0
    wait_for(lab, lambda r: r.all_passed, timeout=1.0, interval=0.01)
    # each pause lasts as long as the run before it took (0.2 s here, more on a busy machine), except the
    # last one, which the deadline may cut short: the last run then starts at the deadline
    gaps = [(b - a, b) for a, b in zip(runs, runs[1:])]
    assert len(runs) >= 2 and all(g >= 0.39 or b >= deadline - 0.02 for g, b in gaps), gaps
