"""Fast tests: manifest cleaning, record validation, what a replay refuses, the course build."""

from __future__ import annotations

import copy
import json

import pytest

from kubelab.instructor import policy
from kubelab.instructor.record import (RECORD_NAME, RecordError, clean_manifest, container_spec, keep_object,
                                       load_record, write_atomic, write_record)
from kubelab.instructor.replay import (QUOTA, ROLE_RULES, replay_namespace, sandbox_manifests)

LIVE_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "lab-x", "uid": "u1", "resourceVersion": "42",
                 "creationTimestamp": "2026-01-01T00:00:00Z", "labels": {"app": "web"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "me"},
                 "managedFields": [{"manager": "kubectl"}]},
    "spec": {"nodeName": "kubelab-worker", "serviceAccount": "default", "serviceAccountName": "default",
             "containers": [{"name": "web", "image": "nginx",
                             "volumeMounts": [{"name": "kube-api-access-abcde", "mountPath": "/var/run/secrets"}]}],
             "volumes": [{"name": "kube-api-access-abcde", "projected": {"sources": []}}]},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
}


def test_clean_manifest_drops_status_and_server_fields():
    m = clean_manifest(LIVE_POD)
    assert "status" not in m
    assert m["metadata"] == {"name": "web", "labels": {"app": "web"}, "annotations": {"keep": "me"}}
    spec = m["spec"]
    assert "nodeName" not in spec and "serviceAccount" not in spec and "volumes" not in spec
    assert "volumeMounts" not in spec["containers"][0]
    assert spec["serviceAccountName"] == "default"
    assert LIVE_POD["status"]["phase"] == "Running"  # the input is not changed
    assert list(m)[:3] == ["apiVersion", "kind", "metadata"]


def test_clean_service_job_pvc():
    svc = clean_manifest({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
                          "spec": {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "ipFamilies": ["IPv4"],
                                   "ports": [{"port": 80}]}})
    assert svc["spec"] == {"ports": [{"port": 80}]}
    job = clean_manifest({"apiVersion": "batch/v1", "kind": "Job",
                          "metadata": {"name": "j", "labels": {"job-name": "j", "a": "b"}},
                          "spec": {"selector": {"matchLabels": {"controller-uid": "x"}},
                                   "template": {"metadata": {"labels": {"controller-uid": "x", "job-name": "j",
                                                                        "app": "j"}},
                                                "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    assert "selector" not in job["spec"]
    assert job["spec"]["template"]["metadata"]["labels"] == {"app": "j"}
    assert job["metadata"]["labels"] == {"a": "b"}
    pvc = clean_manifest({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "p"},
                          "spec": {"volumeName": "pvc-123", "resources": {}}})
    assert "volumeName" not in pvc["spec"]


def test_server_made_objects_are_not_recorded():
    assert not keep_object({"kind": "Pod", "metadata": {"name": "x", "ownerReferences": [{"controller": True}]}})
    assert not keep_object({"kind": "ServiceAccount", "metadata": {"name": "default"}})
    assert not keep_object({"kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"}})
    assert keep_object({"kind": "ConfigMap", "metadata": {"name": "app-config"}})


def test_container_spec_from_inspect():
    info = {"Name": "/kl-web", "Config": {"Image": "nginx:1.22.1", "Cmd": None, "Env": ["A=1"], "Labels": {}},
            "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8088"}]}, "Privileged": False},
            "State": {"Running": True}, "Mounts": [], "NetworkSettings": {"Networks": {"bridge": {}}}}
    spec = container_spec(info)
    assert spec["name"] == "kl-web" and spec["running"] is True
    assert spec["ports"] == [{"container_port": 80, "protocol": "tcp", "host_port": 8088}]
    assert spec["networks"] == []
    assert policy.container_problems(spec) == []


# ---- records ----------------------------------------------------------------------------------

def test_record_roundtrip_is_atomic(tmp_path):
    rec = {"kubelab_record": 1, "lab": "pods-basics", "objects": [clean_manifest(LIVE_POD)], "checks": {}}
    path = write_record(rec, tmp_path)
    assert path.name == RECORD_NAME
    assert load_record(path, "pods-basics")["objects"][0]["metadata"]["name"] == "web"
    assert [p.name for p in tmp_path.iterdir()] == [RECORD_NAME]  # no temp file left behind


def test_write_atomic_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "f"
    path.write_text("old")

    class Boom:
        def __str__(self):
            raise RuntimeError("boom")

    with pytest.raises(TypeError):
        write_atomic(path, Boom())  # fh.write refuses a non-str
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f"]


@pytest.mark.parametrize("text, reason", [
    (None, "no kubelab-record.yaml"),
    ("objects: [\n  - kind: Pod\n  bad", "not valid YAML at line"),
    ("- just\n- a list\n", "not a kubelab record"),
    ("kubelab_record: 1\nlab: other-lab\n", "records lab 'other-lab'"),
    ("kubelab_record: 1\nlab: pods-basics\nobjects: {a: 1}\n", "objects must be a list"),
])
def test_bad_records_say_why(tmp_path, text, reason):
    if text is not None:
        (tmp_path / RECORD_NAME).write_text(text)
    with pytest.raises(RecordError, match=reason.replace("(", r"\(")):
        load_record(tmp_path / RECORD_NAME, "pods-basics")


# ---- what a replay refuses ----------------------------------------------------------------------

def pod(name, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec}}


def test_screen_refuses_privileged_hostpath_cluster_scoped_and_foreign_namespace():
    priv = pod("priv")
    priv["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    root = pod("root", volumes=[{"name": "host", "hostPath": {"path": "/"}}])
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
              "spec": {"template": {"spec": {"hostNetwork": True, "containers": [{"name": "c", "image": "x"}]}}}}
    objs = [pod("ok"), priv, root, deploy,
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "evil"}},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "kube-system"}},
            {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "mine"}},
            "not a manifest", {"kind": "Pod"}]
    out = policy.screen_objects(objs, "lab-x")
    assert [o["metadata"]["name"] for o in out.allowed] == ["ok"]
    text = "\n".join(out.refused)
    assert "Pod priv: privileged container 'c'" in text
    assert "Pod root: hostPath volume host (/)" in text
    assert "Deployment d: hostNetwork: true" in text
    assert "Namespace evil: cluster-scoped" in text and "ClusterRoleBinding x: cluster-scoped" in text
    assert "ConfigMap c: in namespace kube-system" in text
    assert "object #9: not a manifest" in text and "object #10" in text
    assert "ResourceQuota" not in text  # silently dropped: a record cannot replace the replay's quota
    assert len(out.refused) == 8


def test_screen_refuses_a_flood():
    out = policy.screen_objects([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}}
                                 for i in range(100)], "lab-x", max_objects=40)
    assert len(out.allowed) == 40
    assert len(out.refused) == 60 and "flood limit" in out.refused[0]


def test_screen_containers():
    ok = {"name": "a", "image": "nginx", "mounts": [{"type": "volume", "source": "v", "target": "/d"}]}
    bad = {"name": "b", "image": "nginx", "privileged": True, "pid_mode": "host",
           "mounts": [{"type": "bind", "source": "/", "target": "/host"}]}
    allowed, refused = policy.screen_containers([ok, bad, {"name": "c"}])
    assert allowed == [ok]
    assert "--privileged" in refused[0] and "pid=host" in refused[0] and "bind mount of /" in refused[0]
    assert "needs a name and an image" in refused[1]


def test_sandbox_is_fenced():
    ns = replay_namespace("pods-basics", "Alice Smith!")
    assert ns.startswith("kg-") and len(ns) <= 63 and ns == ns.lower() and "alice-smith" in ns
    docs = {d["kind"]: d for d in sandbox_manifests(ns, "pods-basics")}
    assert docs["Namespace"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "baseline"
    assert docs["ResourceQuota"]["spec"]["hard"]["pods"] == QUOTA["pods"]
    assert docs["RoleBinding"]["subjects"][0] == {"kind": "ServiceAccount", "name": "kubelab-replay",
                                                  "namespace": ns}
    resources = {r for rule in ROLE_RULES for r in rule["resources"]}
    assert not resources & {"resourcequotas", "limitranges", "namespaces", "nodes", "*"}
    assert all(rule["apiGroups"] != ["*"] for rule in ROLE_RULES)


# ---- grade cells under autograde -----------------------------------------------------------------

def test_grade_cell_under_a_fatal_replay_raises_assertion_and_writes_no_stderr(tmp_path, monkeypatch, capsys):
    from kubelab.labs.nbgrader import grade

    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"fatal": "no kubelab-record.yaml in the submission", "refused": [], "notes": []}))
    monkeypatch.setenv("KUBELAB_REPLAY", str(spec))
    with pytest.raises(AssertionError) as err:
        grade("pods-basics", "pod-exists")
    assert "no kubelab-record.yaml" in str(err.value) and "hint:" in str(err.value)
    assert capsys.readouterr().err == ""


def test_grade_from_the_record_is_labelled(tmp_path, monkeypatch):
    from kubelab.labs.nbgrader import grade

    spec = tmp_path / "s.json"
    spec.write_text(json.dumps({"record_only": ["pod-exists"], "refused": [], "notes": [],
                                "record_checks": {"pod-exists": {"outcome": "failed", "observed": "nothing"}}}))
    monkeypatch.setenv("KUBELAB_REPLAY", str(spec))
    with pytest.raises(AssertionError, match="graded from the record"):
        grade("pods-basics", "pod-exists")


def test_replay_docker_reader_speaks_the_labs_names_and_ports():
    from kubelab.graders.docker_engine import Docker

    class FakeApi:
        def inspect_container(self, name):
            assert name == "kg-1-kl-web"
            return {"Name": "/kg-1-kl-web", "HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "41000"}]},
                                                          "NetworkMode": "kg-1-kl-net"},
                    "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "41000"}]},
                                        "Networks": {"kg-1-kl-net": {"IPAddress": "172.30.0.5"}}},
                    "Mounts": [{"Type": "volume", "Name": "kg-1-kl-data", "Destination": "/data"}]}

        def containers(self, all=True):
            return [{"Names": ["/kg-1-kl-web"]}, {"Names": ["/someone-else"]}]

    class Fake(Docker):
        client = type("C", (), {"api": FakeApi()})()

    d = Fake(prefix="kg-1-", ports={"8088": 41000})
    info = d.inspect("kl-web")
    assert info["Name"] == "/kl-web" and info["HostConfig"]["NetworkMode"] == "kl-net"
    assert info["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"] == "8088"
    assert info["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == "8088"
    assert list(info["NetworkSettings"]["Networks"]) == ["kl-net"] and info["Mounts"][0]["Name"] == "kl-data"
    assert d.container_names() == ["kl-web"]
    assert d.host_port(8088) == 41000 and d.host_port(9999) == 9 and Docker().host_port(8088) == 8088


# ---- course build -------------------------------------------------------------------------------

def test_course_build_writes_nbgrader_source(tmp_path):
    import nbformat

    from kubelab.instructor.build import build_course
    from kubelab.labs.registry import get_lab
    from kubelab.labs.render import grade_cell_source

    (path,) = build_course(tmp_path, ["pods-basics"])
    assert (tmp_path / "nbgrader_config.py").is_file()
    assert path == tmp_path / "source" / "pods-basics" / "pods-basics.ipynb"
    nb = nbformat.read(path, as_version=4)
    lab = get_lab("pods-basics")
    grades = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
              if (c.metadata.get("nbgrader") or {}).get("grade")}
    assert list(grades) == [c.id for c in lab.checks]
    for check in lab.checks:
        cell = grades[check.id]
        assert cell.metadata["nbgrader"]["points"] == float(check.points)
        assert cell.metadata["nbgrader"]["locked"] is True
        assert cell.source == grade_cell_source(lab, check)  # the lab's own grade cell: one entry point
    sols = [c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("solution")]
    assert len(sols) == 1 and "### BEGIN SOLUTION" in sols[0].source and "kubectl apply" in sols[0].source
    assert any("submit('pods-basics')" in c.source for c in nb.cells)
    panel = [c for c in nb.cells if "lab_panel(" in c.source]
    assert len(panel) == 1 and panel[0].metadata["nbgrader"]["locked"] is True  # read-only, not run by autograde


def test_cli_mounts_as_the_lead_will_mount_it():
    import typer
    from typer.testing import CliRunner

    from kubelab.instructor.cli import autograde, instructor_app

    app = typer.Typer()
    app.add_typer(instructor_app, name="instructor")
    app.command("autograde")(autograde)
    runner = CliRunner()
    assert "build" in runner.invoke(app, ["instructor", "--help"]).output
    out = runner.invoke(app, ["autograde", "--help"]).output
    assert "--jobs" in out and "--course" in out
    res = runner.invoke(app, ["autograde", "pods-basics", "--course", "/nonexistent"])
    assert res.exit_code == 1 and "no submissions" in res.output


def test_capture_namespace_keeps_what_the_student_made():
    from kubelab.instructor.record import capture_namespace

    owned = {"metadata": {"name": "web-abc", "ownerReferences": [{"controller": True}]}, "spec": {}}

    class FakeKube:
        def list(self, kind, namespace):
            assert namespace == "lab-x"
            return {"Pod": [copy.deepcopy({k: v for k, v in LIVE_POD.items() if k not in ("apiVersion", "kind")}),
                            owned],
                    "ServiceAccount": [{"metadata": {"name": "default"}}],
                    "Deployment": [{"metadata": {"name": "d", "generation": 3}, "spec": {"replicas": 2}}]}.get(kind, [])

    objs = capture_namespace(FakeKube(), "lab-x")
    assert [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in objs] == [
        ("apps/v1", "Deployment", "d"), ("v1", "Pod", "web")]
    assert "status" not in objs[1] and objs[0]["metadata"] == {"name": "d"}


def test_gradebook_snapshot_restores_a_failed_transaction(tmp_path):
    import sqlite3

    from kubelab.instructor.autograde import restore, snapshot

    db = tmp_path / "gradebook.db"
    con = sqlite3.connect(db)
    con.execute("create table grade (student text, score real)")
    con.execute("insert into grade values ('alice', 8)")
    con.commit()
    con.close()
    snap = tmp_path / "snap"
    assert snapshot(db, snap)
    con = sqlite3.connect(db)
    con.execute("insert into grade values ('bob', 3)")  # half of a submission's grades ...
    con.commit()
    con.close()
    restore(db, snap, True)  # ... then nbgrader failed
    assert sqlite3.connect(db).execute("select * from grade").fetchall() == [("alice", 8.0)]
    fresh = tmp_path / "none.db"
    assert not snapshot(fresh, tmp_path / "snap2")
    fresh.write_text("partial")
    restore(fresh, tmp_path / "snap2", False)
    assert not fresh.exists()


def test_submit_cell_does_nothing_under_autograde(tmp_path, monkeypatch):
    from kubelab.instructor.record import submit

    monkeypatch.setenv("KUBELAB_REPLAY", str(tmp_path))
    assert "autograding" in submit("pods-basics", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_job_converges_when_complete_not_between_its_waves():
    """Replays of a Job of 4 completions were graded between its waves (some succeeded, none running)."""
    from kubelab.instructor.replay import converged

    from tests.graders.fakes import FakeKube

    def kube(**status):
        job = {"kind": "Job", "metadata": {"name": "batch", "namespace": "kg-x"},
               "spec": {"completions": 4, "parallelism": 2}, "status": status}
        pods = [{"kind": "Pod", "metadata": {"name": n, "namespace": "kg-x"}, "status": {"phase": "Succeeded"}}
                for n in ("batch-a", "batch-b")]
        return FakeKube([job, *pods])

    ok, why = converged(kube(succeeded=2), "kg-x")
    assert not ok and "Job batch 2/4 succeeded" in why
    assert converged(kube(succeeded=4, conditions=[{"type": "Complete", "status": "True"}]), "kg-x") == (True, "")
    assert converged(kube(failed=3, conditions=[{"type": "Failed", "status": "True"}]), "kg-x")[0]
    suspended = kube()
    suspended.objects[0]["spec"]["suspend"] = True
    assert converged(suspended, "kg-x")[0]


def test_patience_waits_on_while_the_state_moves_and_not_when_it_stopped():
    """statefulset-web's replay was graded at 2/3 ready under load: the third pod was on its way."""
    from kubelab.instructor.converge import Patience

    now = [0.0]
    clock = lambda: now[0]  # noqa: E731

    def run(states):  # states: what is waiting at each second; the second the wait ends
        now[0] = 0.0
        p = Patience(60, grace=20, cap=3, clock=clock)
        for t, waiting in enumerate(states):
            now[0] = float(t)
            if p.over(waiting):
                return t
        return None

    assert run(["Pod nm Running"] * 200) == 60                      # stuck: ends at the timeout
    moving = ["StatefulSet web 1/3 ready"] * 50 + ["StatefulSet web 2/3 ready"] * 200
    assert run(moving) == 70                                          # moved at 50 s: 20 s more
    late = ["1/3"] * 55 + ["2/3"] * 15 + ["3/3 x"] * 200
    assert run(late) == 90                                            # each change buys 20 s more
    always = [str(t) for t in range(400)]
    assert run(always) == 180                                         # never past 3 x the timeout


def test_wait_converged_asks_the_checks_again_only_after_a_pause_as_long_as_they_took(monkeypatch):
    """The workloads are read every interval; the lab's checks (probe pods, requests: seconds each)
    are asked at the first look and then at most every 2x their own time, not every interval."""
    import time

    from kubelab.graders import k8s
    from kubelab.instructor import converge

    class Reader:
        def clear(self):
            pass

    monkeypatch.setattr(k8s, "Kube", Reader)
    looks = []
    monkeypatch.setattr(converge, "converged", lambda kube, ns: (looks.append(1), (False, "Pod web Pending"))[1])
    asked = []

    def done():
        asked.append(time.monotonic())
        time.sleep(0.15)
        return False

    ok, why = converge.wait_converged("kg-x", timeout=1.2, interval=0.05, done=done)
    assert not ok and why == "Pod web Pending"
    gaps = [b - a for a, b in zip(asked, asked[1:])]
    assert asked and all(g >= 0.44 for g in gaps), gaps  # 0.15 s run + 2 x 0.15 s pause
    assert len(looks) > len(asked)
