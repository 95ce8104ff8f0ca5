# %% [markdown]
# # 04 Controllers: Deployments, DaemonSets, Jobs, CronJobs and StatefulSets
#
# **Learning objectives.** After this notebook you can
#
# - follow how a Deployment becomes Pods through the **controllers' chain** (Deployment -> ReplicaSet -> Pod);
# - create, **scale**, **roll out** (maxSurge / maxUnavailable), inspect the **history** of and **roll back**
#   a Deployment, and describe **blue-green** and **canary** releases;
# - run one Pod per node with a **DaemonSet**, the control plane included, and update it;
# - run batch work with a **Job** (completions, parallelism, backoffLimit) and on a timetable with a
#   **CronJob** (schedule, concurrency policy, history limits);
# - give Pods stable names and their own storage with a **StatefulSet** (headless Service, ordinals,
#   volumeClaimTemplates, ordered scaling, partitioned updates).
#
# The examples run live in the namespace `demo-04` (removed at the end). Three graded labs sit in the
# notebook; two more, `cronjob-schedule` and `statefulset-web`, run from a terminal (`kubelab lab start <id>`,
# `kubelab lab check <id>`) so that the notebook stays quick to execute.

# %% tags=["parameters"]
SOLVE = False

# %% [markdown]
# **Your environment.** The panel shows the Docker engine, the lab images and the course cluster's nodes.
# Anything missing comes with the command that fixes it; run that in a terminal, then press
# **Refresh**.

# %%
from kubelab.course.nb import cluster_status

cluster_status()

# %%
from kubelab.course.nb import lab_task, quiz, sh

sh("kubectl delete namespace demo-04 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-04", quiet=True)

# %% [markdown]
# ## 1. The controllers' chain
#
# A controller is a loop: read the desired state (the object's `spec`), read the actual state, act to close
# the gap, repeat. A Deployment does not create Pods itself:
#
# ```mermaid
# flowchart LR
#   user["kubectl apply<br/>Deployment web"] --> api[(API server / etcd)]
#   dc["deployment controller"] -- "creates / scales" --> rs["ReplicaSet web-7c9f<br/>(pod-template-hash)"]
#   rsc["replicaset controller"] -- "creates Pods until<br/>count = replicas" --> pods["Pods web-7c9f-xxxxx"]
#   sched["scheduler"] -- "sets spec.nodeName" --> pods
#   kubelet["kubelet on the node"] -- "starts containers" --> pods
# ```
#
# Every object records its creator in `metadata.ownerReferences`, and deleting the owner deletes what it
# owns (garbage collection; `--cascade=orphan` keeps them). The ReplicaSet finds its Pods by the
# **selector**, which must match the **template**'s labels.

# %%
sh("kubectl create deployment web -n demo-04 --image=kubelab/web:v1 --replicas=2")
sh("kubectl rollout status deployment/web -n demo-04 --timeout=60s")
sh("kubectl get deploy,rs,pods -n demo-04 -l app=web")
sh(r"""kubectl get pods -n demo-04 -l app=web -o jsonpath='{range .items[*]}{.metadata.name} <- {.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}{"\n"}{end}'""")

# %%
quiz("ctrl-01", "ctrl-02", "ctrl-03", "ctrl-29", "ctrl-14")

# %% [markdown]
# ## 2. Scaling, rolling updates and rollback
#
# Changing the Pod **template** (image, env, ...) starts a rollout: a **new ReplicaSet** is scaled up while
# the old one is scaled down. Scaling alone (`replicas`) does not create a revision.
#
# - `maxSurge`: how many Pods above `replicas` may exist during the update (default 25 %, rounded up);
# - `maxUnavailable`: how many below `replicas` may be unready (default 25 %, rounded down).
#
# `maxSurge: 1, maxUnavailable: 0` replaces one Pod at a time without ever losing capacity. The other
# strategy, `Recreate`, deletes all old Pods first (downtime, but never two versions at once).
#
# Each template gets a **revision** (annotation `deployment.kubernetes.io/revision` on the ReplicaSet);
# old ReplicaSets are kept, scaled to 0, up to `revisionHistoryLimit` (default 10), and
# `kubectl rollout undo --to-revision=N` scales one of them back up: the rollback becomes the newest revision.
# Record why with the `kubernetes.io/change-cause` annotation (`--record` is deprecated).

# %% [markdown]
# The example scales to 3, starts a rollout to v2 and looks at it mid-way (the lab below waits for each
# rollout with `kubectl rollout status`).

# %%
sh("kubectl scale deployment web -n demo-04 --replicas=3")
sh("kubectl set image deployment/web -n demo-04 web=kubelab/web:v2")
sh("kubectl annotate deployment web -n demo-04 kubernetes.io/change-cause='v2' --overwrite")
sh("kubectl rollout history deployment/web -n demo-04")
sh("sleep 2")   # a moment into the rollout: the new ReplicaSet is growing while the old one shrinks
sh(r"""kubectl get rs -n demo-04 -l app=web -o jsonpath='{range .items[*]}{.metadata.name}  revision {.metadata.annotations.deployment\.kubernetes\.io/revision}  replicas {.spec.replicas}  {.spec.template.spec.containers[0].image}{"\n"}{end}'""")

# %% [markdown]
# **Blue-green and canary.** Both need two versions side by side:
#
# - **blue-green**: a complete second Deployment (green) runs next to the current one (blue); the Service's
#   selector is switched from `version: blue` to `version: green` in one step, and back just as fast;
# - **canary**: a small Deployment of the new version carries the Service's labels too, so it gets a share
#   of the traffic proportional to its Pods; if it behaves, roll the main Deployment forward.
#   (`kubectl rollout pause` after the first new Pods is the in-Deployment variant.)
#
# ```mermaid
# flowchart LR
#   svc["Service app=web"] --> blue["Deployment web-blue (3 Pods, v1)"]
#   svc -.->|"after the switch"| green["Deployment web-green (3 Pods, v2)"]
# ```

# %%
quiz("ctrl-04", "ctrl-05", "ctrl-06", "ctrl-07", "ctrl-08", "ctrl-09", "ctrl-10", "ctrl-11", "ctrl-12",
     "ctrl-13", "ctrl-32")

# %% [markdown]
# ### Lab: scale, roll out and roll back a Deployment

# %%
lab_task("deploy-rollout-rollback", solve=SOLVE)

# %% [markdown]
# ## 3. DaemonSets
#
# A DaemonSet runs exactly one Pod on every node (or every node its `nodeSelector`/affinity picks), adding
# one when a node joins: log collectors, node exporters, network agents (kube-proxy itself is one). Its Pods
# are scheduled like any others, so a **taint** keeps them away unless they tolerate it: kubeadm (and kind)
# taint the control plane `node-role.kubernetes.io/control-plane:NoSchedule`. Updates are `RollingUpdate`
# (node by node, `maxUnavailable`) or `OnDelete` (a Pod is replaced only when you delete it).

# %%
sh("kubectl get daemonsets -A")
sh("kubectl get nodes -o custom-columns=NODE:.metadata.name,TAINTS:.spec.taints[*].key")

# %%
quiz("ctrl-15", "ctrl-16")

# %% [markdown]
# ### Lab: a DaemonSet on every node

# %%
lab_task("daemonset-all-nodes", solve=SOLVE)

# %% [markdown]
# ## 4. Jobs and CronJobs
#
# A **Job** runs Pods until `completions` of them succeed, at most `parallelism` at a time, and gives up after
# `backoffLimit` failures (default 6). Its Pods use `restartPolicy: Never` (a failure makes a new Pod) or
# `OnFailure` (the container restarts in place). The Job controller adds its own unique selector.
#
# A **CronJob** creates a Job on a **schedule** in cron syntax (`minute hour day-of-month month day-of-week`,
# `*/15 * * * *` = every 15 minutes). `concurrencyPolicy` says what happens when a run is still going at the
# next tick: `Allow` (default), `Forbid` (skip the new run) or `Replace` (stop the old one).
# `successfulJobsHistoryLimit` (3) and `failedJobsHistoryLimit` (1) bound the finished Jobs kept.
# `kubectl create job NAME --from=cronjob/CJ` runs it now.

# %%
sh("kubectl create job hello -n demo-04 --image=busybox:1.35.0 -- sh -c 'echo hello from $(hostname)'")
sh("kubectl wait -n demo-04 --for=condition=Complete job/hello --timeout=60s")
sh("kubectl logs -n demo-04 job/hello")
sh("kubectl create cronjob tick -n demo-04 --image=busybox:1.35.0 --schedule='*/5 * * * *' --dry-run=client -o yaml -- date | head -20")

# %%
quiz("ctrl-17", "ctrl-18", "ctrl-19", "ctrl-20", "ctrl-30", "ctrl-21", "ctrl-22", "ctrl-23", "ctrl-24", "ctrl-31")

# %% [markdown]
# ### Lab: a parallel Job that completes

# %%
lab_task("job-completions", solve=SOLVE)

# %% [markdown]
# **Lab (terminal): a CronJob with a schedule and history limits.** `kubelab lab show cronjob-schedule`
# prints the task (every 15 minutes, `Forbid`, keep 2 successful and 1 failed Job, one run started by hand);
# `kubelab lab start cronjob-schedule`, then `kubelab lab check cronjob-schedule`.

# %% [markdown]
# ## 5. StatefulSets
#
# Deployment Pods are interchangeable (random names, shared or no storage). A **StatefulSet** gives each
# Pod an identity that survives rescheduling:
#
# - **ordinal names** `web-0`, `web-1`, ... and, through a **headless Service** (`clusterIP: None`) named in
#   `serviceName`, a DNS name per Pod: `web-0.web.<ns>.svc.cluster.local`;
# - **its own storage**: each `volumeClaimTemplates` entry becomes a PVC `<claim>-web-N`, re-attached to the
#   Pod of the same ordinal when it is recreated (and kept when the StatefulSet scales down or is deleted);
# - **order**: with the default `podManagementPolicy: OrderedReady`, Pods start 0, 1, 2 (each after the
#   previous one is Ready) and stop in reverse; `Parallel` drops the ordering;
# - **partitioned updates**: `updateStrategy.rollingUpdate.partition: N` updates only ordinals >= N (a canary
#   for stateful apps), from the highest down.
#
# ```mermaid
# flowchart LR
#   svc["headless Service web<br/>clusterIP: None"] --> p0["web-0"] & p1["web-1"] & p2["web-2"]
#   p0 --- c0[("www-web-0")]
#   p1 --- c1[("www-web-1")]
#   p2 --- c2[("www-web-2")]
# ```
#
# **Lab (terminal): a StatefulSet whose data survives its pods.** `kubelab lab show statefulset-web`
# prints the task; `kubelab lab start statefulset-web`, then `kubelab lab check statefulset-web`. It asks
# for the headless Service, three replicas with a claim each, and a file that survives deleting `web-1`.

# %%
quiz("ctrl-25", "ctrl-26", "ctrl-27", "ctrl-28", "ctrl-33")

# %% [markdown]
# ## Exam tips
#
# - `kubectl create deployment web --image=... --replicas=3 --dry-run=client -o yaml` for Deployments;
#   there is no `create daemonset`: generate a Deployment, change `kind`, drop `replicas` and `strategy`.
# - `kubectl create job ... -- cmd` and `kubectl create cronjob ... --schedule='...' -- cmd` take the command
#   after `--`; completions and parallelism are edited in the YAML.
# - `kubectl set image`, `kubectl scale`, `kubectl rollout status|history|undo|pause|resume|restart` cover
#   every Deployment task without an editor.
# - A Job's template is immutable: delete and recreate (`kubectl replace --force -f job.yaml`).
# - `kubectl explain statefulset.spec.volumeClaimTemplates` when you forget the shape.

# %%
sh("kubectl delete namespace demo-04 --wait=false", quiet=True)
