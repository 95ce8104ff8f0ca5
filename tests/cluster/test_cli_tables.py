"""`kubelab cluster status` in an 80-column terminal: node names whole, taints folded."""

from typer.testing import CliRunner

from kubelab.cluster import lifecycle
from kubelab.cluster.cli import cluster_app

TAINT = "node-role.kubernetes.io/control-plane:NoSchedule"


def test_status_table_fits_80_columns(monkeypatch):
    nodes = [{"name": n, "ready": True, "version": "v1.34.4", "unschedulable": n.endswith("2"),
              "taints": [TAINT, "gpu=yes:NoSchedule"] if "control" in n else []}
             for n in ("kubelab-control-plane", "kubelab-worker", "kubelab-worker2")]
    monkeypatch.setattr(lifecycle, "status", lambda: {"cluster": "kubelab", "context": "kind-kubelab",
                                                     "state": "ready", "nodes": nodes})
    monkeypatch.setenv("COLUMNS", "80")
    res = CliRunner().invoke(cluster_app, ["status"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 80, res.output
    firsts = [line.split()[0] for line in lines if line.strip()]
    assert {"kubelab-control-plane", "kubelab-worker", "kubelab-worker2"} <= set(firsts), res.output
    assert "…" not in res.output
    folded = "".join(line.split()[-1] for line in lines if line.strip() and (line.startswith(" " * 20) or "node-role" in line))
    assert TAINT in folded.replace(",", ""), res.output                 # folded over lines, not cut
