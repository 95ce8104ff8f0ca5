"""The whole instructor pipeline on the live cluster and Docker engine.

kubelab instructor build --release -> submissions (correct, partial, untouched, malformed, forged,
hostile, missing) for one Kubernetes and one Docker lab -> autograde -> the gradebook holds exactly
the expected scores -> nbgrader generate_feedback shows each check's message and hint.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
import time
from pathlib import Path

import pytest

from kubelab.instructor.record import FORMAT, write_record

pytestmark = pytest.mark.live

K8S, DOCKER = "pods-basics", "docker-web-port"


def _submit(course: Path, lab_id: str, student: str, *, objects=None, containers=None, raw=None,
            notebook: str | None = None, record=True) -> Path:
    folder = course / "submitted" / student / lab_id
    folder.mkdir(parents=True, exist_ok=True)
    nb = folder / f"{lab_id}.ipynb"
    shutil.copy(course / "release" / lab_id / f"{lab_id}.ipynb", nb)
    if notebook is not None:
        nb.write_text(notebook)
    if raw is not None:
        (folder / "kubelab-record.yaml").write_text(raw)
    elif record:
        write_record({"kubelab_record": FORMAT, "lab": lab_id, "kind": "x", "objects": objects or [],
                      "containers": containers or [], "commands": [], "checks": {}}, folder)
    return folder


def _raising_notebook(path: Path) -> str:
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell("raise RuntimeError('student cell raises')"))
    return nbformat.writes(nb)


def _docs(steps):
    from kubelab.labs.model import Apply

    return [copy.deepcopy(d) for s in steps if isinstance(s, Apply) for d in s.docs()]


def _feedback_text(course: Path, lab_id: str, student: str) -> str:
    raw = (course / "feedback" / student / lab_id / f"{lab_id}.html").read_text()
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def _scores(course: Path, lab_id: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(lab_id)}


@pytest.mark.replays_exclusive  # asserts that no replay is left anywhere: none may run meanwhile
def test_class_pipeline(tmp_path, live_cluster, docker_engine):
    from typer.testing import CliRunner

    from kubelab.cluster.api import lab_image
    from kubelab.graders.k8s import Kube
    from kubelab.instructor.autograde import autograde_class, nbgrader
    from kubelab.instructor.cli import instructor_app
    from kubelab.instructor.replay import GRADE_LABEL, leftover_namespaces
    from kubelab.labs.registry import get_lab

    t0 = time.monotonic()
    course = tmp_path / "course"
    res = CliRunner().invoke(instructor_app, ["build", "--course", str(course), "--release", K8S, DOCKER])
    assert res.exit_code == 0, res.output
    for lab_id in (K8S, DOCKER):
        assert (course / "release" / lab_id / f"{lab_id}.ipynb").is_file()

    # ---- Kubernetes lab submissions
    lab = get_lab(K8S)
    good = _docs(lab.solution_steps())
    partial = _docs(lab.near_miss_steps(next(n for n in lab.near_misses if n.id == "wrong-port")))
    forged = copy.deepcopy(good)
    forged[0]["spec"]["containers"][0]["readinessProbe"] = {"exec": {"command": ["false"]}, "periodSeconds": 2}
    forged[0]["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                           "containerStatuses": [{"name": "web", "ready": True, "restartCount": 0}]}
    priv = copy.deepcopy(good[0])
    priv["metadata"]["name"] = "priv"
    priv["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    root = copy.deepcopy(good[0])
    root["metadata"]["name"] = "root"
    root["spec"]["volumes"] = [{"name": "host", "hostPath": {"path": "/"}}]
    unconfined = copy.deepcopy(good[0])  # not in the screen: the API server's Pod Security refuses it
    unconfined["metadata"]["name"] = "unconfined"
    unconfined["spec"]["securityContext"] = {"seccompProfile": {"type": "Unconfined"}}
    sneaky = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "sneaky"},
              "rules": [{"apiGroups": [""], "resources": ["resourcequotas"], "verbs": ["delete"]}]}
    evil_ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kubelab-evil"}}
    flood = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"flood-{i:02d}"}, "data": {"i": str(i)}}
             for i in range(12)]
    hostile = good + [priv, root, unconfined, sneaky, evil_ns] + flood

    release_nb = course / "release" / K8S / f"{K8S}.ipynb"
    _submit(course, K8S, "alice", objects=good, notebook=_raising_notebook(release_nb))
    _submit(course, K8S, "bob", objects=partial)
    _submit(course, K8S, "carol", objects=[])
    _submit(course, K8S, "dave", raw="kubelab_record: 1\nobjects: [\n  - kind: Pod\n  bad")
    _submit(course, K8S, "eve", objects=forged)
    _submit(course, K8S, "mallory", objects=hostile)
    _submit(course, K8S, "frank", record=False, notebook="{ this is not a notebook")

    results = {r.student: r for r in autograde_class(course, K8S, jobs=3, converge=30)}
    t_k8s = time.monotonic() - t0
    expected = {"alice": 8, "bob": 7, "carol": 0, "dave": 0, "eve": 4, "mallory": 8, "frank": 0}
    assert {s: r.score for s, r in results.items()} == expected, {s: r.to_dict() for s, r in results.items()}
    assert _scores(course, K8S) == expected
    assert all(r.status == "graded" for r in results.values()), {s: r.reason for s, r in results.items()}
    assert "not valid YAML" in results["dave"].reason
    assert "no kubelab-record.yaml" in results["frank"].reason and "could not be read" in results["frank"].reason
    refused = "\n".join(results["mallory"].refused)
    for name in ("Pod priv: privileged", "Pod root: hostPath volume host (/)", "Namespace kubelab-evil: cluster-scoped",
                 "Pod unconfined:", "Role sneaky:", "ConfigMap flood-11:"):
        assert name in refused, refused
    assert "exceeded quota" in refused and "PodSecurity" in refused
    kube = Kube()
    assert kube.get("Namespace", "kubelab-evil") is None

    # ---- Docker lab submissions
    c = {"name": "kl-web", "image": lab_image("nginx"), "running": True,
         "ports": [{"container_port": 80, "protocol": "tcp", "host_port": 8088}]}
    _submit(course, DOCKER, "alice", containers=[c])
    _submit(course, DOCKER, "bob", containers=[{**c, "ports": [{**c["ports"][0], "host_port": 8089}]}])
    _submit(course, DOCKER, "carol", containers=[])
    _submit(course, DOCKER, "dave", raw="{{{ not yaml")
    _submit(course, DOCKER, "mallory", containers=[{**c, "privileged": True},
                                                   {**c, "name": "x", "mounts": [{"type": "bind", "source": "/",
                                                                                  "target": "/host"}]}])
    dres = {r.student: r for r in autograde_class(course, DOCKER, jobs=3)}
    dexpected = {"alice": 7, "bob": 3, "carol": 0, "dave": 0, "mallory": 0}
    assert {s: r.score for s, r in dres.items()} == dexpected, {s: r.to_dict() for s, r in dres.items()}
    assert _scores(course, DOCKER) == dexpected
    assert "--privileged" in "\n".join(dres["mallory"].refused)
    assert not docker_engine.containers.list(all=True, filters={"label": "kubelab.grade"})

    # ---- feedback: each check's message and hint
    for lab_id in (K8S, DOCKER):
        proc = nbgrader(course, "generate_feedback", lab_id, "--force")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    bob = _feedback_text(course, K8S, "bob")
    assert "container-port: Container web declares port 80 named http" in bob
    assert "hint: under the container: ports:" in bob
    assert "applied: Pod web" in bob
    assert "refused: Pod priv" in _feedback_text(course, K8S, "mallory")
    assert "not valid YAML" in _feedback_text(course, K8S, "dave")
    assert "hint: `-p 8088:80`" in _feedback_text(course, DOCKER, "bob")

    # nothing of ours left behind but namespaces still terminating (other engineers' replays of other
    # labs may run on the shared cluster at the same time: only this lab's, which we hold the lock of)
    time.sleep(1)
    for ns in leftover_namespaces():
        obj = kube.get("Namespace", ns)
        if obj is not None and ((obj.get("metadata") or {}).get("labels") or {}).get(GRADE_LABEL) != K8S:
            continue
        assert obj is None or (obj.get("status") or {}).get("phase") == "Terminating", ns
    print(f"\npipeline: k8s part {t_k8s:.0f} s, total {time.monotonic() - t0:.0f} s")
    (tmp_path / "results.json").write_text(json.dumps({s: r.to_dict() for s, r in results.items()}))


def test_record_from_live_state_replays_to_full_marks(tmp_path, live_cluster):
    """Student side -> record -> instructor side: capture a namespace, replay the record, grade it."""
    from kubelab.graders.k8s import Kube
    from kubelab.instructor import replay as rp
    from kubelab.instructor.grade import grade_replay
    from kubelab.instructor.record import capture_namespace, load_record, write_record
    from kubelab.labs.registry import get_lab

    lab = get_lab(K8S)
    student_ns = rp.replay_namespace(K8S, "capture-student", str(time.time()))
    objects = _docs(lab.solution_steps())
    for o in objects:
        o["metadata"]["namespace"] = student_ns
    rp._kubectl(["apply", "-f", "-"], rp._yaml(rp.sandbox_manifests(student_ns, K8S)[:1]))
    r = None
    try:
        proc = rp._kubectl(["apply", "-f", "-"], rp._yaml(objects))
        assert proc.returncode == 0, proc.stderr
        ok, why = rp.wait_converged(student_ns, 90)
        assert ok, why
        captured = capture_namespace(Kube(), student_ns)
        kinds = sorted(f"{o['kind']}/{o['metadata']['name']}" for o in captured)
        # no default ServiceAccount, no kube-root-ca.crt; the namespace itself only for its Pod Security
        # labels (this one has the sandbox's baseline labels), with no other label
        assert kinds == [f"Namespace/{student_ns}", "Pod/web"], kinds
        ns_doc = next(o for o in captured if o["kind"] == "Namespace")
        assert set(ns_doc["metadata"]["labels"]) <= {k for k in ns_doc["metadata"]["labels"]
                                                      if k.startswith("pod-security.kubernetes.io/")}
        pod = next(o for o in captured if o["kind"] == "Pod")
        assert "status" not in pod and "uid" not in pod["metadata"] and "nodeName" not in pod["spec"]
        # the namespace captured here is not the lab's own (a replay refuses another namespace's labels)
        rec = {"kubelab_record": 1, "lab": K8S, "kind": "kubernetes", "objects": [pod], "checks": {}}
        rec = load_record(write_record(rec, tmp_path), K8S)
        r = rp.replay(lab, rec, "capture-student", run=str(time.time()), converge=90)
        assert r.refused == [] and r.applied == ["Pod web"]
        spec = json.loads(json.dumps(r.spec()))
        verdicts = {c.id: grade_replay(lab, c.id, spec).outcome.value for c in lab.checks}
        assert set(verdicts.values()) == {"passed"}, verdicts
    finally:
        rp.cleanup_kubernetes(student_ns)
        if r is not None:
            rp.cleanup(r)
