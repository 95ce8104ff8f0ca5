import json
import time

import pytest
from rich.console import Console

from kubelab.graders.errors import Failed, InfraError, Skipped, expect_equal
from kubelab.graders.results import CheckInfrastructureError, CheckResult, LabResult, Outcome
from kubelab.graders.runner import NEXT_BUG, mask_secrets, run_check


def _result(outcome, **kw):
    base = dict(id="pod-ready", title="Pod web is Running and Ready", outcome=outcome, points=0.0, max_points=2.0,
                observed="pod web: expected Running and Ready, found Pending", hint="kubectl describe pod web")
    base.update(kw)
    return CheckResult(**base)


def test_expect_equal_message():
    with pytest.raises(Failed) as exc:
        expect_equal("spec.replicas", 3, 1)
    assert exc.value.message == "spec.replicas: expected 3, found 1"
    assert expect_equal("spec.replicas", 3, 3) == "spec.replicas = 3"


def test_run_check_outcomes():
    ctx = object()
    ok = run_check(lambda c: "fine", ctx, id="a", title="A", points=2, hint="h")
    assert (ok.outcome, ok.points, ok.observed) == (Outcome.PASSED, 2.0, "fine")

    def fails(c):
        raise Failed("spec.replicas: expected 3, found 1", expected="3", found="1")

    bad = run_check(fails, ctx, id="a", title="A", points=2, hint="h")
    assert (bad.outcome, bad.points, bad.message, bad.advice()) == (Outcome.FAILED, 0.0, "spec.replicas: expected 3, found 1", "h")

    def infra(c):
        raise InfraError("the Kubernetes API is unreachable", "run `kubelab cluster up`")

    err = run_check(infra, ctx, id="a", title="A", points=2, hint="h")
    assert err.outcome is Outcome.ERROR and err.advice() == "run `kubelab cluster up`" and err.points == 0

    crash = run_check(lambda c: 1 / 0, ctx, id="a", title="A", points=1, hint="h")
    assert crash.outcome is Outcome.ERROR and "ZeroDivisionError" in crash.observed and crash.next_step == NEXT_BUG

    def skip(c):
        raise Skipped("not applicable")

    assert run_check(skip, ctx, id="a", title="A", points=1).outcome is Outcome.SKIPPED
    assert run_check(lambda c: False, ctx, id="a", title="A", points=1).outcome is Outcome.FAILED


def test_run_check_timeout_is_error():
    t0 = time.perf_counter()
    res = run_check(lambda c: time.sleep(5), None, id="slow", title="slow", points=1, timeout=0.2)
    assert time.perf_counter() - t0 < 2
    assert res.outcome is Outcome.ERROR and "did not finish within 0.2 s" in res.observed


def test_library_errors_become_error_outcomes():
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import MaxRetryError

    def api500(c):
        raise ApiException(status=503, reason="Service Unavailable")

    def refused(c):
        raise MaxRetryError(None, "https://127.0.0.1:1/api", "Connection refused")

    def docker_down(c):
        import docker

        raise docker.errors.DockerException("Error while fetching server API version")

    for fn in (api500, refused, docker_down):
        res = run_check(fn, None, id="x", title="x", points=1)
        assert res.outcome is Outcome.ERROR, fn.__name__
        assert res.next_step and res.next_step != NEXT_BUG, fn.__name__


def test_secrets_are_masked():
    def leak(c):
        raise Failed("env PASSWORD: expected s3cr3t-value, found czNjcjN0LXZhbHVl")

    res = run_check(leak, None, id="x", title="x", points=1, secrets=lambda: ["s3cr3t-value"])
    assert "s3cr3t" not in res.observed and "czNjcjN0LXZhbHVl" not in res.observed
    assert mask_secrets("a b", ["b"]) == "a b"  # one-character values are not masked


def test_assert_passed_for_nbgrader():
    _result(Outcome.PASSED, points=2.0, observed="ok").assert_passed()
    with pytest.raises(AssertionError) as exc:
        _result(Outcome.FAILED).assert_passed()
    assert "found Pending" in str(exc.value) and "hint: kubectl describe pod web" in str(exc.value)
    with pytest.raises(CheckInfrastructureError) as exc:
        _result(Outcome.ERROR, observed="unreachable", next_step="run `kubelab cluster up`").assert_passed()
    assert not isinstance(exc.value, AssertionError) and "kubelab cluster up" in str(exc.value)


def _lab(*checks):
    return LabResult(lab_id="pods-basics", title="Pods", checks=list(checks))


def test_lab_result_totals_and_exit_codes():
    passed = _result(Outcome.PASSED, points=2.0, observed="ok")
    failed = _result(Outcome.FAILED, id="b")
    error = _result(Outcome.ERROR, id="c", next_step="run it")
    assert _lab(passed).exit_code == 0
    assert _lab(passed, failed).exit_code == 1
    assert _lab(passed, failed, error).exit_code == 2
    assert _lab(passed, _result(Outcome.SKIPPED, id="d")).exit_code == 1
    res = _lab(passed, failed)
    assert (res.points, res.max_points) == (2.0, 4.0)
    assert res.summary() == "2/4 points, 1 passed, 1 failed"
    assert res.verdicts() == {"pod-ready": "passed", "b": "failed"}


def test_renderings():
    res = _lab(_result(Outcome.PASSED, points=2.0, observed="pod web is Running and Ready"),
               _result(Outcome.FAILED, id="pod-labels", observed="metadata.labels: expected <x>, found y"),
               _result(Outcome.ERROR, id="env", observed="unreachable", next_step="run `kubelab cluster up`"))
    console = Console(record=True, width=120)
    console.print(res)
    text = console.export_text()
    assert "pod-labels" in text and "hint: kubectl describe pod web" in text
    assert "next step: run `kubelab cluster up`" in text and "2/6 points" in text
    html = res._repr_html_()
    assert "&lt;x&gt;" in html and "<table>" in html  # escaped
    d = json.loads(json.dumps(res.to_dict()))
    assert d["exit_code"] == 2 and d["checks"][0]["outcome"] == "passed"
    assert "hint" not in d["checks"][0] and d["checks"][1]["hint"] == "kubectl describe pod web"
    assert d["checks"][2]["next_step"] == "run `kubelab cluster up`"
    assert "pod-ready" in res.checks[0]._repr_html_()
