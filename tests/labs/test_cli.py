"""`kubelab lab ...` without a cluster: listing, showing, hints, and the API-unreachable path."""

import json
import time

from typer.testing import CliRunner

from kubelab.labs.cli import lab_app

runner = CliRunner()


def test_list_json():
    res = runner.invoke(lab_app, ["list", "--json"])
    assert res.exit_code == 0
    labs = {d["id"]: d for d in json.loads(res.output)}
    assert labs["pods-basics"]["topic"] == "pods" and labs["pods-basics"]["shape"] == "course"
    assert labs["docker-web-port"]["shape"] == "docker" and labs["docker-web-port"]["points"] == 7
    assert {"id", "title", "topic", "points", "shape"} <= set(labs["pods-basics"])


def test_list_table_show_hint():
    assert "pods-basics" in runner.invoke(lab_app, ["list"]).output
    show = runner.invoke(lab_app, ["show", "pods-basics"])
    assert show.exit_code == 0 and "lab-pods-basics" in show.output
    hint = runner.invoke(lab_app, ["hint", "pods-basics", "pod-labels"])
    assert hint.exit_code == 0 and "kubectl label pod web" in hint.output
    assert runner.invoke(lab_app, ["hint", "pods-basics", "nope"]).exit_code == 3
    assert runner.invoke(lab_app, ["show", "no-such-lab"]).exit_code == 3


def test_api_unreachable_gives_error_outcomes_and_exit_2(dead_kubeconfig):
    t0 = time.perf_counter()
    res = runner.invoke(lab_app, ["check", "pods-basics", "--json"])
    elapsed = time.perf_counter() - t0
    assert res.exit_code == 2, res.output
    data = json.loads(res.output)
    assert {c["outcome"] for c in data["checks"]} == {"error"}
    assert data["points"] == 0
    assert all("kubelab cluster up" in c["next_step"] for c in data["checks"])
    assert elapsed < 10
    table = runner.invoke(lab_app, ["check", "pods-basics"])
    assert table.exit_code == 2 and "next step" in table.output


def test_docker_unreachable_gives_exit_2(dead_docker):
    res = runner.invoke(lab_app, ["check", "docker-web-port", "--json"])
    assert res.exit_code == 2
    data = json.loads(res.output)
    by_id = {c["id"]: c for c in data["checks"]}
    assert by_id["container-exists"]["outcome"] == "error"
    assert "Docker" in by_id["container-exists"]["next_step"]


def test_list_fits_80_columns_ids_whole(monkeypatch):
    """In an 80-column terminal no line is wider than 80, every id appears whole on one line
    (students type them) and no title takes more than three lines."""
    from kubelab.labs.registry import all_labs

    monkeypatch.setenv("COLUMNS", "80")
    out = runner.invoke(lab_app, ["list"]).output
    lines = out.splitlines()
    assert lines and max(len(line.rstrip()) for line in lines) <= 80, out
    firsts = [line.split()[0] for line in lines if line.strip()]
    for lab in all_labs().values():
        assert lab.id in firsts, f"{lab.id} cut or wrapped:\n{out}"
        assert lab.topic in firsts                      # grouped under their topic
    rows = [i for i, line in enumerate(lines) if line.split() and line.split()[0] in all_labs()]
    assert max(b - a for a, b in zip(rows, rows[1:])) <= 4, out
    assert "…" not in out


def test_list_wide_adds_shape_and_minutes(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    out = runner.invoke(lab_app, ["list", "--wide"]).output
    head = next(line for line in out.splitlines() if line.split()[:1] == ["id"])
    assert head.split() == ["id", "title", "topic", "points", "shape", "min"]
    web = next(line for line in out.splitlines() if line.split()[:1] == ["docker-web-port"])
    assert web.split()[-3] == "7" and web.split()[-2] == "docker", web


def test_start_keep_leaves_a_started_lab_alone(monkeypatch):
    """`make course` runs `lab start --keep`: coming back the next day must not re-seed your work."""
    from types import SimpleNamespace

    from kubernetes.client.exceptions import ApiException

    from kubelab.cluster import kube
    from kubelab.labs import actions

    started = []
    monkeypatch.setattr(actions, "start", lambda lab, log=None: started.append(lab.id))
    phase = {"value": "Active"}

    def read_namespace(name):
        if phase["value"] is None:
            raise ApiException(status=404)
        return SimpleNamespace(status=SimpleNamespace(phase=phase["value"]))

    monkeypatch.setattr(kube, "core", lambda client=None: SimpleNamespace(read_namespace=read_namespace))
    res = runner.invoke(lab_app, ["start", "--keep", "pods-basics"])
    assert res.exit_code == 0 and "already started in namespace lab-pods-basics" in res.output and not started
    for value in (None, "Terminating"):
        phase["value"] = value
        res = runner.invoke(lab_app, ["start", "--keep", "pods-basics"])
        assert res.exit_code == 0 and "lab pods-basics is ready" in res.output
    assert started == ["pods-basics", "pods-basics"]
