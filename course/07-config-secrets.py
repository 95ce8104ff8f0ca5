# %% [markdown]
# # 07 ConfigMaps and Secrets: configuration outside the image
#
# **Learning objectives.** After this notebook you can
#
# - create a ConfigMap from literals, from files, from a whole directory and from YAML, and predict its keys;
# - hand configuration to a container as environment variables (`env` with `valueFrom`, `envFrom`) and as
#   files (a volume, with `items`, `subPath` and `defaultMode`);
# - say which changes reach a running Pod (mounted files, eventually) and which do not (environment,
#   `subPath` mounts);
# - create Secrets of the types you meet in practice: `Opaque` (generic), `kubernetes.io/dockerconfigjson`
#   for `imagePullSecrets`, and `kubernetes.io/tls`;
# - explain why base64 is an encoding, not encryption, and what actually protects a Secret.
#
# The examples run live in the namespace `demo-07` (removed at the end). The labs are graded inside the
# running container, and no check ever prints a Secret's value.

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

sh("kubectl delete namespace demo-07 --ignore-not-found --wait=true --timeout=60s", quiet=True)
sh("kubectl create namespace demo-07", quiet=True)

# %% [markdown]
# ## 1. ConfigMaps: four ways to create one
#
# A ConfigMap is a namespaced map of string keys to string values (up to 1 MiB in total). It decouples
# configuration from the image: the same image runs in test and production with different ConfigMaps.
#
# | command | keys you get |
# |---|---|
# | `kubectl create cm app --from-literal=MODE=prod --from-literal=LEVEL=debug` | `MODE`, `LEVEL` |
# | `kubectl create cm app --from-file=app.properties` | `app.properties` (the file name), value = the whole file |
# | `kubectl create cm app --from-file=config=app.properties` | `config` |
# | `kubectl create cm app --from-file=./conf.d/` | one key per regular file in the directory |
# | `kubectl create cm app --from-env-file=app.env` | one key per `KEY=value` line |
# | `kubectl apply -f cm.yaml` | what `data:` lists; `key: |` keeps a multi-line value |
#
# The example builds one from a directory and shows the keys.

# %%
sh(r"""rm -rf /tmp/demo-07 && mkdir -p /tmp/demo-07/conf
printf 'color=blue\n' > /tmp/demo-07/conf/ui.properties
printf 'lives=3\n' > /tmp/demo-07/conf/game.properties""")
sh("kubectl create configmap game-config -n demo-07 --from-file=/tmp/demo-07/conf/")
sh("kubectl get configmap game-config -n demo-07 -o jsonpath='{.data}'; echo")
sh("kubectl create configmap flags -n demo-07 --from-literal=MODE=prod --dry-run=client -o yaml")

# %%
quiz("config-01", "config-02", "config-03", "config-04", "config-21", "config-23", "config-24", "config-25")

# %% [markdown]
# ## 2. Consuming configuration: environment or files
#
# ```mermaid
# flowchart LR
#   cm["ConfigMap app-settings<br/>MODE=production<br/>app.properties=..."]
#   cm -->|"env.valueFrom.configMapKeyRef<br/>(one key, any variable name)"| e1["$MODE"]
#   cm -->|"envFrom.configMapRef<br/>(every key, same names)"| e2["$MODE, $LOG_LEVEL"]
#   cm -->|"volume (every key a file,<br/>or only the items listed)"| f1["/etc/app/app.properties"]
#   cm -->|"volumeMount subPath<br/>(one file into an existing directory)"| f2["/etc/nginx/conf.d/app.conf"]
# ```
#
# - **Environment variables** are read once, when the container starts. Editing the ConfigMap later
#   changes nothing in a running container: restart it (`kubectl rollout restart deployment/...`).
# - **A volume** shows each key as a file (symlinks into a hidden `..data` directory). The kubelet
#   refreshes the files after the ConfigMap changes (within about a minute); the application must re-read
#   them. A mount with **`subPath`** is a copy made at start and is *never* refreshed.
# - `items: [{key: app.properties, path: conf/app.conf}]` picks keys and names the files; `defaultMode`
#   (or `mode` per item) sets the file permissions. YAML reads `0400` as octal; JSON needs decimal `256`.
# - A reference to a missing ConfigMap or key keeps the Pod from starting (`CreateContainerConfigError` or
#   `ContainerCreating`) unless it is marked `optional: true`. ConfigMaps are not shared across namespaces.
#
# The example mounts one key with `items` and a mode, changes the ConfigMap, and compares the file with
# the environment variable taken from the same key.

# %%
sh("kubectl create configmap live -n demo-07 --from-literal=COLOR=blue --save-config")
apply("""
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: reader
    image: busybox:1.35.0
    command: ["sleep", "3600"]
    env:
    - name: COLOR
      valueFrom:
        configMapKeyRef:
          name: live
          key: COLOR
    volumeMounts:
    - name: cfg
      mountPath: /etc/live
  volumes:
  - name: cfg
    configMap:
      name: live
      defaultMode: 0440
      items:
      - key: COLOR
        path: color.txt
""", namespace="demo-07")
sh("kubectl wait -n demo-07 --for=condition=Ready pod/reader --timeout=60s")
sh("kubectl exec -n demo-07 reader -- sh -c 'ls -lL /etc/live; echo file=$(cat /etc/live/color.txt) env=$COLOR'")
sh("kubectl create configmap live -n demo-07 --from-literal=COLOR=green --dry-run=client -o yaml | kubectl apply -f -")
print("the file follows within about a minute (kubelet sync); the variable stays blue until the container restarts")

# %%
quiz("config-05", "config-06", "config-07", "config-08", "config-09", "config-17", "config-22", "config-27")

# %%
lab_task("config-env-file", solve=SOLVE)

# %% [markdown]
# ## 3. Secrets: the same mechanics, a different type
#
# A Secret is consumed exactly like a ConfigMap (`secretKeyRef`, `secretRef`, a `secret` volume with
# `secretName`), but its values are stored base64-encoded under `data` (or given in plain text under
# `stringData`), kept out of `kubectl describe`, and mounted on a tmpfs, never on the node's disk.
#
# **base64 is not encryption.** Anyone allowed to `get` the Secret reads the value:

# %%
sh("echo -n admin | base64")
sh("echo YWRtaW4= | base64 -d; echo")
sh("kubectl create secret generic demo -n demo-07 --from-literal=user=admin --dry-run=client -o yaml")

# %% [markdown]
# What protects Secrets is around them: RBAC that limits `get`/`list` on Secrets, encryption at rest in
# etcd (`EncryptionConfiguration`), not committing manifests with real values, and `immutable: true` for
# values that must not change. A Pod can only use Secrets of its own namespace.
#
# | type | created with | holds | used by |
# |---|---|---|---|
# | `Opaque` | `kubectl create secret generic NAME --from-literal=k=v` / `--from-file` | any keys | env, volumes |
# | `kubernetes.io/dockerconfigjson` | `kubectl create secret docker-registry NAME --docker-server= --docker-username= --docker-password=` | `.dockerconfigjson` | `spec.imagePullSecrets` (the kubelet pulls with it) |
# | `kubernetes.io/tls` | `kubectl create secret tls NAME --cert=tls.crt --key=tls.key` | `tls.crt`, `tls.key` | Ingress TLS, servers |
# | `kubernetes.io/service-account-token` | by the control plane (legacy) | `token`, `ca.crt` | API clients |
#
# ```mermaid
# flowchart LR
#   s["Secret regcred<br/>type dockerconfigjson"] --> pod["Pod<br/>imagePullSecrets: [regcred]"]
#   pod -->|kubelet pulls with the credentials| reg[("registry.example:5000")]
# ```

# %%
quiz("config-10", "config-11", "config-12", "config-13", "config-14", "config-15", "config-16", "config-20", "config-26")

# %%
lab_task("secret-mount-env", solve=SOLVE)

# %%
quiz("config-18", "config-19")

# %%
lab_task("secret-registry", solve=SOLVE)

# %% [markdown]
# ## 4. Exam tips
#
# - Imperative first: `kubectl create configmap|secret generic|secret docker-registry|secret tls ...`, add
#   `--dry-run=client -o yaml > x.yaml` when you need to edit before applying.
# - `kubectl set env deployment/web --from=configmap/app-settings` adds one `env` entry per key, each a
#   `valueFrom.configMapKeyRef` (not an `envFrom`), and turns key names into variable names (`app.properties`
#   becomes `APP_PROPERTIES`; `kubectl set env --help`). Write `envFrom` yourself to import every key
#   under its own name; `kubectl explain pod.spec.volumes.secret` shows `defaultMode`.
# - Decode quickly: `kubectl get secret s -o jsonpath='{.data.password}' | base64 -d`. Use `echo -n` when
#   you encode by hand: a trailing newline becomes part of the value.
# - A Pod in `CreateContainerConfigError`: a referenced ConfigMap, Secret or key does not exist
#   (`kubectl describe pod`).
# - After changing a ConfigMap used as environment: `kubectl rollout restart deployment/NAME`.

# %%
sh("kubectl delete namespace demo-07 --wait=false; rm -rf /tmp/demo-07", quiet=True)
