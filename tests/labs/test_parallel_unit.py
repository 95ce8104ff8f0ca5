"""The machinery that lets live tests run side by side: lab locks (real flock(1) on the other side),
the namespace emptying that replaces waiting for a namespace to go, and the CI figures."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def locks(tmp_path, monkeypatch):
    conf = _load("kubelab_tests_conftest", ROOT / "tests" / "conftest.py")
    monkeypatch.setattr(conf, "LOCK_DIR", tmp_path)
    return conf


def _free(path: Path, shared: bool = False) -> bool:
    """Can flock(1) take the lock right now?"""
    return subprocess.run(["flock", *(["-s"] if shared else []), "-n", str(path), "true"]).returncode == 0


def test_lock_names_nodes_first_and_shared_only_for_labs_that_read_nodes(locks):
    assert locks.lock_names(["pods-basics"]) == [("pods-basics", False)]
    assert locks.lock_names(["sched-taint", "pods-basics"]) == [
        ("nodes", False), ("pods-basics", False), ("sched-taint", False)]
    assert locks.lock_names(["sched-anti-affinity"]) == [("nodes", True), ("sched-anti-affinity", False)]
    assert locks.lock_names(["daemonset-all-nodes", "sched-drain"])[0] == ("nodes", False)


def test_flocks_hold_what_flock1_sees_and_release_it(locks, tmp_path):
    with locks.lab_locks("sched-anti-affinity"):
        assert not _free(tmp_path / "sched-anti-affinity.lock")
        assert not _free(tmp_path / "nodes.lock") and _free(tmp_path / "nodes.lock", shared=True)
    assert _free(tmp_path / "sched-anti-affinity.lock") and _free(tmp_path / "nodes.lock")


def test_flocks_hold_nothing_while_waiting(locks, tmp_path):
    """b is busy (a developer's flock(1)): a, wanted too, stays free for others meanwhile."""
    holder = subprocess.Popen(["flock", str(tmp_path / "b.lock"), "sleep", "1.5"])
    try:
        time.sleep(0.3)
        seen = {}

        def probe():
            time.sleep(0.5)
            seen["a free while waiting"] = _free(tmp_path / "a.lock")

        t = threading.Thread(target=probe)
        t.start()
        t0 = time.monotonic()
        with locks.flocks(["a", "b", "c"]):
            waited = time.monotonic() - t0
            assert not _free(tmp_path / "a.lock") and not _free(tmp_path / "c.lock")
        t.join()
    finally:
        holder.wait()
    assert seen == {"a free while waiting": True}
    assert waited > 0.8


def test_bench_ci_reads_phases_and_durations():
    bench = _load("bench_ci", ROOT / "benchmarks" / "bench_ci.py")
    figures = bench.parse("\n".join([
        "=== bootstrap", "=== bootstrap: 75s", "=== bootstrap: cores 41% busy", "=== tests: 900s",
        "=== tests, offline and Docker-only (beside the cluster-wide phase): 200s",
        "============================= slowest 20 durations =============================",
        "12.50s call     tests/labs/test_labs_live.py::test_lab_lifecycle[pods-basics]",
        "130.00s setup    tests/course/test_notebooks_live.py::test_notebook_untouched_then_solved[03-pods]",
        "511 passed, 2 skipped in 880.10s (0:14:40)"]))
    assert figures["phases"] == [("bootstrap", 75), ("tests", 900),
                                 ("tests, offline and Docker-only (beside the cluster-wide phase)", 200)]
    assert figures["tests"][0] == (130.0, "setup", "tests/course/test_notebooks_live.py::"
                                                   "test_notebook_untouched_then_solved[03-pods]")
    assert figures["summaries"] == ["511 passed, 2 skipped in 880.10s (0:14:40)"]
    assert figures["busy"] == {"bootstrap": 41}
    text = bench.report(figures)
    assert "total" in text and "975 s" in text and "16 min 15 s" in text
    assert "(1 min 15 s)  cores  41 % busy" in text and "(15 min 00 s)\n" in text


def test_bench_ci_without_a_log_is_a_clear_error(tmp_path, capsys):
    bench = _load("bench_ci", ROOT / "benchmarks" / "bench_ci.py")
    with pytest.raises(SystemExit):
        bench.main([str(tmp_path / "missing.log")])
    assert "cannot read" in capsys.readouterr().err
