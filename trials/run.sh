#!/usr/bin/env bash
# Run one trial attempt live: trials/run.sh <lab-id> <attempt-name> [wait-seconds]
# Holds the lab's lock (nodes.lock first for labs that touch nodes or cluster-scoped objects)
# for the whole attempt: start fresh, run trials/<lab>/<attempt>.sh, check, record, reset.
set -u
lab=$1; name=$2; wait=${3:-60}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/results/$lab; mkdir -p "$out"
[ -f /tmp/trial2/kubeconfig ] || { mkdir -p /tmp/trial2; kubectl config view --raw --minify --context kind-kubelab > /tmp/trial2/kubeconfig; }
export lab name wait here out
inner() {
  kubelab lab start --fresh "$lab" >"$out/$name.start.log" 2>&1 || { echo "START FAILED"; tail -5 "$out/$name.start.log"; }
  ( cd "$(mktemp -d)" && KUBECONFIG=${TRIAL_KUBECONFIG:-/tmp/trial2/kubeconfig} bash -x "$here/$lab/$name.sh" ) >"$out/$name.attempt.log" 2>&1
  kubelab lab check "$lab" --json --wait "$wait" >"$out/$name.json" 2>"$out/$name.check.err"
  python3 - "$out/$name.json" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
print(f"SCORE {d['points']:g}/{d['max_points']:g}")
for r in d["checks"]:
    print(f"  {r['id']}: {r['outcome']} {r['points']:g}/{r['max_points']:g}  {str(r.get('observed',''))[:220]}")
PY
  kubelab lab reset "$lab" >"$out/$name.reset.log" 2>&1
  if [ -f "$here/$lab/$name.cleanup" ]; then KUBECONFIG=/tmp/trial2/kubeconfig bash -x "$here/$lab/$name.cleanup" >>"$out/$name.reset.log" 2>&1; fi
}
export -f inner
echo "== $lab/$name"
case $lab in
  sched-*|daemonset-all-nodes|storage-static-pv|trouble-pvc-pending)
    flock /tmp/kubelab-locks/nodes.lock flock "/tmp/kubelab-locks/$lab.lock" bash -c inner;;
  *) flock "/tmp/kubelab-locks/$lab.lock" bash -c inner;;
esac 2>&1 | tee "$out/$name.txt"
