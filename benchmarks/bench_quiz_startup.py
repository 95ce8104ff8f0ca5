"""Time from launching `kubelab quiz` (in a pseudo-terminal) to the first question on screen.

    .venv/bin/python benchmarks/bench_quiz_startup.py [--runs 10]

Prints each run and p50/p95 in milliseconds; the target is p50 <= 300 ms.
Figures are printed, not asserted. Uses a throw-away data directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pexpect

KUBELAB = str(Path(sys.executable).with_name("kubelab"))


def one_run(env: dict) -> float:
    start = time.perf_counter()
    child = pexpect.spawn(KUBELAB, ["quiz", "--count", "1", "--seed", "1"], env=env,
                          encoding="utf-8", timeout=20, dimensions=(40, 100))
    child.expect("Question 1/1")
    elapsed = time.perf_counter() - start
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    return elapsed * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, KUBELAB_DATA_DIR=tmp, TERM="xterm")
        one_run(env)  # warm-up: creates the database, fills the OS page cache
        times = []
        for i in range(args.runs):
            t = one_run(env)
            times.append(t)
            print(f"run {i + 1:>2}: {t:6.1f} ms")
    print(f"kubelab quiz -> first question: p50 {statistics.median(times):.0f} ms, "
          f"p95 {percentile(times, 0.95):.0f} ms over {len(times)} runs (target p50 <= 300 ms)")


if __name__ == "__main__":
    main()
