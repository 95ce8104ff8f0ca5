"""Cluster-layer figures on this machine, printed (not asserted).

    python benchmarks/bench_cluster.py            # warm rebuild, up (image present), reuse, reset x5, memory
    python benchmarks/bench_cluster.py --cold     # also a cold toolchain build in empty caches (~20 min)

`up` is measured by deleting and creating the cluster, so do not run it while anything
else uses the cluster. Targets (issue 2): up of 3 nodes <= 90 s, reset <= 10 s, reuse <= 3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KUBELAB = str(Path(sys.executable).parent / "kubelab")


def timed(args: list[str], env: dict | None = None) -> float:
    start = time.monotonic()
    subprocess.run([KUBELAB, *args], check=True, env={**os.environ, **(env or {})},
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - start


def cluster_memory_mib() -> float:
    out = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}"],
                         capture_output=True, text=True, check=True).stdout
    total = 0.0
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024}
    for line in out.splitlines():
        name, usage = line.split(" ", 1)
        if not name.startswith("kubelab-"):
            continue
        used = usage.split("/")[0].strip()
        for unit, factor in units.items():
            if used.endswith(unit):
                total += float(used[: -len(unit)]) * factor
    return total


def dirty() -> None:
    kubectl = str(Path.home() / ".cache/kubelab/bin/kubectl")
    ctx = ["--context", "kind-kubelab"]
    subprocess.run([kubectl, *ctx, "create", "namespace", "bench-dirty"], check=True, capture_output=True)
    subprocess.run([kubectl, *ctx, "-n", "bench-dirty", "create", "deployment", "w", "--image=docker.io/kubelab/web:v1",
                    "--replicas=2"], check=True, capture_output=True)
    subprocess.run([kubectl, *ctx, "label", "node", "kubelab-worker", "bench=1"], check=True, capture_output=True)
    subprocess.run([kubectl, *ctx, "taint", "node", "kubelab-worker2", "bench=1:NoSchedule"], check=True, capture_output=True)
    time.sleep(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold", action="store_true", help="also time a cold build in empty caches")
    parser.add_argument("--no-up", action="store_true", help="skip the delete+create measurement")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    if args.cold:
        with tempfile.TemporaryDirectory(prefix="kubelab-cold-") as tmp:
            env = {"KUBELAB_CACHE": f"{tmp}/kubelab", "GOCACHE": f"{tmp}/go-build", "GOMODCACHE": f"{tmp}/go-mod"}
            rows.append(("cold toolchain + node image build", f"{timed(['cluster', 'build-image'], env):.0f} s"))
            subprocess.run(["chmod", "-R", "u+w", tmp], check=False)
    rows.append(("warm rebuild (everything reused)", f"{timed(['cluster', 'build-image']):.1f} s"))
    if not args.no_up:
        timed(["cluster", "down"])
        rows.append(("cluster up, 3 nodes, image present", f"{timed(['cluster', 'up']):.1f} s"))
    reuse = [timed(["cluster", "up"]) for _ in range(3)]
    rows.append(("up again, reusing the running cluster", f"median {statistics.median(reuse):.2f} s of 3"))
    resets = []
    for _ in range(5):
        dirty()
        resets.append(timed(["cluster", "reset"]))
    rows.append(("reset of a dirtied cluster", f"median {statistics.median(resets):.1f} s, max {max(resets):.1f} s of 5"))
    rows.append(("running cluster's memory (3 node containers)", f"{cluster_memory_mib():.0f} MiB"))
    width = max(len(name) for name, _ in rows)
    print("kubelab cluster benchmark (2 cores, this machine)")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
