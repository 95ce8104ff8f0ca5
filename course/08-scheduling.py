# %% [markdown]
# # 08 Scheduling: where Pods run
#
# **Learning objectives.** After this notebook you can
#
# - describe what kube-scheduler does for each Pod: **filtering** the nodes that can run it, **scoring** the
#   rest, binding the Pod to the best one;
# - label nodes and steer Pods with `nodeSelector`, or bypass the scheduler with `nodeName`;
# - write node affinity, required and preferred, with the operators `In`, `NotIn`, `Exists`,
#   `DoesNotExist`, `Gt`, `Lt`;
# - keep Pods together or apart with pod affinity and anti-affinity and a `topologyKey`;
# - taint nodes (`NoSchedule`, `PreferNoSchedule`, `NoExecute` with `tolerationSeconds`) and let chosen Pods
#   tolerate the taints;
# - take a node out of service with `cordon` and `drain` (evictions) and bring it back with `uncordon`.
#
# The course cluster has one control-plane node (tainted `node-role.kubernetes.io/control-plane:NoSchedule`)
# and two workers. The labs change nodes (labels, taints, cordons); **Reset** undoes exactly that.
# Examples run in the namespace `demo-08` and never change a node.

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

sh("kubectl delete namespace demo-08 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-08", quiet=True)

# %% [markdown]
# ## 1. What the scheduler does
#
# The scheduler watches for Pods without `spec.nodeName`. For each one:
#
# ```mermaid
# flowchart LR
#   pod["Pending Pod<br/>(no nodeName)"] --> f{"Filtering<br/>resources requests fit?<br/>nodeSelector / affinity?<br/>taints tolerated?<br/>ports free? volumes reachable?"}
#   f -->|feasible nodes| s["Scoring<br/>preferred affinity, spreading,<br/>least allocated, image locality ..."]
#   f -->|none| p["stays Pending<br/>FailedScheduling event:<br/>0/3 nodes are available: ..."]
#   s --> b["Bind: spec.nodeName = best node"] --> k["kubelet on that node starts it"]
# ```
#
# Filtering uses **requests**, not actual usage. A Pod with `spec.nodeName` set never meets the scheduler,
# so `NoSchedule` taints do not keep it off the node (useful to debug, rarely what you want). The kubelet
# still runs its own admission: it re-checks resources (`OutOfcpu`, `OutOfmemory`), host ports,
# `nodeSelector` and required node affinity (the Pod fails with reason `NodeAffinity`) and `NoExecute`
# taints (Kubernetes docs, "Assigning Pods to Nodes: nodeName"). The `FailedScheduling` event lists why each node was filtered out.

# %%
sh("kubectl get nodes -L kubernetes.io/hostname")
sh("kubectl describe node kubelab-control-plane | grep -i taints")
sh("""kubectl run nowhere -n demo-08 --image=kubelab/web:v1 --overrides='{"spec": {"nodeSelector": {"disk": "none"}}}'""")
sh("sleep 2; kubectl get events -n demo-08 --field-selector reason=FailedScheduling -o custom-columns=MESSAGE:.message")

# %%
quiz("sched-01", "sched-05", "sched-31", "sched-26", "sched-27")

# %% [markdown]
# ## 2. Node labels, nodeSelector and node affinity
#
# Labels on nodes describe them (`disk=ssd`, `zone=a`; kubelet adds `kubernetes.io/hostname`,
# `kubernetes.io/os`, ...). `kubectl label node NODE disk=ssd` adds one, `--overwrite` changes it,
# `kubectl label node NODE disk-` removes it, `kubectl get nodes -L disk` shows it as a column.
#
# - **nodeSelector**: every listed label must match exactly. Simple, AND only.
# - **node affinity** (`spec.affinity.nodeAffinity`) is richer:
#   - `requiredDuringSchedulingIgnoredDuringExecution`: a hard filter. Several `nodeSelectorTerms` are
#     OR-ed; the `matchExpressions` inside one term are AND-ed. "IgnoredDuringExecution": a running Pod
#     stays when the node's labels change later.
#   - `preferredDuringSchedulingIgnoredDuringExecution`: `weight` 1-100 added to a node's score; a wish,
#     not a guarantee.
#   - operators `In`, `NotIn`, `Exists`, `DoesNotExist`, `Gt`, `Lt` (the last two compare integers).
#   `NotIn` and `DoesNotExist` give anti-affinity to nodes.

# %%
sh("""kubectl run affine -n demo-08 --image=kubelab/web:v1 --dry-run=client -o yaml --overrides='
{"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
  {"nodeSelectorTerms": [{"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd", "nvme"]}]}]}}}}}
' | sed -n '/affinity/,/containers/p'""")

# %%
quiz("sched-02", "sched-03", "sched-28", "sched-04", "sched-06", "sched-07", "sched-08", "sched-09", "sched-10", "sched-29")

# %%
lab_task("sched-node-selector", solve=SOLVE)

# %% [markdown]
# ## 3. Pod affinity and anti-affinity
#
# Inter-pod rules place a Pod relative to **other Pods** (selected by labels) instead of node labels. The
# `topologyKey` names a node label that defines "the same place": `kubernetes.io/hostname` means the same
# node, `topology.kubernetes.io/zone` the same zone.
#
# ```mermaid
# flowchart TB
#   subgraph w1["kubelab-worker (hostname=kubelab-worker)"]
#     a1["spread-1<br/>app=spread"]
#   end
#   subgraph w2["kubelab-worker2 (hostname=kubelab-worker2)"]
#     a2["spread-2<br/>app=spread"]
#   end
#   a3["spread-3<br/>Pending: every hostname<br/>already has an app=spread Pod"]
#   a3 -. required anti-affinity .-x w1
#   a3 -. required anti-affinity .-x w2
# ```
#
# - `podAffinity` (required or preferred): run where a matching Pod runs (a cache next to its app).
# - `podAntiAffinity`: never (required) or preferably not (preferred) share the topology domain with a
#   matching Pod: replicas on different nodes or zones. With required anti-affinity per hostname, a
#   Deployment can have at most as many ready replicas as there are eligible nodes.
# - `topologySpreadConstraints` (`maxSkew`) is the finer tool for even spreading.

# %%
quiz("sched-11", "sched-12")

# %%
lab_task("sched-anti-affinity", solve=SOLVE)

# %% [markdown]
# ## 4. Taints and tolerations
#
# Affinity attracts Pods to nodes; a **taint** repels them. A node taint `key=value:effect` keeps away every
# Pod that does not carry a matching **toleration**:
#
# | effect | new Pods without toleration | running Pods without toleration |
# |---|---|---|
# | `NoSchedule` | not scheduled | stay |
# | `PreferNoSchedule` | avoided if possible | stay |
# | `NoExecute` | not scheduled | evicted (at once, or after `tolerationSeconds` if they tolerate it for a while) |
#
# A toleration matches with `operator: Equal` (key, value and effect equal) or `operator: Exists` (any value;
# with no key, it tolerates every taint). A toleration only *allows* a node: to dedicate a node, combine a
# taint (keeps others out) with a label and a nodeSelector or affinity (brings the chosen Pods in). The
# node controller itself taints unhealthy nodes (`node.kubernetes.io/not-ready:NoExecute`), and Pods get a
# default 300 s toleration for it: that is why Pods leave a dead node after five minutes.
#
# ```text
# kubectl taint node kubelab-worker2 dedicated=gpu:NoSchedule     # add
# kubectl taint node kubelab-worker2 dedicated-                   # remove (every effect of the key)
# tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
# ```

# %%
quiz("sched-13", "sched-14", "sched-15", "sched-16", "sched-17", "sched-18", "sched-19", "sched-20", "sched-21")

# %%
lab_task("sched-taint", solve=SOLVE)

# %% [markdown]
# ## 5. Cordon, drain, uncordon
#
# ```mermaid
# stateDiagram-v2
#   [*] --> Schedulable: STATUS Ready
#   Schedulable --> Cordoned: kubectl cordon<br/>(spec.unschedulable=true)
#   Cordoned --> Drained: kubectl drain<br/>(cordon + evict every Pod)
#   Schedulable --> Drained: kubectl drain
#   Drained --> Schedulable: kubectl uncordon
#   Cordoned --> Schedulable: kubectl uncordon
# ```
#
# - `kubectl cordon NODE` only stops new Pods from being scheduled there. The node stays **Ready**:
#   `kubectl get nodes` shows `Ready,SchedulingDisabled` (cordoned and drained alike). Ready is the
#   kubelet's health condition; schedulable is `spec.unschedulable`, and the two are independent.
# - `kubectl drain NODE` cordons, then **evicts** the Pods through the Eviction API, which respects
#   PodDisruptionBudgets. Controllers re-create the evicted Pods on other nodes. Flags you will need:
#   `--ignore-daemonsets` (DaemonSet Pods would come straight back, so drain refuses without it),
#   `--delete-emptydir-data` (their emptyDir data is lost), `--force` (delete Pods no controller manages:
#   they are gone for good).
# - `kubectl uncordon NODE` makes it schedulable again. Nothing moves back by itself: only new Pods use it.
# - `--pod-selector` limits the eviction to matching Pods. The lab below uses it because the other labs of
#   this notebook keep their Pods on the same node; in the exam you drain the whole node.

# %%
quiz("sched-22", "sched-23", "sched-24", "sched-25", "sched-30")

# %%
lab_task("sched-drain", solve=SOLVE)

# %% [markdown]
# ## 6. Exam tips
#
# - Start Pods with `kubectl run NAME --image=IMG --dry-run=client -o yaml > pod.yaml` and add `nodeSelector`,
#   `affinity` or `tolerations`; `kubectl create deployment NAME --image=IMG --replicas=2 --dry-run=client -o yaml`
#   for Deployments.
# - `kubectl explain pod.spec.affinity.podAntiAffinity --recursive` prints the whole field tree: copy the
#   long names from there instead of typing them.
# - A Pending Pod: `kubectl describe pod` -> `FailedScheduling` says per node why (selector, taint, resources).
# - `kubectl get pods -o wide` (NODE column), `kubectl get nodes -L disk`,
#   `kubectl describe node NODE | grep -i taint`.
# - Before a drain, check for bare Pods and PodDisruptionBudgets; after maintenance, do not forget
#   `kubectl uncordon`.

# %%
sh("kubectl delete namespace demo-08 --wait=false", quiet=True)
