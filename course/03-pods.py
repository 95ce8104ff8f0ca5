# %% [markdown]
# # 03 Pods
#
# **Learning objectives.** After this notebook you can
#
# - explain why Kubernetes schedules **Pods**, not containers, and what the containers of one Pod share
#   (the pause container's network namespace, volumes, the node);
# - build multi-container Pods: **init containers**, and the **sidecar**, **proxy (ambassador)** and
#   **adapter** patterns;
# - read a Pod's **phase** and pick a `restartPolicy`;
# - set **requests and limits** and predict the **QoS class**;
# - set environment variables, and override an image's `ENTRYPOINT`/`CMD` with `command`/`args`;
# - use `postStart`/`preStop` hooks and explain **graceful deletion** (SIGTERM, grace period, SIGKILL);
# - select Pods by **labels**, work in **namespaces**, and debug with `exec`, `logs` and `describe`.
#
# The worked examples run live in the namespace `demo-03` (removed at the end). The four graded labs are
# checked from the live cluster: press **Check** under each task.

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
from kubelab.course.nb import apply, lab_task, quiz, sh

sh("kubectl delete namespace demo-03 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-03", quiet=True)

# %% [markdown]
# ## 1. Why Pods
#
# On a Linux host, the processes of one application rarely live alone: a web server, a log shipper and a
# config reloader form a **process group** that is started, stopped and placed together. A container is
# one process (tree); a **Pod** is Kubernetes' process group: one or more containers that are always
# scheduled **together, onto the same node**, as one unit.
#
# Why must the unit be the Pod and not the container? Say `app` needs 1 GiB of memory and its log
# collector 0.5 GiB, and a node has 1.25 GiB free. A container-by-container scheduler could place `app`
# there and then find no room for the collector on the same node. Scheduling the Pod with the **sum** of
# its requests avoids this co-scheduling problem without reserving resources in advance.
#
# What the containers of a Pod share:
#
# ```mermaid
# flowchart LR
#   subgraph pod["Pod (one IP: 10.244.1.7)"]
#     pause["pause container<br/>holds the network namespace"]
#     app["app :80"] -. joins .-> pause
#     side["sidecar"] -. joins .-> pause
#     vol[("emptyDir volume")]
#     app --- vol
#     side --- vol
#   end
# ```
#
# - **Network**: the kubelet first starts a tiny **pause** (infra) container that holds the Pod's network
#   namespace; the app containers join it. They share one IP and one port space, and reach each other on
#   `localhost`. Because the pause container outlives them, a restarted container keeps the Pod's IP.
# - **Volumes** declared in `spec.volumes` can be mounted by any of the containers, at any path.
# - **Node and lifecycle**: they run on the same node and live and die with the Pod.
#
# Each container keeps its own image, filesystem, process namespace (by default) and resource limits.
#
# Keep one container per Pod unless two are **tightly coupled** (they exchange files, talk over localhost,
# or must always run side by side). Independent tiers (web and database) belong in separate Pods so they
# can scale and fail separately.

# %% [markdown]
# The example starts two containers in one Pod: nginx, and a busybox shell. The shell reaches nginx on
# `localhost`: there is one network namespace.

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: duo
  labels:
    app: duo
    tier: demo
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: nginx:1.22.1
  - name: shell
    image: busybox:1.35.0
    command: ["sleep", "3600"]
""", namespace="demo-03")
sh("kubectl wait -n demo-03 --for=condition=Ready pod/duo --timeout=60s")
sh("kubectl exec -n demo-03 duo -c shell -- sh -c 'timeout 5 wget -qO- http://localhost/ | head -4'")
sh("kubectl get pod duo -n demo-03 -o wide")

# %%
quiz("pods-01", "pods-02", "pods-04", "pods-30", "pods-03")

# %% [markdown]
# ## 2. Multi-container patterns and init containers
#
# | pattern | what the extra container does | example |
# |---|---|---|
# | **sidecar** | extends the main container, usually through a shared volume | a log shipper reading the app's log directory; a git-sync filling a web root |
# | **proxy (ambassador)** | stands between the app and the outside world, reached on `localhost` | a local proxy that hides a sharded database or adds TLS |
# | **adapter** | turns the app's output into a standard form | exports the app's own metrics in Prometheus format |
# | **init container** | runs **to completion before** any app container starts | writes configuration, waits for a dependency, sets permissions |
#
# Init containers run one after another, each must exit 0, and a failing one is retried (per the Pod's
# `restartPolicy`); `kubectl get pod` shows `Init:0/1` meanwhile. They may use tools the app image does not
# ship.
#
# ```mermaid
# sequenceDiagram
#   participant K as kubelet
#   participant I as init container
#   participant A as app container
#   K->>I: start
#   I-->>K: exit 0 (file written)
#   K->>A: start (the file is there)
# ```

# %%
quiz("pods-16", "pods-17")

# %% [markdown]
# ### Lab: a sidecar and a web server sharing an emptyDir

# %%
lab_task("pods-sidecar-emptydir", solve=SOLVE)

# %% [markdown]
# ### Lab: an init container prepares a file

# %%
lab_task("pods-init-container", solve=SOLVE)

# %% [markdown]
# ## 3. Phases and restart policy
#
# ```mermaid
# stateDiagram-v2
#   [*] --> Pending: accepted by the API server
#   Pending --> Running: scheduled, images pulled, a container started
#   Running --> Succeeded: all containers exited 0 and will not restart
#   Running --> Failed: all exited, at least one with an error
#   Running --> Unknown: the node stopped reporting
# ```
#
# - **Pending**: accepted, but not yet running (waiting for a node, pulling images, running init containers).
# - **Running**: bound to a node, at least one container running (or restarting).
# - **Succeeded** / **Failed**: all containers have terminated, and none will be restarted.
# - **Unknown**: the kubelet cannot be asked (usually a lost node).
#
# `CrashLoopBackOff` is **not** a phase: it is a container's *waiting reason* (the kubelet waits longer
# and longer, up to 5 minutes, between restarts). `restartPolicy` (for all containers of the Pod) is
# `Always` (default; required for Deployments), `OnFailure` or `Never` (Jobs use the last two). The kubelet
# restarts containers **in place**: same Pod, same IP, RESTARTS + 1. A bare Pod is not recreated when its
# node dies: controllers do that (notebook 04).

# %%
sh("kubectl run once -n demo-03 --image=busybox:1.35.0 --restart=Never -- sh -c 'echo bye; exit 3'")
sh("kubectl wait -n demo-03 --for=jsonpath='{.status.phase}'=Failed pod/once --timeout=60s")
sh(r"""kubectl get pod once -n demo-03 -o jsonpath='{.status.phase} exit={.status.containerStatuses[0].state.terminated.exitCode}{"\n"}'""")

# %%
quiz("pods-05", "pods-06", "pods-07", "pods-14", "pods-27", "pods-22", "pods-23")

# %% [markdown]
# ## 4. Requests, limits and QoS classes
#
# A **request** is what the scheduler reserves on a node for the container; a **limit** is the ceiling
# the kernel enforces through the container's cgroup (notebook 02 §4): a CPU limit becomes a CFS quota
# (`500m` = half a CPU per period; `0.1` = `100m`) and is throttled, memory above the limit gets the
# container OOM-killed (reason `OOMKilled`, restarted per `restartPolicy`). From them
# Kubernetes derives the Pod's **QoS class**, which decides who is evicted first when a node runs short of
# memory:
#
# | class | rule | evicted |
# |---|---|---|
# | **Guaranteed** | every container has cpu **and** memory limits, and requests equal to them (left-out requests default to the limits) | last |
# | **Burstable** | at least one request or limit, but not Guaranteed | in between |
# | **BestEffort** | no requests or limits at all | first |
#
# The class is in `status.qosClass`. Since Kubernetes 1.33 (in-place Pod resize, beta and on by default)
# the cpu and memory requests and limits of a running Pod can be changed without recreating it, through
# the `resize` subresource: `kubectl patch pod NAME --subresource resize -p '{"spec":{"containers":[...]}}'`;
# `resizePolicy` says whether a container must restart for it. Only the **QoS class** cannot change: a
# resize that would move the Pod to another class is rejected (Kubernetes docs, "Resize CPU and Memory
# Resources assigned to Containers"). In the labs, delete and recreate is still the simple way.

# %%
sh(r"""kubectl run sized -n demo-03 --image=nginx:1.22.1 --dry-run=client -o yaml \
  | sed 's/resources: {}/resources: {requests: {cpu: 50m}, limits: {cpu: 100m, memory: 32Mi}}/' \
  | kubectl apply -f -""")
sh(r"""kubectl get pod sized -n demo-03 -o jsonpath='{.spec.containers[0].resources} -> {.status.qosClass}{"\n"}'""")

# %%
quiz("pods-29", "pods-24", "pods-32", "nscg-22", "nscg-23", "nscg-24")

# %% [markdown]
# ### Lab: a pod in the Guaranteed QoS class

# %%
lab_task("pods-guaranteed-qos", solve=SOLVE)

# %% [markdown]
# ## 5. Environment, command and args
#
# | image (Dockerfile) | Pod spec | effect |
# |---|---|---|
# | `ENTRYPOINT` | `command` | replaces the executable |
# | `CMD` | `args` | replaces its arguments |
#
# Set only `args` and the image's `ENTRYPOINT` runs with your arguments; set `command` and the image's
# `CMD` is ignored too. Environment variables come from `env` (literal `value`, or `valueFrom` a ConfigMap,
# Secret or the Pod's own fields through the downward API), and are fixed when the container starts.
#
# Which image runs is `image` plus `imagePullPolicy`: left out, it is `Always` for a `:latest` tag or no tag
# at all, and `IfNotPresent` for any other tag (Kubernetes docs, "Images: image pull policy").

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: env-demo
spec:
  restartPolicy: Never
  containers:
  - name: show
    image: busybox:1.35.0
    command: ["sh", "-c"]
    args: ['echo "GREETING=$GREETING on node $NODE"']
    env:
    - name: GREETING
      value: hello
    - name: NODE
      valueFrom:
        fieldRef:
          fieldPath: spec.nodeName
""", namespace="demo-03")
sh("kubectl wait -n demo-03 --for=jsonpath='{.status.phase}'=Succeeded pod/env-demo --timeout=60s")
sh("kubectl logs -n demo-03 env-demo")

# %%
quiz("pods-12", "pods-28", "pods-15", "pods-13")

# %% [markdown]
# ## 6. Lifecycle hooks and graceful deletion
#
# - **postStart** runs right after the container is created, *alongside* its entrypoint (not before it);
#   if it fails, the container is killed.
# - **preStop** runs when the container is asked to stop, before SIGTERM.
#
# ```mermaid
# sequenceDiagram
#   participant U as kubectl delete
#   participant A as API server
#   participant K as kubelet
#   participant C as container
#   U->>A: delete pod (grace period 30 s by default)
#   A-->>K: Pod is Terminating (removed from Service endpoints)
#   K->>C: run preStop hook
#   K->>C: SIGTERM to PID 1
#   Note over K,C: wait until the grace period ends
#   K->>C: SIGKILL if still running
# ```
#
# `terminationGracePeriodSeconds` covers the hook and the SIGTERM wait together. A process that ignores
# SIGTERM (a shell as PID 1, for example) always costs the full grace period; `exec` in the command makes
# the real program PID 1. `kubectl delete pod x --grace-period=0 --force` skips the wait (for stuck Pods).

# %% [markdown]
# `sleep` as PID 1 installs no SIGTERM handler, and the kernel does not apply the default action to PID 1:
# SIGTERM is ignored, so deleting the Pod takes the whole grace period (3 s here) and ends with SIGKILL.
# A Pod that has already finished (`once`) is deleted at once.

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: stubborn
spec:
  terminationGracePeriodSeconds: 3
  containers:
  - name: sleep
    image: busybox:1.35.0
    command: ["sleep", "3600"]
""", namespace="demo-03")
sh("kubectl wait -n demo-03 --for=condition=Ready pod/stubborn --timeout=60s")
sh("time kubectl delete pod stubborn -n demo-03")
sh("time kubectl delete pod once -n demo-03")

# %%
quiz("pods-18", "pods-19", "pods-31")

# %% [markdown]
# ### Lab: postStart and preStop hooks

# %%
lab_task("pods-poststart-hook", solve=SOLVE)

# %% [markdown]
# ## 7. Labels, selectors and namespaces; everyday debugging
#
# **Labels** are key/value pairs that identify objects; **selectors** pick objects by them (Services and
# controllers find their Pods this way). **Annotations** carry non-identifying data (tools' notes, change
# causes). **Namespaces** divide one cluster into named scopes: names are unique per namespace, and
# quotas and access rules apply per namespace. `-n NS` on every command, or set a default with
# `kubectl config set-context --current --namespace=NS`.

# %%
sh("kubectl label pod duo -n demo-03 release=stable")
sh("kubectl get pods -n demo-03 -l 'app=duo,release in (stable,canary)' --show-labels")
sh("kubectl logs -n demo-03 duo -c web --tail=3")
sh("kubectl describe pod duo -n demo-03 | sed -n '/^Events:/,$p'")

# %%
quiz("pods-25", "pods-08", "pods-09", "pods-10", "pods-11", "pods-20", "pods-21", "pods-26")

# %% [markdown]
# ## Exam tips
#
# - Generate, don't type: `kubectl run web --image=nginx --dry-run=client -o yaml > pod.yaml`, then edit.
#   `kubectl run ... --command -- sh -c '...'` sets `command`; without `--command` the words become `args`.
# - `kubectl explain pod.spec.containers.lifecycle.postStart` (and `--recursive`) beats searching the docs.
# - Most Pod fields are immutable: `kubectl replace --force -f pod.yaml` deletes and recreates in one step.
# - `export do="--dry-run=client -o yaml"` and `export now="--grace-period=0 --force"` save seconds per task.
# - `kubectl get pod x -o jsonpath='{.status.qosClass}'` and `kubectl describe pod` (Events) answer most
#   "why is it not running" questions; `kubectl logs --previous` shows a crashed container's last words.

# %%
sh("kubectl delete namespace demo-03 --wait=false", quiet=True)
