#!/usr/bin/env bash
# The whole test run, as CI runs it: set up the machine, build or reuse the
# offline toolchain, bring up the course cluster, run every test (live ones
# included), and tear the cluster down. Prints each phase's time.
# The cluster is created afresh (a left-over one may not survive a restarted dockerd).
# KEEP_CLUSTER=1 leaves the cluster running afterwards; extra arguments go to pytest.
# The tests run side by side (pytest-xdist, KUBELAB_TEST_WORKERS, default 4), each holding the
# locks of the labs it touches (tests/conftest.py); the few that change the whole cluster run first,
# alone, and beside them (the cores half idle then) the offline tests and the Docker-only labs.
# The longest groups start first (tests/durations.json; --no-loadscope-reorder keeps that order);
# the run's own durations go to KUBELAB_DURATIONS_OUT (default .durations-run.json), from which
# benchmarks/bench_schedule.py refreshes tests/durations.json.
# benchmarks/bench_ci.py LOG prints the phase times and the slowest tests of a saved log.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${KUBELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}/bin:$PWD/.venv/bin:$PATH"
declare -a phases=()
jiffies() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9, $5+$6}' /proc/stat 2>/dev/null || echo "0 0"; }
busy_since() {  # the share of the machine's CPU time that was busy since `jiffies` printed "$1 $2"
  local now; read -r -a now <<<"$(jiffies)"
  local total=$(( now[0] - $1 )) idle=$(( now[1] - $2 ))
  [ "$total" -gt 0 ] && echo $(( 100 * (total - idle) / total )) || echo "?"
}
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  local j0; read -r -a j0 <<<"$(jiffies)"
  echo "=== $name"
  local rc=0
  "$@" || rc=$?
  local dt=$(( $(date +%s) - t0 )) busy; busy=$(busy_since "${j0[0]}" "${j0[1]}")
  phases+=("$(printf '%-28s %5ss  cores %3s%% busy' "$name" "$dt" "$busy")")
  echo "=== $name: ${dt}s"
  echo "=== $name: cores ${busy}% busy"
  return $rc  # the command's own status (the echo's would hide a failed test run)
}
summary() {
  echo "=== phase times"
  for p in "${phases[@]}"; do echo "  $p"; done
}
trap summary EXIT

timed "bootstrap" bash scripts/bootstrap.sh
timed "node image" kubelab cluster ensure-image
timed "cluster up" kubelab cluster up --shape course --recreate
export KUBELAB_LIVE=1
set +e
ok_or_none() { "$@"; local r=$?; [ $r -eq 5 ] && r=0; return $r; }  # 5: nothing selected
durations_out="${KUBELAB_DURATIONS_OUT:-$PWD/.durations-run.json}"
# Beside the cluster-wide phase (one test at a time, the cores half idle): the offline tests and the
# Docker-only labs (`docker_only`: they never read the cluster), in a process of their own; its
# output follows the phase's.
side_log=$(mktemp); side_t0=$(date +%s)
( KUBELAB_DURATIONS_OUT="$durations_out.side" ok_or_none python -m pytest -q -p no:cacheprovider --durations=10 \
    -n 2 --dist loadgroup -m "(not live or docker_only) and not cluster_exclusive" "$@" > "$side_log" 2>&1
  r=$?; date +%s > "$side_log.end"; exit $r ) &
side_pid=$!
timed "tests, cluster-wide" ok_or_none python -m pytest -q -p no:cacheprovider -m cluster_exclusive "$@"
rc=$?
side_rc=0; wait $side_pid || side_rc=$?
side_dt=$(( $(cat "$side_log.end" 2>/dev/null || date +%s) - side_t0 ))  # its own time
rm -f "$side_log.end"
echo "=== tests, offline and Docker-only (beside the cluster-wide phase)"
cat "$side_log"; rm -f "$side_log"
echo "=== tests, offline and Docker-only (beside the cluster-wide phase): ${side_dt}s"
phases+=("$(printf '%-28s %5ss' "tests, offline+Docker (side)" "$side_dt")")
[ $rc -ne 0 ] || rc=$side_rc
export KUBELAB_DURATIONS_OUT="$durations_out"
timed "tests" ok_or_none python -m pytest -q -p no:cacheprovider --durations=20 \
  -n "${KUBELAB_TEST_WORKERS:-4}" --dist loadgroup --no-loadscope-reorder \
  -m "live and not cluster_exclusive and not docker_only" "$@"
rc2=$?
[ $rc -ne 0 ] || rc=$rc2
# one file of this run's durations (benchmarks/bench_schedule.py --from reads it)
python - "$durations_out" <<'PY' || true
import json, sys
from pathlib import Path
out = Path(sys.argv[1]); side = Path(sys.argv[1] + ".side")
merged = {**(json.loads(side.read_text()) if side.exists() else {}), **(json.loads(out.read_text()) if out.exists() else {})}
if merged:
    out.write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n")
side.unlink(missing_ok=True)
PY
set -e
if [ "${KEEP_CLUSTER:-0}" != 1 ]; then
  timed "cluster down" kubelab cluster down
  set +e
  KUBELAB_AFTER_DOWN=1 timed "checks after down" python -m pytest -q -p no:cacheprovider tests/teardown
  rc2=$?
  set -e
  [ $rc -ne 0 ] || rc=$rc2
fi
exit $rc
