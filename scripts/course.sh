#!/usr/bin/env bash
# `make course`: set up the machine, get the node image, bring up (or reuse) the course cluster,
# start a lab and serve the course in JupyterLab. Prints each phase's time.
#   LAB=<id>            the lab to start (default pods-basics)
#   SERVE=background    return once JupyterLab answers, leaving it running
#                       (`kubelab course serve --stop` ends it); default: serve until Ctrl-C
#   PORT=<n>            JupyterLab's port (default 8888)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${KUBELAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubelab}/bin:$PWD/.venv/bin:$PATH"
LAB=${LAB:-pods-basics}
PORT=${PORT:-8888}
declare -a phases=()
timed() {
  local name=$1; shift
  local t0; t0=$(date +%s%N)
  echo "=== $name"
  "$@"
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  phases+=("$(printf '%-12s %4d.%ds' "$name" $((ms / 1000)) $((ms % 1000 / 100)))")
}
summary() {
  echo "=== phase times"
  for p in "${phases[@]}"; do echo "  $p"; done
}

timed "bootstrap" bash scripts/bootstrap.sh
timed "node image" kubelab cluster ensure-image
timed "cluster up" kubelab cluster up --shape course
timed "lab start" kubelab lab start --keep "$LAB"
serve=(kubelab course serve --port "$PORT" --lab "$LAB")
if [ "${SERVE:-}" = background ]; then
  timed "JupyterLab" "${serve[@]}" --background
  summary
else
  summary
  exec "${serve[@]}"
fi
