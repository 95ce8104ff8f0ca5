# %% [markdown]
# # 05 Probes: liveness, readiness and startup
#
# **Learning objectives.** After this notebook you can
#
# - say what each probe answers: **liveness** (restart it?), **readiness** (send it traffic?), **startup**
#   (has it finished starting?);
# - write probes with each mechanism: `exec`, `httpGet`, `tcpSocket` (and `grpc`);
# - tune `initialDelaySeconds`, `periodSeconds`, `timeoutSeconds`, `successThreshold` and
#   `failureThreshold`, and compute how long a failure takes to act;
# - connect readiness to a **Service's endpoints** and liveness to **restarts**;
# - debug a pod whose probes are wrong, from `kubectl describe` Events.
#
# The examples run live in the namespace `demo-05` (removed at the end). The three graded labs are checked
# from live state: restart counts, Ready conditions and EndpointSlices.

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

sh("kubectl delete namespace demo-05 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-05", quiet=True)

# %% [markdown]
# ## 1. Three questions the kubelet keeps asking
#
# A running process is not necessarily a working one: it may be deadlocked, or still loading its data.
# The **kubelet** on the Pod's node runs the probes you declare per container, for the container's whole
# life:
#
# | probe | question | when it fails | typical check |
# |---|---|---|---|
# | **liveness** | is it still working? | the container is **killed and restarted** (per `restartPolicy`) | a cheap `/healthz` of the process itself |
# | **readiness** | can it take requests now? | the Pod is marked **not Ready** and removed from Service endpoints; no restart | dependencies reachable, caches warm |
# | **startup** | has it finished starting? | after `failureThreshold x periodSeconds` the container is killed; liveness and readiness wait until it succeeds | the same as liveness, with a long budget |
#
# A container without a readiness probe counts as Ready once it runs. Never let liveness check a shared
# dependency (a database): when that fails, every replica restarts at once and fixes nothing.
#
# ```mermaid
# flowchart LR
#   start["container starts"] --> sp{"startup probe<br/>(if any) passed?"}
#   sp -- "not yet" --> sp
#   sp -- "yes" --> both["liveness and readiness run every periodSeconds"]
#   both -- "liveness fails failureThreshold times" --> restart["kill + restart (RESTARTS +1)"]
#   both -- "readiness fails" --> out["Ready=False: out of the Service's endpoints"]
#   out -- "readiness succeeds successThreshold times" --> in["Ready=True: back in"]
# ```

# %%
quiz("probes-19", "probes-01", "probes-02", "probes-11", "probes-26", "probes-16", "probes-18", "probes-23",
     "probes-15")

# %% [markdown]
# ## 2. Mechanisms and timing
#
# | mechanism | succeeds when |
# |---|---|
# | `exec: {command: [...]}` | the command exits 0 inside the container |
# | `httpGet: {path, port, scheme, httpHeaders}` | the answer's status is 200-399 |
# | `tcpSocket: {port}` | a TCP connection opens |
# | `grpc: {port}` | the gRPC health check answers SERVING |
#
# | field | default | meaning |
# |---|---|---|
# | `initialDelaySeconds` | 0 | wait this long after the container starts before the first probe |
# | `periodSeconds` | 10 | probe every N seconds |
# | `timeoutSeconds` | 1 | a probe that takes longer counts as failed |
# | `successThreshold` | 1 | successes in a row to count as passing again (must be 1 for liveness and startup) |
# | `failureThreshold` | 3 | failures in a row before acting |
#
# So with the defaults a liveness failure is detected after about `3 x 10 = 30` seconds, and a slow starter
# gets `failureThreshold x periodSeconds` of a startup probe before it is killed. The kill itself is a
# normal termination: SIGTERM, then up to `terminationGracePeriodSeconds` (30 s by default) before
# SIGKILL. A `sh -c` PID 1, as in the labs, ignores SIGTERM, so it takes the whole grace period
# (Kubernetes docs, "Pod Lifecycle: Termination of Pods"; the probe's own `terminationGracePeriodSeconds`
# overrides the Pod's for liveness and startup failures).
#
# The example runs `web-v1` with all three probes and shows how `kubectl describe` prints them.

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: probed
  labels:
    app: probed
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: web
    image: kubelab/web:v1
    startupProbe:
      tcpSocket:
        port: 80
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      httpGet:
        path: /healthz
        port: 80
      periodSeconds: 2
    readinessProbe:
      httpGet:
        path: /
        port: 80
      periodSeconds: 1
""", namespace="demo-05")
sh("kubectl wait -n demo-05 --for=condition=Ready pod/probed --timeout=60s")
sh("kubectl describe pod probed -n demo-05 | grep -E '^ +(Liveness|Readiness|Startup):'")

# %%
quiz("probes-03", "probes-04", "probes-05", "probes-12", "probes-20", "probes-07", "probes-08", "probes-09",
     "probes-10", "probes-21", "probes-06")

# %% [markdown]
# ## 3. Liveness and restarts
#
# The classic exercise: a container creates `/tmp/healthy`, deletes it a little later but keeps running,
# and an exec probe `cat /tmp/healthy` notices. `kubectl describe pod` then shows `Liveness probe failed:
# cat: can't open '/tmp/healthy'` and `Container ... failed liveness probe, will be restarted`, and
# `kubectl get pod` shows RESTARTS growing (with CrashLoopBackOff's growing delays in between).

# %%
quiz("probes-14", "probes-22", "probes-24")

# %% [markdown]
# ### Lab: an exec liveness probe restarts a container

# %%
lab_task("probes-liveness-restart", solve=SOLVE)

# %% [markdown]
# ## 4. Readiness and Service endpoints
#
# A Service sends traffic only to the **ready** endpoints of the Pods its selector picks. The EndpointSlice
# controller lists every matching Pod, each with a `ready` condition that follows the Pod's Ready condition:
#
# ```mermaid
# flowchart LR
#   svc["Service web"] --> es["EndpointSlice"]
#   es -->|"ready: true"| a["web-a (probe 200)"]
#   es -.->|"ready: false (no traffic)"| b["web-b (probe 404)"]
# ```
#
# This is also what makes rolling updates safe: a Deployment counts a new Pod as available only when it is
# Ready, so `maxUnavailable` is measured in ready Pods.

# %%
sh("kubectl expose pod probed -n demo-05 --port=80")
sh("kubectl get endpointslices -n demo-05 -l kubernetes.io/service-name=probed -o wide")

# %%
quiz("probes-17", "probes-25", "probes-13")

# %% [markdown]
# ### Lab: a readiness probe decides which pods get traffic

# %%
lab_task("probes-readiness-endpoints", solve=SOLVE)

# %% [markdown]
# ### Lab: repair broken probes
#
# A Deployment has been shipped with wrong probes. Read the Events, fix the Deployment, and prove that the
# new Pod is Ready and stays up.

# %%
lab_task("probes-repair", solve=SOLVE)

# %% [markdown]
# ## Exam tips
#
# - There is no imperative flag for probes: generate the Pod or Deployment with `--dry-run=client -o yaml`
#   and paste the probe; `kubectl explain pod.spec.containers.livenessProbe` lists every field.
# - Probes of a running Pod cannot be edited: change the Deployment (`kubectl edit deploy`), or
#   `kubectl replace --force -f pod.yaml` for a bare Pod.
# - `kubectl describe pod` (Events) tells which probe failed and why (status code, refused connection, exit code);
#   `kubectl get pod -w` shows READY and RESTARTS change live.
# - Compute the reaction time before you answer "how long until a restart": `initialDelaySeconds +
#   failureThreshold x periodSeconds` (plus up to `timeoutSeconds` per attempt) to notice, plus the kill:
#   up to `terminationGracePeriodSeconds` (30 s by default) when the process does not exit on SIGTERM.

# %%
sh("kubectl delete namespace demo-05 --wait=false", quiet=True)
