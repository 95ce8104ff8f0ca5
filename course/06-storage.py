# %% [markdown]
# # 06 Storage: volumes, PersistentVolumes and StorageClasses
#
# **Learning objectives.** After this notebook you can
#
# - choose between a Pod's own volumes (`emptyDir`, `hostPath`) and persistent storage, and say how
#   long the data of each lives;
# - keep an `emptyDir` in RAM (`medium: Memory`) and cap it (`sizeLimit`);
# - pick the right `hostPath` **type** and recognise the failure when it is wrong;
# - write a PersistentVolume (capacity, access modes, reclaim policy, class) and a claim that binds
#   to it by `storageClassName` or `volumeName`, and read why a claim stays `Pending`;
# - use dynamic provisioning through the **default StorageClass**, and explain
#   `WaitForFirstConsumer` and a StatefulSet's `volumeClaimTemplates`.
#
# The examples run live on the course cluster in the namespace `demo-06` (removed at the end). The three
# graded labs are checked from live state: the node's disk, the claim's binding, files in the container.

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

sh("kubectl delete namespace demo-06 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-06", quiet=True)

# %% [markdown]
# ## 1. Where data lives
#
# A container's own filesystem is a thin writable layer that disappears with the container: a restart
# starts from the image again. **Volumes** are declared once at Pod level (`spec.volumes`) and mounted by
# each container that needs them (`volumeMounts`), possibly at different paths.
#
# ```mermaid
# flowchart LR
#   subgraph pod["Pod"]
#     c1["container app<br/>/var/log/app"] --- v1[("emptyDir<br/>lives with the Pod")]
#     c2["container sidecar<br/>/logs"] --- v1
#     c1 --- v2[("hostPath<br/>lives with the node")]
#     c1 --- v3[("persistentVolumeClaim<br/>lives with the claim")]
#   end
#   v3 --> pv[("PersistentVolume<br/>NFS, cloud disk, local path")]
# ```
#
# | volume | created | deleted | typical use |
# |---|---|---|---|
# | `emptyDir` | when the Pod is bound to a node, empty | when the Pod leaves the node (container restarts keep it) | scratch space, files shared between containers |
# | `emptyDir: {medium: Memory}` | the same, as a tmpfs in RAM | the same; counts against the memory limit | fast caches, data that must not touch disk |
# | `hostPath` | already on the node (or created, by type) | never by Kubernetes | node agents (logs, sockets), labs; risky for apps |
# | `persistentVolumeClaim` | by an admin (static) or a provisioner (dynamic) | per the PV's reclaim policy | databases, anything that must outlive Pods |
#
# `sizeLimit` caps an emptyDir, in two different ways. On disk (the default medium) the kubelet measures
# the volume and **evicts the Pod** once it holds more than `sizeLimit`. With `medium: Memory` the volume
# is a tmpfs whose size is min(`sizeLimit`, the Pod's memory limit): writes past it fail with `ENOSPC`
# ("No space left on device") and the Pod is not evicted for it; what it holds counts as the container's
# memory (Kubernetes docs, "Volumes: emptyDir" and "Node-pressure Eviction").
#
# The example below runs two containers that share one emptyDir, plus a RAM-backed one: the reader sees
# the writer's file, and `/proc/mounts` shows which volume is a `tmpfs`.

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: shared
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: writer
    image: busybox:1.35.0
    command: ["sh", "-c", "date > /out/stamp; sleep 3600"]
    volumeMounts:
    - name: scratch
      mountPath: /out
  - name: reader
    image: busybox:1.35.0
    command: ["sleep", "3600"]
    volumeMounts:
    - name: scratch
      mountPath: /in
    - name: ram
      mountPath: /ram
  volumes:
  - name: scratch
    emptyDir: {}
  - name: ram
    emptyDir:
      medium: Memory
      sizeLimit: 16Mi
""", namespace="demo-06")
sh("kubectl wait -n demo-06 --for=condition=Ready pod/shared --timeout=60s")
sh("sleep 1; kubectl exec -n demo-06 shared -c reader -- cat /in/stamp")      # written by the other container
sh("kubectl exec -n demo-06 shared -c reader -- grep -E ' /(in|ram) ' /proc/mounts")   # disk vs tmpfs

# %%
quiz("storage-01", "storage-02", "storage-03", "storage-25", "storage-28")

# %% [markdown]
# ## 2. hostPath and its types
#
# A `hostPath` volume mounts a file or directory of the **node** into the Pod. The data stays on that
# node, so a Pod that moves to another node finds other data: pin such Pods (`nodeSelector` on
# `kubernetes.io/hostname`, or `nodeName`). The `type` field is a check the kubelet runs before mounting:
#
# | type | the path must be | if it is missing |
# |---|---|---|
# | `""` (default) | anything | no check; a directory is created |
# | `DirectoryOrCreate` | a directory | created empty, mode 0755 |
# | `Directory` | an existing directory | the Pod hangs in `ContainerCreating` (FailedMount event) |
# | `FileOrCreate` | a file | created empty, mode 0644 (its parent must exist) |
# | `File` | an existing file | FailedMount |
# | `Socket`, `CharDevice`, `BlockDevice` | an existing socket / device | FailedMount |
#
# hostPath hands the node's files to the container's user (often root): that is why production
# clusters forbid it for applications (Pod Security level `baseline`). On this course cluster the nodes
# are Docker containers, so `docker exec kubelab-worker ls /kubelab` shows a node's disk.

# %%
quiz("storage-04", "storage-05", "storage-06")

# %%
lab_task("storage-hostpath", solve=SOLVE)

# %% [markdown]
# ## 3. PersistentVolumes and claims
#
# Storage is split into two objects so that developers do not need to know the backend:
#
# ```mermaid
# flowchart LR
#   admin(["administrator"]) -->|creates| pv[("PersistentVolume<br/>cluster-scoped<br/>1Gi, RWO, Retain, class manual")]
#   dev(["developer"]) -->|creates| pvc["PersistentVolumeClaim<br/>namespaced<br/>500Mi, RWO, class manual"]
#   pvc -. "binds 1:1<br/>(class, access mode, size >= request)" .-> pv
#   pod["Pod"] -->|claimName| pvc
# ```
#
# - **capacity** and **accessModes**: `ReadWriteOnce` (one *node* may mount it read-write; several Pods on
#   that node may share it), `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod` (exactly one Pod).
# - **persistentVolumeReclaimPolicy**: what happens when the claim is deleted. `Retain` keeps the PV and its
#   data (phase `Released`; an admin cleans up and re-creates it); `Delete` removes the PV and the backing
#   storage (the default for dynamically provisioned volumes). `Recycle` is deprecated.
# - **Binding**: the control plane binds a claim to a PV with the same `storageClassName`, a matching access
#   mode and at least the requested size; `spec.volumeName` on the claim asks for one PV by name.
#   The binding is exclusive: a 10Gi PV bound to a 500Mi claim is used up.
# - Phases: PV `Available` -> `Bound` -> `Released` (or `Failed`); a claim is `Pending` until bound.
#
# A claim **without** `storageClassName` gets the default class written into it when it is created, so it
# will not bind to your hand-made `manual` PV: it waits for (or triggers) a dynamically provisioned one.
# `storageClassName: ""` asks explicitly for a PV without a class. The server-side dry run below shows
# admission filling in the class.

# %%
sh("kubectl explain pv.spec.persistentVolumeReclaimPolicy | head -12")
apply("""
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: probe
spec:
  accessModes: ["ReadWriteOnce"]
  resources:
    requests:
      storage: 1Mi
""", namespace="demo-06", verb="create", args="--dry-run=server -o yaml", pipe="grep storageClassName")

# %%
quiz("storage-07", "storage-08", "storage-09", "storage-10", "storage-11", "storage-12", "storage-13",
     "storage-19", "storage-26")

# %%
lab_task("storage-static-pv", solve=SOLVE)

# %% [markdown]
# ## 4. StorageClasses and dynamic provisioning
#
# A **StorageClass** names a provisioner and its parameters. A claim that names the class (or none, when
# the class is the default) makes the provisioner create a fitting PV on demand:
#
# ```mermaid
# sequenceDiagram
#   participant U as kubectl
#   participant API as API server
#   participant S as scheduler
#   participant P as provisioner (local-path)
#   U->>API: PVC data (no class)
#   API-->>API: admission sets storageClassName: standard
#   Note over API: WaitForFirstConsumer: the PVC stays Pending
#   U->>API: Pod using claim data
#   S->>API: Pod -> kubelab-worker (the PVC learns the node)
#   P->>API: PV pvc-1234 on kubelab-worker, Bound
# ```
#
# - The **default class** carries the annotation `storageclass.kubernetes.io/is-default-class: "true"`
#   (`kubectl get sc` shows `(default)`).
# - `volumeBindingMode: WaitForFirstConsumer` delays provisioning until a Pod uses the claim, so that the
#   volume is created where the Pod is scheduled (essential for node-local storage); `Immediate` binds at once.
# - The class's `reclaimPolicy` (default `Delete`) is copied into its PVs; `allowVolumeExpansion: true`
#   lets you grow a claim by editing its request.
# - A **StatefulSet**'s `volumeClaimTemplates` creates one claim per replica (`data-web-0`, `data-web-1`, ...);
#   the claims are kept when the StatefulSet is scaled down or deleted, so a re-created `web-0` finds its
#   data again.

# %%
sh("kubectl get storageclass")
sh(r"""kubectl get storageclass standard -o jsonpath='{.volumeBindingMode} {.reclaimPolicy}{"\n"}'""")

# %%
quiz("storage-14", "storage-15", "storage-16", "storage-17", "storage-18", "storage-20", "storage-21",
     "storage-22", "storage-23", "storage-24", "storage-27")

# %%
lab_task("storage-dynamic-pvc", solve=SOLVE)

# %% [markdown]
# ## 5. Exam tips
#
# - There is no `kubectl create pv` or `create pvc`: copy a manifest from the docs (search
#   "PersistentVolume"), or start the Pod from `kubectl run x --image=busybox --dry-run=client -o yaml`
#   and add `volumes`.
# - `kubectl explain pod.spec.volumes.hostPath` and `kubectl explain pv.spec --recursive` answer
#   field-name doubts faster than the docs.
# - A claim stuck in `Pending`: `kubectl describe pvc` (Events), then compare class, access mode and size
#   with `kubectl get pv`. With `WaitForFirstConsumer`, `Pending` is normal until a Pod uses the claim.
# - A Pod stuck in `ContainerCreating`: `kubectl describe pod` shows `FailedMount` (a wrong hostPath type,
#   a missing ConfigMap, Secret or claim).
# - `kubectl get pv,pvc,sc` in one command; `-o wide` on Pods shows the node a hostPath lives on.

# %%
sh("kubectl delete namespace demo-06 --wait=false", quiet=True)
