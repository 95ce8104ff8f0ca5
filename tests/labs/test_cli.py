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
