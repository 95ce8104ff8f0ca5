"""Benchmark: autograde a class of one lab, sequentially and with --jobs; print submissions per minute.

    flock /tmp/kubelab-locks/pods-basics.lock .venv/bin/python benchmarks/bench_autograde.py            # 30
    flock /tmp/kubelab-locks/pods-basics.lock .venv/bin/python benchmarks/bench_autograde.py --quick    # 6
    ... --lab docker-web-port --jobs 4      (under /tmp/kubelab-locks/docker-web-port.lock)
    ... --no-sequential                     (only the --jobs run)

The class is a mix: a third correct, a third partially correct (a near-miss), a third untouched.
Needs the live course cluster (Kubernetes labs) or the Docker engine (Docker labs).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_class(course: Path, lab, n: int) -> None:
    from kubelab.labs.model import Apply, Run
    from kubelab.instructor.record import FORMAT, write_record

    def objects(steps):
        return [d for s in steps if isinstance(s, Apply) for d in s.docs()]

    def containers(steps):
        out = []
        for s in steps:
            if isinstance(s, Run) and s.argv[:2] == ["docker", "run"]:
                argv = s.argv[2:]
                spec = {"running": "-d" in argv, "ports": []}
                i = 0
                while i < len(argv):
                    a = argv[i]
                    if a == "--name":
                        spec["name"] = argv[i + 1]; i += 2; continue  # noqa: E702
                    if a == "-p":
                        h, c = argv[i + 1].split(":")
                        spec["ports"].append({"host_port": int(h), "container_port": int(c), "protocol": "tcp"})
                        i += 2
                        continue
                    if a.startswith("-"):
                        i += 1
                        continue
                    spec["image"] = a
                    break
                out.append(spec)
        return out

    nm = lab.near_misses[0]
    variants = [lab.solution_steps(), lab.near_miss_steps(nm), []]
    release = course / "release" / lab.id / f"{lab.id}.ipynb"
    for i in range(n):
        steps = variants[i % 3]
        folder = course / "submitted" / f"s{i:03d}" / lab.id
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(release, folder)
        write_record({"kubelab_record": FORMAT, "lab": lab.id, "kind": lab.kind,
                      "objects": objects(steps) if lab.kind != "docker" else [],
                      "containers": containers(steps) if lab.kind == "docker" else [],
                      "commands": [], "checks": {}}, folder)


def run(course: Path, lab_id: str, jobs: int) -> tuple[float, list]:
    from kubelab.instructor.autograde import autograde_class

    start = time.monotonic()
    results = autograde_class(course, lab_id, jobs=jobs)
    return time.monotonic() - start, results


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lab", default="pods-basics")
    ap.add_argument("-n", type=int, default=30, help="submissions (default 30)")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="6 submissions")
    ap.add_argument("--no-sequential", action="store_true", help="only the --jobs run (skip --jobs 1)")
    args = ap.parse_args()
    n = 6 if args.quick else args.n
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")

    from kubelab.instructor.autograde import nbgrader
    from kubelab.instructor.build import build_course
    from kubelab.labs.registry import get_lab

    lab = get_lab(args.lab)
    with tempfile.TemporaryDirectory(prefix="kubelab-bench-") as tmp:
        course = Path(tmp) / "course"
        build_course(course, [lab.id])
        proc = nbgrader(course, "generate_assignment", lab.id, "--force")
        if proc.returncode:
            print(proc.stdout + proc.stderr)
            return 1
        make_class(course, lab, n)
        rows = []
        for jobs in ((args.jobs,) if args.no_sequential else (1, args.jobs)):
            (course / "gradebook.db").unlink(missing_ok=True)
            nbgrader(course, "generate_assignment", lab.id, "--force")  # a fresh gradebook for each run
            seconds, results = run(course, lab.id, jobs)
            scores = sorted({r.score for r in results})
            bad = [r for r in results if r.status != "graded"]
            rows.append((jobs, seconds, len(results) / (seconds / 60), scores, len(bad)))
            print(f"{lab.id}: {len(results)} submissions, --jobs {jobs}: {seconds:.1f} s, "
                  f"{len(results) / (seconds / 60):.1f} submissions/min (scores {scores}, errors {len(bad)})",
                  flush=True)
        if len(rows) == 2:
            print(f"speed-up with --jobs {args.jobs}: x{rows[0][1] / rows[1][1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
