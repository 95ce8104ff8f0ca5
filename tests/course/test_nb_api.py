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


def test_apply_prints_a_heredoc_a_learner_can_paste(capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(nb.subprocess, "run", lambda argv, **kw: ran.append(argv[-1]) or
                        nb.subprocess.CompletedProcess(argv, 0, "pod/duo created\n", ""))
    out = nb.apply("""
        apiVersion: v1
        kind: Pod
        metadata:
          name: duo
          labels: {app: duo}
        spec:
          containers:
          - name: web
            image: nginx:1.22.1
        """, namespace="demo-03")
    want = ("kubectl apply -n demo-03 -f - <<'EOF'\napiVersion: v1\nkind: Pod\nmetadata:\n  name: duo\n"
            "  labels: {app: duo}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.22.1\nEOF")
    assert ran == [want] and out == "pod/duo created"
    assert capsys.readouterr().out == f"$ {want}\npod/duo created\n"
    nb.apply("kind: PersistentVolumeClaim\n", namespace="x", verb="create", args="--dry-run=server -o yaml",
             pipe="grep storageClassName", quiet=True)
    assert ran[-1].splitlines()[0] == ("kubectl create -n x --dry-run=server -o yaml -f - <<'EOF' "
                                       "| grep storageClassName")


def test_apply_refuses_what_a_learner_could_not_run():
    with pytest.raises(ValueError, match=r"image 'nginx:latest' is not a lab image .*docker.io/library/nginx:1.22.1"):
        nb.apply("spec:\n  template:\n    spec:\n      containers:\n      - {name: a, image: nginx:latest}\n")
    with pytest.raises(Exception, match="line 2"):
        nb.apply("a: [1\nb: 2\n")
    with pytest.raises(ValueError, match="here-document"):
        nb.heredoc("cat", "a\nEOF\nb\n")
    assert nb.manifest_images("spec:\n  containers: [{image: docker.io/kubelab/web:v1}, {image: kubelab/web:v2}]\n"
                              "  initContainers: [{image: busybox:1.35.0}]\n") == \
        ["docker.io/kubelab/web:v1", "kubelab/web:v2", "busybox:1.35.0"]


def _worked_examples():
    """(notebook, line, shell text) of every sh(...)/apply(...) call in the course sources."""
    import ast

    from kubelab.course.notebooks import sources

    for src in sources():
        text = src.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("sh", "apply"):
                yield src, node, ast.get_source_segment(text, node.args[0]) if node.args else ""


def test_worked_examples_read_as_plain_shell_and_yaml():
    """What a learner reads in a worked example is what they would type: a plain string, no
    f-string, no concatenation, no Python escapes (raw strings when a backslash is shell's)."""
    import ast

    bad = []
    for src, node, segment in _worked_examples():
        arg = node.args[0] if node.args else None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            bad.append(f"{src.name}:{node.lineno}: not a plain string: {segment[:80]}")
        elif "\\" in segment and not segment.lstrip().lower().startswith("r"):
            bad.append(f"{src.name}:{node.lineno}: Python escapes (use a raw string r\"\"\"...\"\"\"): {segment[:80]}")
    assert not bad, "\n".join(bad)


def test_worked_examples_are_valid_bash_and_yaml():
    import ast
    import subprocess

    for src, node, _ in _worked_examples():
        kw = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg in ("namespace", "verb", "args", "pipe")}
        text = node.args[0].value
        if node.func.id == "apply":
            nb.manifest_images(nb.textwrap.dedent(text))     # parses, lab images only
            cmd = " ".join(p for p in ("kubectl", kw.get("verb", "apply"),
                                       f"-n {kw['namespace']}" if kw.get("namespace") else "",
                                       kw.get("args", ""), "-f -") if p)
            text = nb.heredoc(cmd, text, pipe=kw.get("pipe", ""))
        proc = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}:{node.lineno}: {proc.stderr}\n{text}"
