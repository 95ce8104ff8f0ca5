#!/usr/bin/env bash
# Everything kubelab needs on a fresh machine, installed by the project itself:
# a Docker engine (cluster/host/setup_docker.sh), the Debian tools the offline
# build uses, a Python virtual environment with kubelab and its test tools, and
# the real-browser test's tools (Debian's chromium, playwright-core from npm into
# tests/browser/node_modules; no browser download). KUBELAB_BROWSER_TEST=0 skips those.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
say() { printf '[bootstrap] %s\n' "$*"; }

bash cluster/host/setup_docker.sh

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  tools="debootstrap:debootstrap gcc:gcc jq:jq openssl:openssl"  # openssl: the TLS labs' certificates
  [ "${KUBELAB_BROWSER_TEST:-1}" = 0 ] || tools="$tools chromium:chromium npm:npm"
  for tool in $tools; do
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
# tests/course/test_browser_live.py drives /usr/bin/chromium with playwright-core (pinned in
# tests/browser/package-lock.json); PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: it must never fetch a browser
pw=tests/browser/node_modules/playwright-core/package.json
if [ "${KUBELAB_BROWSER_TEST:-1}" != 0 ] && command -v npm >/dev/null \
   && { [ ! -f "$pw" ] || [ tests/browser/package-lock.json -nt "$pw" ]; }; then
  say "installing playwright-core into tests/browser/node_modules"
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$pw"
fi
say "ready in $(( $(date +%s) - t0 ))s"
