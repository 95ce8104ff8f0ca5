"""Markdown table of the trials: score before the fixes of this branch, score now, what was wrong."""
import json, pathlib
root = pathlib.Path(__file__).parent / "results"
# attempts whose verdict changed, or that needed a word: (score before the fix, note)
NOTES = {
    ("cronjob-schedule", "nm-restart-never"): ("6/6", "FALSE PASS: restartPolicy (and the pod's image) the task states were not graded; new check pod-template, near-miss restart-never"),
    ("storage-dynamic-pvc", "nm-claim-1gi"): ("6/6", "FALSE PASS: the claim's size/access mode were not graded; new check claim-spec (storage_extra.claim_asks_for), near-miss claim-1gi"),
    ("storage-static-pv", "nm-claim-1gi"): ("6/6", "FALSE PASS: the claim's 500Mi was not graded; new check claim-spec, near-miss claim-1gi; the lab's own variant asked for 0.5Gi (512Mi) and is now 524288000 bytes"),
    ("storage-static-pv", "nm-pv-no-type"): ("6/6", "FALSE PASS: the PV's hostPath type was not graded; pv-spec grades it, near-miss hostpath-no-type"),
    ("statefulset-web", "nm-claim-1gi"): ("8/8", "FALSE PASS: the claim template's 64Mi was not graded; new check claim-size, near-miss claims-1gi"),
    ("trouble-pvc-pending", "nm-pv-by-hand"): ("6/6", "FALSE PASS: a hand-made PV of the missing class fast-ssd bound the claim; pvc-bound now needs a StorageClass the cluster has (storage_extra.claim_bound_by_class). Not declared as a lab near-miss: it needs a cluster-scoped PV the lab cannot reset"),
    ("probes-liveness-restart", "yaml"): ("3/5 at 30 s", "false fail when checked as the task suggested: with the default grace period the restart comes ~30 s later (sleep as PID 1 ignores SIGTERM); task, hint and replay settle now say/allow it; variant default-grace. 5/5 once restarted"),
    ("probes-liveness-restart", "sh-c"): ("3/5 at 30 s", "as yaml (re-checked after 90 s: 5/5)"),
    ("probes-liveness-restart", "abs-cat-args"): ("3/5 at 30 s", "as yaml (re-checked after 90 s: 5/5)"),
    ("sched-anti-affinity", "create-patch-expressions"): (None, "my attempt is wrong: patching the anti-affinity into a running Deployment leaves the surge pod Pending (the old pods block it), rollout stuck; grader right, but said 'expected 2 ready replicas, found 2': deployment_available now says the rollout has not finished"),
    ("deploy-rollout-rollback", "nm-set-back"): (None, "not a near-miss: setting the image back to v1 re-uses revision 1's ReplicaSet as revision 3, the same live state as rollout undo; nothing to fix"),
    ("storage-hostpath", "selector-bytes"): ("7/8", "FALSE FAIL: hostpath-path compared the path as a string: /kubelab/storage-hostpath/logs/ (trailing slash) is the same directory; compared with meaning.same_path now, variant selector-path-slash"),
    ("job-completions", "create-job-sed"): (None, "first run 0/6 was my sed renaming the Job too; fixed attempt 6/6"),
}
rows = []
for f in sorted(root.glob("*/*.json")):
    lab, name = f.parent.name, f.stem
    d = json.loads(f.read_text())
    now = f'{d["points"]:g}/{d["max_points"]:g}'
    kind = "near-miss" if name.startswith("nm-") else "correct"
    before, note = NOTES.get((lab, name), (None, ""))
    rows.append(f"| {lab} | {name} | {kind} | {before or now} | {now} | {note} |")
print("| lab | attempt | correct or near-miss | score before | score after | what was wrong |")
print("|---|---|---|---|---|---|")
print("\n".join(rows))
