"""Record-only evidence, node state in records and replays, regrade flags: pure logic, no cluster."""

from __future__ import annotations

import json

import pytest

from kubelab.graders import k8s
from kubelab.instructor import policy
from kubelab.instructor.evidence import MASK, SnapshotKube, TapKube, grade_from_evidence, record_evidence
from kubelab.labs.model import Lab, NodeScope, Params

NODE = {"kind": "Node", "metadata": {"name": "w2", "labels": {"disk": "ssd", "kubernetes.io/hostname": "w2"},
                                     "managedFields": [{"manager": "kubectl"}]},
        "spec": {"unschedulable": True, "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                                                    {"key": "node.kubernetes.io/unschedulable",
                                                     "effect": "NoSchedule"}]}}


class FakeKube:
    def __init__(self, objects=None, pods=None):
        self.objects = objects or {}
        self.pods = pods or []
        self.secret_values: set[str] = set()

    def clear(self):
        pass

    def get(self, kind, name, namespace=None):
        return self.objects.get((kind, name))

    def list(self, kind, namespace=None, selector=None):
        return list(self.pods) if kind == "Pod" else []

    def exec(self, namespace, pod, command, container=None, timeout=10.0):
        return 0, "hello\n", ""


def drain_lab() -> Lab:
    P = Params(namespace="lab-x", node="w2")
    lab = Lab(id="drain-x", title="t", topic="scheduling", shape="course", minutes=1, params=P, task="t",
              namespace="lab-x", node_scope=NodeScope(nodes=("w2",), cordon=True))

    @lab.check("cordoned", "cordoned", points=1, hint="kubectl cordon")
    def cordoned(ctx):
        node = k8s.must_get(ctx.kube, "Node", "w2")
        assert node["spec"].get("unschedulable"), "node w2 is schedulable"
        return "cordoned"

    @lab.check("empty", "no pod on w2", points=2, hint="kubectl drain", requires=["cordoned"], record_only=True)
    def empty(ctx):
        on = [p["metadata"]["name"] for p in ctx.kube.list("Pod", "lab-x") if p["spec"].get("nodeName") == "w2"]
        if on:
            from kubelab.graders.errors import Failed

            raise Failed(f"pods on w2: {', '.join(on)}")
        return "no pod of lab-x on w2"

    return lab


def test_tap_keeps_reads_without_managed_fields_or_secret_values():
    inner = FakeKube({("Node", "w2"): NODE, ("Secret", "s"): {"kind": "Secret", "metadata": {"name": "s"},
                                                              "data": {"password": "c2VjcmV0"}}})
    tap = TapKube(inner)
    tap.get("Node", "w2")
    tap.get("Secret", "s", "lab-x")
    tap.exec("lab-x", "web", ["cat", "/f"])
    node = tap.reads["get Node - w2"]
    assert "managedFields" not in node["metadata"] and node["spec"]["unschedulable"] is True
    assert tap.reads["get Secret lab-x s"]["data"] == {"password": MASK}
    assert "c2VjcmV0" not in json.dumps(tap.reads)
    snap = SnapshotKube(json.loads(json.dumps(tap.reads)))
    assert snap.get("Node", "w2")["metadata"]["name"] == "w2"
    assert snap.exec("lab-x", "web", ["cat", "/f"]) == (0, "hello\n", "")


def test_snapshot_fails_a_read_the_record_does_not_hold():
    from kubelab.graders.errors import Failed

    with pytest.raises(Failed, match="not in the record"):
        SnapshotKube({}).get("Node", "w2")
    with pytest.raises(Failed, match="not in the record"):
        SnapshotKube(None).list("Pod", "lab-x")


def test_record_only_check_is_judged_on_the_recorded_reads_not_the_recorded_verdict():
    lab = drain_lab()
    drained = FakeKube({("Node", "w2"): NODE}, pods=[{"metadata": {"name": "web-1"}, "spec": {"nodeName": "w1"}}])
    still = FakeKube({("Node", "w2"): NODE}, pods=[{"metadata": {"name": "web-2"}, "spec": {"nodeName": "w2"}}])
    good = json.loads(json.dumps(record_evidence(lab, drained)))
    bad = json.loads(json.dumps(record_evidence(lab, still)))
    assert set(good) == {"get Node - w2", "list Pod lab-x -"}  # the check and what it requires

    ok = grade_from_evidence(lab, "empty", good)
    assert ok.passed and ok.observed.startswith("graded from the record (not replayable)")
    no = grade_from_evidence(lab, "empty", bad)
    assert not no.passed and "web-2" in no.observed
    forged = grade_from_evidence(lab, "empty", {})  # a record claiming `passed` with no evidence
    assert not forged.passed and forged.points == 0


def test_capture_nodes_keeps_only_the_scope():
    from kubelab.instructor.record import capture_nodes

    scope = NodeScope(nodes=("w2", "gone"), labels=("disk",), taints=("dedicated",), cordon=True)
    got = capture_nodes(FakeKube({("Node", "w2"): NODE}), scope)
    assert got == [{"name": "w2", "labels": {"disk": "ssd"},
                    "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}], "unschedulable": True}]
    assert "unschedulable" not in capture_nodes(FakeKube({("Node", "w2"): NODE}), NodeScope(nodes=("w2",),
                                                                                            labels=("disk",)))[0]


def test_screen_nodes_applies_only_what_the_lab_concerns():
    scope = NodeScope(nodes=("w2",), labels=("disk",), taints=("dedicated",))
    cmds, refused = policy.screen_nodes([
        {"name": "w2", "labels": {"disk": "ssd", "node-role.kubernetes.io/control-plane": ""},
         "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                    {"key": "dedicated", "value": "gpu", "effect": "NoExecute"},
                    {"key": "other", "effect": "NoSchedule"}],
         "unschedulable": True},
        {"name": "kubelab-control-plane", "labels": {"disk": "ssd"}},
        {"name": "w2", "labels": {"disk": "$(rm -rf /)"}},
    ], scope)
    assert [argv for argv, _ in cmds] == [["label", "node", "w2", "disk=ssd", "--overwrite"],
                                          ["taint", "node", "w2", "dedicated=gpu:NoSchedule", "--overwrite"]]
    text = "\n".join(refused)
    for why in ("control-plane: not a label this lab concerns", "NoExecute would evict", "taint {'key': 'other'",
                "a cordon is not part of this lab", "kubelab-control-plane: not a node this lab concerns",
                "is not a valid label value"):
        assert why in text, (why, text)
    cmds, refused = policy.screen_nodes("nodes", scope)
    assert cmds == [] and "expected a list" in refused[0]
    cmds, _ = policy.screen_nodes([{"name": "w2", "unschedulable": True}], NodeScope(nodes=("w2",), cordon=True))
    assert cmds == [(["cordon", "w2"], "node w2: cordoned")]


def test_lab_grade_cell_defers_to_the_replay_under_autograde(tmp_path, monkeypatch, capsys):
    from kubelab.labs.nbgrader import grade

    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"fatal": "no kubelab-record.yaml in the submission", "refused": [], "notes": []}))
    monkeypatch.setenv("KUBELAB_REPLAY", str(spec))
    with pytest.raises(AssertionError, match="no kubelab-record.yaml"):
        grade("pods-basics", "pod-exists")
    assert capsys.readouterr().err == ""


def test_infrastructure_errors_are_noted_for_a_regrade(tmp_path, monkeypatch, dead_kubeconfig):
    from kubelab.graders.results import CheckInfrastructureError
    from kubelab.instructor.autograde import _errored_checks
    from kubelab.labs.nbgrader import grade

    spec = tmp_path / "alice.json"
    spec.write_text(json.dumps({"namespace": "kg-1-alice", "lab_namespace": "lab-pods-basics", "refused": [],
                                "notes": [], "record_only": []}))
    monkeypatch.setenv("KUBELAB_REPLAY", str(spec))
    with pytest.raises(CheckInfrastructureError, match="unreachable"):
        grade("pods-basics", "pod-exists")
    assert _errored_checks(spec) == ["pod-exists"]
    assert _errored_checks(spec) == []  # read once: a re-run starts clean


def test_lint_names_misused_scope_and_record_only():
    from kubelab.labs.lint import lint_lab
    from kubelab.labs.registry import get_lab

    lab = get_lab("sched-drain")
    saved = lab._reset
    try:
        lab._reset = None
        assert any("node_scope without @lab.reset_steps" in p.message for p in lint_lab(lab))
    finally:
        lab._reset = saved
    docker = get_lab("docker-web-port")
    docker.checks[0].record_only = True
    try:
        assert any("record_only is for cluster labs" in p.message for p in lint_lab(docker))
    finally:
        docker.checks[0].record_only = False


def _saved(tags) -> bytes:
    import io
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for name, body in (("abc/layer.tar", b"layer"), ("config.json", b"{}"),
                           ("manifest.json", json.dumps([{"Config": "config.json", "RepoTags": tags,
                                                          "Layers": ["abc/layer.tar"]}]).encode()),
                           ("repositories", b'{"nginx": {"latest": "abc"}}')):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return out.getvalue()


def test_a_loaded_image_can_only_carry_the_replays_tag():
    import io
    import tarfile

    from kubelab.instructor.replay import retag_image_archive

    data = retag_image_archive(_saved(["kl-snap:v1", "nginx:latest"]), "kl-snap:v1", "kg-1-image0:replay")
    tar = tarfile.open(fileobj=io.BytesIO(data))
    assert sorted(tar.getnames()) == ["abc/layer.tar", "config.json", "manifest.json"]  # no `repositories`
    assert json.load(tar.extractfile("manifest.json"))[0]["RepoTags"] == ["kg-1-image0:replay"]
    assert tar.extractfile("abc/layer.tar").read() == b"layer"
    with pytest.raises(ValueError, match="does not hold"):
        retag_image_archive(_saved(["nginx:latest"]), "kl-snap:v1", "kg-1-image0:replay")


def test_sidecars_outside_the_submission_are_refused(tmp_path):
    from kubelab.instructor.replay import Replay, _sidecar

    (tmp_path / "sub").mkdir()
    (tmp_path / "secret").write_text("x")
    (tmp_path / "sub" / "ok.tar").write_text("x")
    r = Replay("l", "s", "docker")
    rec = {"_folder": str(tmp_path / "sub")}
    assert _sidecar(rec, {"file": "ok.tar"}, r, "image a") == (tmp_path / "sub" / "ok.tar").resolve()
    assert _sidecar(rec, {"file": "../secret"}, r, "image b") is None
    assert _sidecar(rec, {"file": "/etc/passwd"}, r, "image c") is None
    assert len(r.refused) == 2 and "not a file of the submission" in r.refused[0]
