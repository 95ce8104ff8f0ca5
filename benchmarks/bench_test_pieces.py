"""Benchmark: what one live lab test costs, piece by piece, on the live cluster (under the lab's lock).

    .venv/bin/python benchmarks/bench_test_pieces.py pods-basics            # 3 rounds
    .venv/bin/python benchmarks/bench_test_pieces.py probes-repair --rounds 5

A near-miss test as tests/labs/test_labs_live.py runs it: `fresh` (the lab's objects deleted, the
namespace kept, seeded), the near-miss applied and waited for until its checks show, and, as the
test did before, a reset after it (`clean`). Rounds alternate "with the reset after" and "without",
so that a busy machine slows both alike; printed: each piece's median, and what a test saves when
it leaves the reset to the next test's `fresh` (every live test that uses a lab resets it first).
Takes /tmp/kubelab-locks/<lab>.lock (and nodes.lock when the lab needs it) as the tests do.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lab")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from kubelab.labs import actions
    from kubelab.labs.engine import wait_for
    from kubelab.labs.registry import get_lab
    from tests.conftest import lab_locks
    from tests.labs.test_labs_live import SETTLE, near_miss_settled

    lab = get_lab(args.lab)
    if not lab.near_misses:
        ap.error(f"{lab.id} has no near-miss")
    nm = lab.near_misses[0]
    pieces: dict[str, list[float]] = {"fresh": [], "near-miss applied and settled": [], "reset after (clean)": [],
                                      "test with the reset after": [], "test without it": []}
    with lab_locks(lab.id):
        actions.fresh(lab)  # warm: API discovery, the first namespace
        for i in range(2 * args.rounds):
            with_clean = i % 2 == 0
            t0 = time.perf_counter()
            actions.fresh(lab)
            t1 = time.perf_counter()
            actions.solve(lab, near_miss=nm.id)
            wait_for(lab, near_miss_settled(lab, nm), timeout=SETTLE)
            t2 = time.perf_counter()
            pieces["fresh"].append(t1 - t0)
            pieces["near-miss applied and settled"].append(t2 - t1)
            if with_clean:
                actions.reset(lab, keep_namespace=True)
                pieces["reset after (clean)"].append(time.perf_counter() - t2)
            pieces["test with the reset after" if with_clean else "test without it"].append(time.perf_counter() - t0)
        actions.reset(lab, keep_namespace=True)
    print(f"{lab.id}, near-miss {nm.id}, {args.rounds} round(s) each (medians):")
    for name, values in pieces.items():
        print(f"  {name:<32} {statistics.median(values):6.2f} s   ({', '.join(f'{v:.1f}' for v in values)})")
    saved = statistics.median(pieces["test with the reset after"]) - statistics.median(pieces["test without it"])
    print(f"  saved per near-miss/variant test: {saved:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
