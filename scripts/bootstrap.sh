#!/usr/bin/env bash
# Everything kubelab needs on a fresh machine, installed by the project itself:
# a Docker engine (cluster/host/setup_docker.sh), the Debian tools the offline
# build uses, and a Python virtual environment with kubelab and its test tools.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
say() { printf '[bootstrap] %s\n' "$*"; }

bash cluster/host/setup_docker.sh

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for tool in debootstrap:debootstrap gcc:gcc jq:jq; do
    command -v "${tool%%:*}" >/dev/null || need+=("${tool##*:}")
  done
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null; }
  fi
fi

if ! command -v go >/dev/null; then
  say "note: no Go toolchain on PATH; the offline node-image build needs Go >= 1.24"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.kubelab-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  say "installing kubelab and its dependencies into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[test]'
  touch "$stamp"
fi
say "ready in $(( $(date +%s) - t0 ))s"
