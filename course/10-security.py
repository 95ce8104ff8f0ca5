# %% [markdown]
# # 10 Security: identities, permissions and what a Pod may do
#
# **Learning objectives.** After this notebook you can
#
# - follow a request through the API server: authentication, authorization (RBAC), admission;
# - give a workload its own **ServiceAccount**, say how its token reaches the Pod (a projected, expiring
#   token) and switch that off with `automountServiceAccountToken: false`;
# - grant exactly what is needed with **Role/ClusterRole** and **RoleBinding/ClusterRoleBinding**, and prove
#   it with `kubectl auth can-i --as system:serviceaccount:NS:NAME`;
# - lock a container down with **securityContext** (`runAsUser`/`runAsNonRoot`, `readOnlyRootFilesystem`,
#   `capabilities`, `allowPrivilegeEscalation`, `seccompProfile: RuntimeDefault`) and read the result in
#   `/proc/1/status`;
# - make a namespace refuse unsafe Pods with **Pod Security Admission** labels (enforce, audit, warn);
# - cap a namespace with a **ResourceQuota** and size containers by default with a **LimitRange**.
#
# The examples run live in the namespace `demo-10` (removed at the end). The labs are graded by what the
# cluster does: what the API server allows a ServiceAccount (SubjectAccessReview and its own token), what
# the running process is (uid, capabilities, mounts) and what admission lets in (server-side dry runs).
# No check ever prints a token.

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

sh("kubectl delete namespace demo-10 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-10", quiet=True)

# %% [markdown]
# ## 1. Three gates in front of every request
#
# Every `kubectl` command, every controller and every Pod that talks to the cluster sends HTTPS requests to
# the API server, and each request passes three gates in order. A refusal at any gate ends it there.
#
# ```mermaid
# flowchart LR
#   c["client<br/>(kubectl, controller, Pod)"] --> authn["1. authentication<br/>who is it?<br/>certificate, bearer token"]
#   authn --> authz["2. authorization (RBAC)<br/>may this user do VERB on RESOURCE<br/>in this namespace?"]
#   authz --> adm["3. admission<br/>LimitRanger, ResourceQuota,<br/>PodSecurity, webhooks:<br/>change or refuse the object"]
#   adm --> etcd[("etcd")]
# ```
#
# - **Authentication** turns the request into a user name and groups. People come with client certificates
#   or OIDC tokens; workloads come as **ServiceAccounts**, whose user name is
#   `system:serviceaccount:NAMESPACE:NAME` (groups `system:serviceaccounts` and
#   `system:serviceaccounts:NAMESPACE`).
# - **Authorization** asks RBAC: is there a binding that gives this user (or one of its groups) a rule
#   allowing the verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`) on the resource? Rules
#   only allow; nothing is allowed by default.
# - **Admission** sees the object itself. Mutating plugins fill in defaults (LimitRanger adds resources);
#   validating ones refuse (ResourceQuota when the namespace is full, PodSecurity when the Pod breaks the
#   namespace's level). A server-side dry run (`--dry-run=server`) goes through all three gates and stores
#   nothing: the cheapest way to ask "would this be admitted?".

# %%
sh("kubectl auth whoami")
sh("kubectl auth can-i create pods -n demo-10")

# %%
quiz("sec-01", "sec-26")

# %% [markdown]
# ## 2. ServiceAccounts and their tokens
#
# A Pod runs as a ServiceAccount of its namespace: the one named in `spec.serviceAccountName`, or `default`
# (every namespace gets one, with no permissions). The kubelet mounts a **projected volume** at
# `/var/run/secrets/kubernetes.io/serviceaccount` with three files: `token`, `ca.crt` and `namespace`.
#
# | | today (1.22+) | before |
# |---|---|---|
# | where the token comes from | the TokenRequest API, through the projected volume | a Secret of type `kubernetes.io/service-account-token` made for every ServiceAccount |
# | lifetime | expires (about an hour) and is renewed by the kubelet; bound to the Pod, dies with it | forever, until the Secret is deleted |
# | by hand | `kubectl create token NAME --duration=10m` (printed once, stored nowhere) | reading the Secret |
#
# A Pod that never calls the API should not carry a credential: `automountServiceAccountToken: false` (on
# the Pod or on the ServiceAccount; the Pod wins) mounts nothing. The example runs two Pods under the same
# ServiceAccount, one with the token and one without.

# %%
sh("kubectl create serviceaccount app -n demo-10")
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: with-token
spec:
  serviceAccountName: app
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: busybox:1.35.0
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Pod
metadata:
  name: without-token
spec:
  serviceAccountName: app
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: busybox:1.35.0
    command: ["sleep", "3600"]
""", namespace="demo-10")
sh("kubectl wait -n demo-10 --for=condition=Ready pod/with-token pod/without-token --timeout=90s")
sh("kubectl get pod with-token -n demo-10 -o jsonpath='{.spec.volumes[0].projected.sources[0]}'; echo")
sh("kubectl exec -n demo-10 with-token -- ls /var/run/secrets/kubernetes.io/serviceaccount")
sh("kubectl exec -n demo-10 without-token -- ls /var/run/secrets/kubernetes.io/serviceaccount", check=False)
sh("kubectl create token app -n demo-10 --duration=10m | wc -c")
print("a token is a credential: the example counts its characters instead of printing it")

# %%
quiz("sec-07", "sec-08", "sec-09", "sec-10")

# %% [markdown]
# ## 3. RBAC: rules, and bindings that give them to someone
#
# ```mermaid
# flowchart LR
#   subgraph rules["what (rules: apiGroups, resources, verbs)"]
#     r["Role<br/>(one namespace)"]
#     cr["ClusterRole<br/>(no namespace)"]
#   end
#   subgraph who["to whom, where"]
#     rb["RoleBinding<br/>grants in its namespace"]
#     crb["ClusterRoleBinding<br/>grants everywhere"]
#   end
#   r --> rb
#   cr --> rb
#   cr --> crb
#   rb --> s["subjects: User, Group,<br/>ServiceAccount (name + namespace)"]
#   crb --> s
# ```
#
# - **The binding decides the scope.** A RoleBinding grants the rules of the Role *or ClusterRole* it names
#   inside its own namespace only; a ClusterRoleBinding grants a ClusterRole in every namespace (and on
#   cluster-scoped resources such as nodes). Reusing one ClusterRole through RoleBindings in many
#   namespaces is the normal pattern; the built-in ones are `view`, `edit`, `admin`, `cluster-admin`.
# - Resources are plural and belong to an API group: pods are in the core group `""`, deployments in
#   `apps`. Subresources are written `pods/log`, `pods/exec`, `deployments/scale`.
# - **No escalation.** You cannot create a Role that grants more than you hold, nor bind one you do not
#   hold, unless you have the `escalate` or `bind` verb.
#
# | command | makes |
# |---|---|
# | `kubectl create role pod-reader --verb=get,list,watch --resource=pods -n NS` | a Role |
# | `kubectl create clusterrole node-reader --verb=get,list --resource=nodes` | a ClusterRole |
# | `kubectl create rolebinding NAME --role=pod-reader --serviceaccount=NS:SA -n NS` | a RoleBinding (`--clusterrole=` for a ClusterRole, `--user=`, `--group=`) |
# | `kubectl create clusterrolebinding NAME --clusterrole=... --user=...` | a ClusterRoleBinding |
# | `kubectl auth can-i VERB RESOURCE -n NS --as system:serviceaccount:NS:SA` | asks; `--list` shows all |
#
# The example gives the ServiceAccount `app` the right to read pods, asks `can-i`, and then uses the token
# the kubelet mounted in `with-token` from inside the Pod: the same identity, now allowed to list and still
# refused a delete.

# %%
sh("kubectl create role pod-reader -n demo-10 --verb=get,list,watch --resource=pods")
sh("kubectl create rolebinding app-reads-pods -n demo-10 --role=pod-reader --serviceaccount=demo-10:app")
sh("kubectl auth can-i list pods -n demo-10 --as system:serviceaccount:demo-10:app")
sh("kubectl auth can-i delete pods -n demo-10 --as system:serviceaccount:demo-10:app", check=False)
sh("kubectl auth can-i list pods -n default --as system:serviceaccount:demo-10:app", check=False)
sh(r"""kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' \
  | base64 -d > /tmp/demo-10-ca.crt""")
print("kubectl speaking with the ServiceAccount's token only (no kubeconfig user), as a client inside the Pod would:")
sh(r"""kubectl get pods -n demo-10 -o name --kubeconfig=/dev/null --certificate-authority=/tmp/demo-10-ca.crt \
  --server="$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" \
  --token="$(kubectl create token app -n demo-10 --duration=10m)" """)
sh(r"""kubectl delete pod without-token -n demo-10 --dry-run=server --kubeconfig=/dev/null \
  --certificate-authority=/tmp/demo-10-ca.crt --server="$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')" \
  --token="$(kubectl create token app -n demo-10 --duration=10m)" """, check=False)

# %%
quiz("sec-02", "sec-03", "sec-04", "sec-05", "sec-06", "sec-11", "sec-12", "sec-28")

# %%
lab_task("rbac-pod-reader", solve=SOLVE)

# %% [markdown]
# ## 4. securityContext: what the process in the container may do
#
# By default a container runs as the image's user (often root), on a writable root filesystem, with the
# runtime's default capabilities (CHOWN, NET_BIND_SERVICE, SETUID, ...), free to gain privileges through
# setuid programs, and without a seccomp filter. Each line of the securityContext closes one of those:
#
# | field | level | what the kernel then shows |
# |---|---|---|
# | `runAsUser: 1000` (and `runAsGroup`) | Pod or container | `Uid: 1000 ...` in `/proc/1/status`; `id -u` prints 1000 |
# | `runAsNonRoot: true` | Pod or container | a *check*: the kubelet refuses to start a container that would run as uid 0 |
# | `readOnlyRootFilesystem: true` | container | `/` mounted `ro` (`/proc/1/mounts`); write to an `emptyDir` instead |
# | `capabilities: {drop: [ALL], add: [...]}` | container | `CapBnd`/`CapEff` 0 (or only what was added) |
# | `allowPrivilegeEscalation: false` | container | `NoNewPrivs: 1`: setuid binaries gain nothing |
# | `seccompProfile: {type: RuntimeDefault}` | Pod or container | `Seccomp: 2` (a filter); without it the kubelet runs containers `Unconfined` |
# | `privileged: true` | container | every capability and the host's devices: the opposite of all of the above |
#
# A container's own setting overrides the Pod's. The example starts one locked-down Pod and reads what
# the kernel applied.

# %%
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: locked
spec:
  terminationGracePeriodSeconds: 0
  securityContext:
    runAsUser: 1000
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: main
    image: busybox:1.35.0
    command: ["sleep", "3600"]
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
      capabilities:
        drop: ["ALL"]
    volumeMounts:
    - name: scratch
      mountPath: /tmp
  volumes:
  - name: scratch
    emptyDir: {}
""", namespace="demo-10")
sh("kubectl wait -n demo-10 --for=condition=Ready pod/locked --timeout=90s")
sh(r"""kubectl exec -n demo-10 locked -- sh -c 'id; grep -E "^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/1/status'""")
sh(r"""kubectl exec -n demo-10 locked -- sh -c 'grep " / " /proc/1/mounts; touch /tmp/ok && echo /tmp is writable'""")
sh(r"""kubectl exec -n demo-10 with-token -- sh -c 'id -u; grep -E "^(CapBnd|NoNewPrivs|Seccomp):" /proc/1/status'""")
print("the default Pod above: uid 0, the runtime's capability set, no_new_privs off, no seccomp filter")

# %%
quiz("sec-13", "sec-14", "sec-15", "sec-16", "sec-17", "sec-27")

# %%
lab_task("sec-hardened-pod", solve=SOLVE)

# %% [markdown]
# ## 5. Pod Security Admission: a namespace's minimum standard
#
# The PodSecurity admission plugin (built in, on by default) compares every Pod with one of three
# **Pod Security Standards** chosen per namespace by labels:
#
# | level | forbids | still allows |
# |---|---|---|
# | `privileged` | nothing | everything |
# | `baseline` | privileged containers, host namespaces (`hostNetwork`, `hostPID`, `hostIPC`), `hostPath`, host ports, capabilities beyond the default set | running as root |
# | `restricted` | all of baseline, and requires `runAsNonRoot: true`, `allowPrivilegeEscalation: false`, `capabilities.drop: [ALL]` (only `NET_BIND_SERVICE` may be added), `seccompProfile` RuntimeDefault or Localhost, only safe volume types | |
#
# Labels `pod-security.kubernetes.io/MODE=LEVEL`, with MODE one of:
#
# ```mermaid
# flowchart LR
#   pod["new Pod"] --> e{"enforce=LEVEL"}
#   e -->|breaks LEVEL| refused["refused (Forbidden)"]
#   e -->|meets it| ok["created"]
#   pod -.-> w["warn=LEVEL: warning to the client"]
#   pod -.-> a["audit=LEVEL: note in the audit log"]
# ```
#
# `MODE-version: v1.34` pins the rules to a release (`latest` by default). Enforce acts when a Pod is
# created: Pods already running stay (the `kubectl label` command warns about them), and for
# Deployments only warn and audit apply to the template, so the ReplicaSet's Pod creations are what get
# refused (`kubectl describe rs`). The example asks the API server, by server-side dry runs, what it would
# admit in `demo-10` at level restricted.

# %%
sh("kubectl label namespace demo-10 pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted")
sh("kubectl run probe -n demo-10 --image=busybox:1.35.0 --dry-run=server -- sleep 5", check=False)
sh(r"""kubectl run probe -n demo-10 --image=busybox:1.35.0 --dry-run=server -o name --overrides='{"apiVersion": "v1",
  "spec": {"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
  "containers": [{"name": "probe", "image": "busybox:1.35.0", "command": ["sleep", "5"],
  "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}]}}'""")
sh("kubectl get pods -n demo-10")
print("with-token and without-token run as root and still run: enforce judges new Pods only")

# %%
quiz("sec-18", "sec-19", "sec-20", "sec-21")

# %%
lab_task("psa-restricted", solve=SOLVE)

# %% [markdown]
# ## 6. ResourceQuota and LimitRange: sharing a namespace fairly
#
# Both are admission plugins with a namespaced object each; they act when something is created.
#
# | | ResourceQuota | LimitRange |
# |---|---|---|
# | limits | the **namespace's total**: object counts (`pods`, `services`, `count/deployments.apps`) and sums (`requests.cpu`, `limits.memory`, `requests.storage`) | **each container** (or Pod, or claim): `min`, `max`, `maxLimitRequestRatio` |
# | also | refuses what would exceed `hard` (`exceeded quota`); `kubectl describe quota` shows used/hard | fills in missing values: `default` (limits) and `defaultRequest` (requests) |
# | note | a quota on `requests.cpu` refuses Pods that state no cpu request | a LimitRange's defaults are how such Pods get one |
#
# ```mermaid
# flowchart LR
#   p["Pod without resources"] --> lr["LimitRanger<br/>adds defaultRequest / default"]
#   lr --> rq["ResourceQuota<br/>used + this Pod &lt;= hard?"]
#   rq -->|yes| ok["created, counted"]
#   rq -->|no| no["refused: exceeded quota"]
# ```
#
# A ReplicaSet whose Pods exceed a quota shows `FailedCreate` events; the missing replicas never appear as
# Pods. The example takes the Pod Security labels of section 5 off `demo-10` (so that only the quota and the
# limits decide), sets a quota of 4 pods (three run already) and a LimitRange with defaults, and looks at
# what admission does with the next Pods.

# %%
sh("kubectl label namespace demo-10 pod-security.kubernetes.io/enforce- pod-security.kubernetes.io/warn-")
sh("kubectl create quota demo-pods -n demo-10 --hard=pods=4")
apply("""
apiVersion: v1
kind: LimitRange
metadata:
  name: sizes
spec:
  limits:
  - type: Container
    defaultRequest:
      cpu: 50m
      memory: 32Mi
    default:
      cpu: 100m
      memory: 64Mi
    max:
      memory: 128Mi
""", namespace="demo-10")
sh("kubectl describe quota demo-pods -n demo-10")
sh("kubectl run sized -n demo-10 --image=busybox:1.35.0 --dry-run=server -o jsonpath='{.spec.containers[0].resources}' -- sleep 5; echo")
sh(r"""kubectl run big -n demo-10 --image=busybox:1.35.0 --dry-run=server --overrides='{"apiVersion": "v1",
  "spec": {"containers": [{"name": "big", "image": "busybox:1.35.0", "command": ["sleep", "5"],
  "resources": {"limits": {"memory": "256Mi"}}}]}}'""", check=False)
sh("kubectl create quota demo-pods-tight -n demo-10 --hard=pods=3")
sh("sleep 2; kubectl run fourth -n demo-10 --image=busybox:1.35.0 --dry-run=server -- sleep 5", check=False)

# %%
quiz("sec-22", "sec-23", "sec-24", "sec-25")

# %%
lab_task("quota-pods", solve=SOLVE)

# %%
lab_task("quota-limitrange", solve=SOLVE)

# %% [markdown]
# ## 7. Exam tips
#
# - Imperative RBAC is fast and exact: `kubectl create sa`, `create role --verb=... --resource=...`,
#   `create rolebinding --role|--clusterrole --serviceaccount=NS:NAME`. Verify every time with
#   `kubectl auth can-i VERB RESOURCE -n NS --as system:serviceaccount:NS:NAME` (and `--list`).
# - "Only in this namespace" means a RoleBinding, even when the task hands you a ClusterRole.
# - A Pod whose ServiceAccount you must change: `serviceAccountName` cannot be edited on a running Pod;
#   export it (`kubectl get pod X -o yaml`), edit, delete and re-create, or set it on the Deployment
#   (`kubectl set serviceaccount deploy/X NAME`).
# - securityContext fields live at two levels: `kubectl explain pod.spec.securityContext` and
#   `kubectl explain pod.spec.containers.securityContext` tell which. Capabilities are written without
#   `CAP_` (`NET_ADMIN`).
# - Pod Security: `kubectl label ns NS pod-security.kubernetes.io/enforce=restricted`; test with
#   `kubectl apply --dry-run=server -f pod.yaml`, whose error lists every missing field.
# - Quota trouble shows on the ReplicaSet, not the Deployment: `kubectl describe rs -n NS` (FailedCreate,
#   `exceeded quota`, `must specify limits.memory`).

# %%
sh("kubectl delete namespace demo-10 --wait=false; rm -f /tmp/demo-10-ca.crt", quiet=True)
