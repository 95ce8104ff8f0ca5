#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine.
#  - already running (a laptop with Docker Desktop or a systemd docker): nothing to do;
#  - Debian/Ubuntu without an engine and run as root: install docker.io and start dockerd;
#  - a host whose capability bounding set lacks CAP_SYS_RESOURCE: register the runc front
#    in cluster/host/runc-drop-sys-resource as dockerd's default runtime, so that
#    privileged containers (kind nodes) can start.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
log=/var/log/kubelab-dockerd.log

say() { printf '[docker] %s\n' "$*"; }

if docker info >/dev/null 2>&1; then
  say "engine already answering ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "Docker is not answering and this is not root: start Docker (for example 'sudo systemctl start docker') and run again." >&2
  exit 1
fi

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v jq >/dev/null || need+=(jq)
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]} from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

args=()
capbnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
if (( (16#$capbnd >> 24 & 1) == 0 )); then
  install -D -m 0755 "$here/runc-drop-sys-resource" /usr/local/libexec/kubelab/runc-drop-sys-resource
  say "CAP_SYS_RESOURCE is missing from this host's bounding set: using the runc front"
  args+=(--add-runtime "kubelab-runc=/usr/local/libexec/kubelab/runc-drop-sys-resource" --default-runtime kubelab-runc)
fi

if command -v systemctl >/dev/null && [ -d /run/systemd/system ] && [ ${#args[@]} -eq 0 ]; then
  systemctl start docker
else
  # networks Docker picks a subnet for come from 10.210.0.0/16 (256 x /24), never from 172.16.0.0/12,
  # where labs, notebooks and tests choose fixed subnets (Docker's default pools hand out 172.17-31.x/16
  # and a dozen auto-subnetted networks reach 172.31: "Pool overlaps with other one")
  args+=(--default-address-pool base=10.210.0.0/16,size=24)
  say "starting dockerd in the background (log: $log)"
  nohup dockerd "${args[@]}" >>"$log" 2>&1 &
fi

for _ in $(seq 1 60); do
  docker info >/dev/null 2>&1 && { say "engine up ($(docker version --format '{{.Server.Version}}'))"; exit 0; }
  sleep 1
done
echo "dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2 || true
exit 1
