"""The notebook panel's logic (no browser) and the nbgrader grade function."""

import pytest

from kubelab.graders.results import CheckInfrastructureError, CheckResult, LabResult, Outcome
from kubelab.labs.widgets import LabPanel, lab_panel


def fake_result(passed_ids=()):
    checks = []
    for cid, hint in (("pod-exists", "create it"), ("pod-labels", "label it"), ("pod-ready", "describe it")):
        ok = cid in passed_ids
        checks.append(CheckResult(id=cid, title=cid, outcome=Outcome.PASSED if ok else Outcome.FAILED,
                                  points=1.0 if ok else 0.0, max_points=1.0,
                                  observed="ok" if ok else f"{cid}: expected x, found y", hint=hint))
    return LabResult(lab_id="pods-basics", title="Pods", checks=checks)


def test_panel_check_hint_reset_by_clicks():
    calls = []
    panel = LabPanel("pods-basics", checker=lambda: fake_result(["pod-exists"]),
                     resetter=lambda: calls.append("reset"))
    assert panel.next_hint().startswith("Hint 1/6 (pod-exists)")  # before any check: all hints in order
    panel.check_button.click()
    assert "pod-labels" in panel.result_html.value and "1/3 points" in panel.status.value
    assert not panel.check_button.disabled
    panel.hint_button.click()
    assert "Hint 1/2 (pod-labels): label it" in panel.hint_html.value
    panel.hint_button.click()
    assert "Hint 2/2 (pod-ready): describe it" in panel.hint_html.value
    panel.hint_button.click()
    assert "Hint 1/2" in panel.hint_html.value  # cycles, one at a time
    panel.reset_button.click()
    assert calls == ["reset"] and panel.result_html.value == "" and panel.last is None


def test_panel_all_passed_and_failed_reset():
    panel = LabPanel("pods-basics", checker=lambda: fake_result(["pod-exists", "pod-labels", "pod-ready"]),
                     resetter=lambda: (_ for _ in ()).throw(RuntimeError("cluster down")))
    panel.check()
    assert panel.next_hint() == "Everything passed: no hint needed."
    panel.reset()
    assert "reset failed: cluster down" in panel.status.value


def test_lab_panel_is_a_widget_box():
    import ipywidgets

    box = lab_panel("docker-web-port")
    assert isinstance(box, ipywidgets.VBox) and isinstance(box.panel, LabPanel)


def test_grade_unreachable_cluster_raises_infra_error_and_stays_silent(dead_kubeconfig, capfd):
    from kubelab.labs.nbgrader import grade

    with pytest.raises(CheckInfrastructureError) as exc:
        grade("pods-basics", "pod-exists")
    assert "kubelab cluster up" in str(exc.value)
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_grade_unknown_check():
    from kubelab.labs.nbgrader import grade

    with pytest.raises(KeyError, match="has no check"):
        grade("pods-basics", "nope")
