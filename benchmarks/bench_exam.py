"""Benchmark: an exam's start (reset + seed every task), submit (grade every task live) and reset.

    .venv/bin/python benchmarks/bench_exam.py --track ckad --seed 1 --tasks 5
    .venv/bin/python benchmarks/bench_exam.py --track cka --seed 7            # the full 17 tasks
    .venv/bin/python benchmarks/bench_exam.py --track kubelab --labs pods-basics,docker-web-port

Takes the locks of the drawn labs itself (kubelab.exam.locks; $KUBELAB_LOCKS_HELD lists the ones
the caller holds). Nothing is solved: submit grades untouched tasks (each check still reads the
cluster). Uses a throw-away exam database, so your own exam history is untouched.
Needs the live course cluster (and the Docker engine for Docker tasks).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--track", default="ckad")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tasks", type=int, default=None, help="number of tasks (default: the track's 17)")
    ap.add_argument("--labs", default=None, help="exactly these lab ids, comma-separated")
    args = ap.parse_args()

    from kubelab.exam.blueprints import get_track
    from kubelab.exam.draw import draw
    from kubelab.exam.locks import lab_locks
    from kubelab.exam.session import grade, reset_exam, start_exam
    from kubelab.exam.store import ExamStore
    from kubelab.labs.registry import all_labs

    labs = all_labs()
    only = args.labs.split(",") if args.labs else None
    tasks = draw(get_track(args.track), labs, args.seed, args.tasks, only)
    drawn = [labs[t.lab_id] for t in tasks]
    print(f"track {args.track}, seed {args.seed}: {len(tasks)} tasks: {', '.join(t.lab_id for t in tasks)}")
    with tempfile.TemporaryDirectory() as tmp, lab_locks(drawn, log=print):
        store = ExamStore(Path(tmp) / "exam.sqlite3")
        t0 = time.perf_counter()
        run = start_exam(store, args.track, seed=args.seed, count=args.tasks, only=only)
        t_start = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = grade(store, store.get(run.id))
        t_grade = time.perf_counter() - t0
        _, t_reset = reset_exam(store)
    checks = sum(len(t.result.checks) for t in result.tasks)
    print(f"start  (reset + seed {len(tasks)} tasks): {t_start:6.1f} s")
    print(f"submit (grade {len(tasks)} tasks, {checks} checks): {t_grade:6.1f} s (untouched: {result.total:.1f}/100)")
    print(f"reset  ({len(tasks)} task labs, namespaces gone): {t_reset:6.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
