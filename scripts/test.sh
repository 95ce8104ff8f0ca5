#!/usr/bin/env bash
# The whole test run, as CI runs it: set up the machine, build or reuse the
# offline toolchain, bring up the course cluster, run every test (live ones
# included), and tear the cluster down. Prints each phase's time.
# The cluster is created afresh (a left-over one may not survive a restarted dockerd).
# KEEP_CLUSTER=1 leaves the cluster running afterwards; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${KUBELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}/bin:$PWD/.venv/bin:$PATH"
declare -a phases=()
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s)
  echo "=== $name"
  "$@"
  local dt=$(( $(date +%s) - t0 ))
  phases+=("$(printf '%-28s %5ss' "$name" "$dt")")
  echo "=== $name: ${dt}s"
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
timed "tests" python -m pytest -q -p no:cacheprovider --durations=20 "$@"
rc=$?
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
