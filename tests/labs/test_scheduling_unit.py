"""How the live tests are spread over the xdist workers: `--dist loadgroup` really keeps a group on one
worker, in order (the suite depends on it), and the figures that order the groups.

The lab tests and the lab's replay test share an xdist group so that the replay reuses the Submit
records the lab tests made in the same process (tests/labs/recorded.py), and a lab's tests do not
wait on another worker for the lab's lock. pytest-xdist marks a group by appending `@group` to the
node id; pytest 9.2 computes the node id elsewhere, so there the groups silently vanish (every test
becomes its own unit, scattered over the workers). This runs a tiny suite under real xdist workers.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_a_group_runs_on_one_worker_in_collection_order(tmp_path):
    (tmp_path / "test_groups.py").write_text(textwrap.dedent("""\
        import os, pytest

        @pytest.mark.parametrize("i", range(6))
        @pytest.mark.xdist_group("one")
        def test_one(i, request):
            with open(os.environ["SEEN"], "a") as fh:
                fh.write(f"{os.environ['PYTEST_XDIST_WORKER']} {i} {request.node.nodeid}\\n")

        @pytest.mark.parametrize("i", range(6))
        def test_free(i):
            pass
        """))
    seen = tmp_path / "seen.txt"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
                           "--dist", "loadgroup", "--no-loadscope-reorder", str(tmp_path / "test_groups.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "SEEN": str(seen)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line.split(" ", 2) for line in seen.read_text().splitlines()]
    assert len({w for w, _, _ in rows}) == 1, f"group 'one' ran on several workers: {rows}"
    assert [int(i) for _, i, _ in rows] == list(range(6)), f"group 'one' out of order: {rows}"
    assert all(nodeid.endswith("@one") for _, _, nodeid in rows), \
        f"xdist did not mark the group in the node id (pytest too new for this pytest-xdist?): {rows}"


def _load(name, path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_node_key_drops_only_the_group_suffix():
    from pathlib import Path

    conf = _load("kubelab_tests_conftest_sched", Path(__file__).resolve().parents[1] / "conftest.py")
    assert conf.node_key("tests/a.py::test_x[pods-basics]@pods-basics") == "tests/a.py::test_x[pods-basics]"
    assert conf.node_key("tests/a.py::test_x[user@host]") == "tests/a.py::test_x[user@host]"  # a parameter's @
    assert conf.node_key("tests/a.py::test_x") == "tests/a.py::test_x"


def test_schedule_estimate_gives_each_unit_to_the_first_free_worker():
    from pathlib import Path

    bench = _load("kubelab_bench_schedule", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_schedule.py")
    assert bench.wall_time([10, 5, 5], 2) == 10
    assert bench.wall_time([10, 5, 5, 5], 2) == 15
    assert bench.wall_time([], 4) == 0


def test_schedule_merge_lets_the_newer_run_win(tmp_path):
    import json
    from pathlib import Path

    bench = _load("kubelab_bench_schedule2", Path(__file__).resolve().parents[2] / "benchmarks" / "bench_schedule.py")
    have, run = tmp_path / "d.json", tmp_path / "run.json"
    have.write_text(json.dumps({"a": 1.0, "b": 2.0}))
    run.write_text(json.dumps({"b": 3.0, "c": 4.0}))
    assert bench.merge(have, [run]) == {"a": 1.0, "b": 3.0, "c": 4.0}
    assert bench.merge(tmp_path / "none.json", [run]) == {"b": 3.0, "c": 4.0}
