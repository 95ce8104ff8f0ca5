"""Benchmark: how long CI (`make test` = scripts/test.sh) takes, phase by phase, and its slowest tests.

    .venv/bin/python benchmarks/bench_ci.py ci.log          # figures from a saved log of scripts/test.sh
    .venv/bin/python benchmarks/bench_ci.py --run           # run scripts/test.sh (all of CI!), log to ci.log
    .venv/bin/python benchmarks/bench_ci.py --run -- -k pods-basics   # ... passing pytest arguments

Reads scripts/test.sh's "=== <phase>: <N>s" lines and pytest's `--durations` table
("12.34s call     tests/...::test_x[...]", setup lines included: a setup that waits is a test
waiting for a lab's lock), and prints the phase times, the total, and the 20 slowest tests.
`--run` runs the real thing: it recreates the course cluster, so never on a shared machine.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASE = re.compile(r"^=== (?P<name>.+?): (?P<seconds>\d+)s\s*$")
BUSY = re.compile(r"^=== (?P<name>.+?): cores (?P<busy>\d+)% busy\s*$")   # the machine's CPU, not the phase's
DURATION = re.compile(r"^\s*(?P<seconds>\d+(?:\.\d+)?)s (?P<when>setup|call|teardown)\s+(?P<test>\S.*?)\s*$")
SUMMARY = re.compile(r"^=*\s*(?P<text>\d+ (?:passed|failed|errors?|skipped|deselected)\b.* in \d.*?)\s*=*$")


def parse(text: str) -> dict:
    """{"phases": [(name, seconds)], "busy": {name: percent}, "tests": [(seconds, when, test)] slowest first,
    "summaries": [...]}."""
    phases, tests, summaries, busy = [], [], [], {}
    for line in text.splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)  # colours
        if m := PHASE.match(line):
            phases.append((m["name"], int(m["seconds"])))
        elif m := BUSY.match(line):
            busy[m["name"]] = int(m["busy"])
        elif m := DURATION.match(line):
            tests.append((float(m["seconds"]), m["when"], m["test"]))
        elif m := SUMMARY.match(line):
            summaries.append(m["text"])
    tests.sort(key=lambda t: -t[0])
    return {"phases": phases, "busy": busy, "tests": tests, "summaries": summaries}


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"


def report(figures: dict, top: int = 20) -> str:
    out = ["CI phase times (scripts/test.sh):"]
    busy = figures.get("busy", {})
    for name, seconds in figures["phases"]:
        shown = f"  cores {busy[name]:>3d} % busy" if name in busy else ""
        out.append(f"  {name:<28} {seconds:>6d} s  ({minutes(seconds)}){shown}")
    # a phase run beside another ("... (beside the cluster-wide phase)") adds no time of its own
    total = sum(s for name, s in figures["phases"] if "(beside" not in name)
    out.append(f"  {'total':<28} {total:>6d} s  ({minutes(total)})")
    if not figures["phases"]:
        out.append("  (no '=== phase: Ns' lines: not a log of scripts/test.sh?)")
    for text in figures["summaries"]:
        out.append(f"pytest: {text}")
    out.append(f"\nslowest {top} tests (pytest --durations):")
    for seconds, when, test in figures["tests"][:top]:
        out.append(f"  {seconds:8.2f} s  {when:<8} {test}")
    if not figures["tests"]:
        out.append("  (no --durations table in the log)")
    return "\n".join(out)


def run(log: Path, pytest_args: list[str]) -> str:
    """Run scripts/test.sh, echoing and saving its output; return the output."""
    lines = []
    with subprocess.Popen(["bash", "scripts/test.sh", *pytest_args], cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as proc, open(log, "w") as fh:
        for line in proc.stdout:
            sys.stdout.write(line)
            fh.write(line)
            lines.append(line)
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log", nargs="?", type=Path, help="a saved log of scripts/test.sh")
    ap.add_argument("--run", action="store_true", help="run scripts/test.sh now (recreates the cluster)")
    ap.add_argument("--save", type=Path, default=Path("ci.log"), help="where --run saves the log (ci.log)")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest (with --run)")
    args = ap.parse_args(argv)
    if args.run:
        text = run(args.save, args.pytest_args)
    elif args.log:
        try:
            text = args.log.read_text(errors="replace")
        except OSError as exc:
            ap.error(f"cannot read {args.log}: {exc.strerror}")
    else:
        ap.error("give a log of scripts/test.sh, or --run")
    print(report(parse(text), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
