"""Benchmark: a full `check` of a lab against the live cluster / Docker engine.

    .venv/bin/python benchmarks/bench_lab_check.py                 # every lab that can run here
    .venv/bin/python benchmarks/bench_lab_check.py pods-basics --runs 20 --cli

Each lab is first prepared (reset, start, solve, wait for full marks) unless --no-prepare,
then checked --runs times. Prints p50/p95 per lab; the target is p95 <= 1 s.
In-process runs reuse the API client as a notebook kernel does; --cli also times the
`kubelab lab check` command as a fresh process (Python start-up and imports included).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 1.0


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    from kubelab.labs import actions
    from kubelab.labs.engine import Context, check_lab, wait_for
    from kubelab.labs.registry import all_labs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labs", nargs="*", help="lab ids (default: all that can run here)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--no-prepare", action="store_true", help="check the current state as it is")
    ap.add_argument("--cli", action="store_true", help="also time `kubelab lab check` as a new process")
    args = ap.parse_args()

    labs = all_labs()
    ids = args.labs or sorted(labs)
    worst = 0.0
    print(f"{'lab':<20} {'runs':>4} {'p50 s':>7} {'p95 s':>7} {'max s':>7}  result")
    for lab_id in ids:
        lab = labs[lab_id]
        if lab.shape != "docker":
            ok, why = actions.cluster_fits(lab.shape)
            if not ok:
                print(f"{lab_id:<20} skipped: cluster not available ({why})")
                continue
        if not args.no_prepare:
            actions.reset(lab)
            actions.start(lab)
            actions.solve(lab)
            wait_for(lab, lambda r: r.all_passed or r.exit_code == 2, timeout=120)
        times, summary = [], ""
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = check_lab(lab, ctx=Context(lab))
            times.append(time.perf_counter() - t0)
            summary = result.summary()
        p50, p95 = statistics.median(times), pct(times, 95)
        worst = max(worst, p95)
        print(f"{lab_id:<20} {len(times):>4} {p50:>7.3f} {p95:>7.3f} {max(times):>7.3f}  {summary}")
        if args.cli:
            exe = Path(sys.executable).with_name("kubelab")
            cli_times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                subprocess.run([str(exe), "lab", "check", lab_id, "--json"], capture_output=True)
                cli_times.append(time.perf_counter() - t0)
            print(f"{lab_id + ' (cli)':<20} {len(cli_times):>4} {statistics.median(cli_times):>7.3f} "
                  f"{pct(cli_times, 95):>7.3f} {max(cli_times):>7.3f}  new process each run")
        if not args.no_prepare:
            actions.reset(lab)
    print(f"target p95 <= {TARGET:g} s: {'met' if worst <= TARGET else 'NOT met'} (worst in-process p95 {worst:.3f} s)")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
