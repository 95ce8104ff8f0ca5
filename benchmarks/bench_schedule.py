"""Benchmark: how the live tests' groups fill the xdist workers, from measured test durations.

    .venv/bin/python benchmarks/bench_schedule.py                      # tests/durations.json, 2-6 workers
    .venv/bin/python benchmarks/bench_schedule.py --from .durations-run.json --write
                                                   # merge a run's figures into tests/durations.json

scripts/test.sh writes each live test's measured seconds (call + teardown: not the setup, where a
test waits for another worker's lock) to KUBELAB_DURATIONS_OUT (.durations-run.json); `--write`
merges them into tests/durations.json, which tests/conftest.py reads to start the longest groups
first. The harness's own collection gives the groups and their order (what `-n N --dist loadgroup
--no-loadscope-reorder` runs); a test without a measured figure counts with conftest's guess for
its kind, and says so. Printed: the heaviest groups, and the test phase's wall time estimated for
2-6 workers (each unit to the first free worker, in order; lock waits between groups, such as the
notebooks' and the `nodes` group's, are not modelled: the estimate is a lower bound).
"""

from __future__ import annotations

import argparse
import heapq
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DURATIONS = ROOT / "tests" / "durations.json"


class _Collect:
    def __init__(self):
        self.units: list[tuple[str, float, int, int]] = []  # (group, seconds, tests, measured)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        conf = config.pluginmanager.get_plugin(str(ROOT / "tests" / "conftest.py"))
        known = conf.measured_durations()
        order: dict[str, list] = {}
        for i, item in enumerate(items):
            if item.get_closest_marker("live") is None:
                continue
            mark = item.get_closest_marker("xdist_group")
            key = mark.args[0] if mark else f"{item.nodeid}"
            entry = order.setdefault(key, [0.0, 0, 0])
            entry[0] += conf._weight(item)
            entry[1] += 1
            entry[2] += conf.node_key(item.nodeid) in known
        self.units = [(k, s, n, m) for k, (s, n, m) in order.items()]


def units(durations: Path) -> list[tuple[str, float, int, int]]:
    """The live units (xdist groups, or single tests) in the order the workers get them."""
    import os

    os.environ["KUBELAB_DURATIONS_FILE"] = str(durations)
    plugin = _Collect()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-m", "not cluster_exclusive",
                     str(ROOT / "tests")], plugins=[plugin])
    return plugin.units


def wall_time(seconds: list[float], workers: int) -> float:
    """Each unit, in order, to the worker that is free first."""
    free = [0.0] * workers
    for s in seconds:
        heapq.heappush(free, heapq.heappop(free) + s)
    return max(free)


def merge(into: Path, runs: list[Path]) -> dict[str, float]:
    have = json.loads(into.read_text()) if into.exists() else {}
    for run in runs:
        have.update(json.loads(run.read_text()))
    return dict(sorted(have.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="runs", type=Path, action="append", default=[],
                    help="a run's measured durations (KUBELAB_DURATIONS_OUT); repeatable")
    ap.add_argument("--write", action="store_true", help=f"merge them into {DURATIONS.relative_to(ROOT)}")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    for run in args.runs:
        if not run.exists():
            ap.error(f"no such file: {run}")
    if args.write:
        DURATIONS.write_text(json.dumps(merge(DURATIONS, args.runs), indent=1) + "\n")
        print(f"wrote {DURATIONS.relative_to(ROOT)}")
    source = DURATIONS
    if args.runs and not args.write:  # the figures as they would be, tests/durations.json left as it is
        import tempfile

        source = Path(tempfile.mkdtemp(prefix="kubelab-durations-")) / "durations.json"
        source.write_text(json.dumps(merge(DURATIONS, args.runs)))
    found = units(source)
    total = sum(s for _, s, _, _ in found)
    tests = sum(n for _, _, n, _ in found)
    measured = sum(m for _, _, _, m in found)
    print(f"{len(found)} live units, {tests} live tests ({measured} measured, {tests - measured} guessed), "
          f"{total:.0f} s of test time in all")
    print(f"\nheaviest {args.top} units (the harness starts the longest first, tests of several labs after the rest):")
    for name, s, n, m in sorted(found, key=lambda u: -u[1])[:args.top]:
        print(f"  {s:8.1f} s  {n:3d} test(s){'' if m == n else f' ({n - m} guessed)'}  {name}")
    print("\nestimated test phase (live tests only; lock waits between units not modelled):")
    for w in (2, 3, 4, 5, 6):
        print(f"  -n {w}: {wall_time([s for _, s, _, _ in found], w):7.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
