"""Fast: the in-notebook helpers without a kernel or an engine."""

import pytest

from kubelab.course import nb


def test_sh_prints_and_returns(capsys):
    out = nb.sh("echo hi; echo oops >&2")
    assert out == "hi\noops" and out.returncode == 0
    assert capsys.readouterr().out == "$ echo hi; echo oops >&2\nhi\noops\n"
    assert out._ipython_display_() is None          # does not print itself a second time


def test_sh_failure_carries_command_and_output():
    with pytest.raises(RuntimeError, match=r"command failed \(exit 3\): echo bad; exit 3\nbad"):
        nb.sh("echo bad; exit 3", quiet=True)
    assert nb.sh("exit 3", check=False, quiet=True).returncode == 3


def test_lab_task_names_unknown_lab():
    with pytest.raises(KeyError, match="no lab 'no-such-lab'"):
        nb.lab_task("no-such-lab")


def test_quiz_and_question_build_widgets():
    assert len(nb.quiz("docker-01", "nscg-03").items) == 2
    assert nb.question("docker-04").question.id == "docker-04"


def test_status_names_the_fix_for_a_stopped_engine(monkeypatch):
    from kubelab.cluster import tools
    from kubelab.course import status

    monkeypatch.setattr(tools, "docker_reachable", lambda: (False, "Cannot connect to the Docker daemon"))
    st = status.collect()
    assert not st.ok and [r.name for r in st.rows] == ["Docker engine"]
    assert "systemctl start docker" in st.rows[0].fix
    assert "FIX  Docker engine: Cannot connect" in repr(st)


def test_status_without_a_cluster_and_with_missing_images(monkeypatch):
    from kubelab.cluster import lifecycle, tools
    from kubelab.course import status

    monkeypatch.setattr(tools, "docker_reachable", lambda: (True, "20.10.24"))
    monkeypatch.setattr(status, "_images_row",
                        lambda: status.Row("lab images", False, "missing: busybox", "kubelab cluster build-image"))
    monkeypatch.setattr(lifecycle, "status", lambda: {"cluster": "kubelab", "context": "kind-kubelab", "state": "absent"})
    st = status.collect()
    assert [(r.name, r.ok, r.fix) for r in st.rows] == [
        ("Docker engine", True, ""), ("lab images", False, "kubelab cluster build-image"),
        ("course cluster", False, "kubelab cluster up")]
    assert [r.name for r in status.collect(cluster=False).rows] == ["Docker engine", "lab images"]


def test_status_panel_shows_nodes_and_survives_a_failing_look():
    from kubelab.course.status import Row, Status, StatusPanel

    good = Status([Row("course cluster", True, "kubelab: 3/3 nodes Ready")],
                  [{"name": "kubelab-worker", "ready": True, "version": "v1.34.4", "unschedulable": True,
                    "taints": ["gpu=yes:NoSchedule"]}])
    panel = StatusPanel(collector=lambda cluster: good)
    assert panel.last.ok and "kubelab-worker" in panel.body.value and "no (cordoned)" in panel.body.value
    assert "gpu=yes:NoSchedule" in panel.body.value and "cordoned, taints gpu=yes:NoSchedule" in repr(good)

    def broken(cluster):
        raise RuntimeError("<kubeconfig> unreadable")

    panel._collect = broken
    panel.button.click()
    assert panel.last is None and "status failed: &lt;kubeconfig&gt; unreadable" in panel.body.value
    assert not panel.button.disabled


def test_cluster_status_shows_one_panel_and_returns_nothing(monkeypatch):
    """The panel is the cell's only output: a returned Status would be shown a second time."""
    from kubelab.course import status

    shown = []
    monkeypatch.setattr(nb, "_display", shown.append)
    monkeypatch.setattr(status, "collect", lambda cluster: status.Status([status.Row("Docker engine", True, "stubbed")]))
    assert nb.cluster_status(cluster=False) is None
    assert len(shown) == 1 and nb.STATUS[-1].widget is shown[0] and nb.STATUS[-1].last.rows[0].detail == "stubbed"
