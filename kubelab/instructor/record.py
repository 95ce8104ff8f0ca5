"""The student's submit step: record the work a lab concerns next to the notebook.

    submit("pods-basics")      # in the notebook: writes kubelab-record.yaml, shows the local result

The record (YAML) holds the manifests of the objects in the lab's namespace, cleaned of status
and server-set fields (so that they can be re-applied elsewhere), the Docker containers a
Docker lab names (as a `docker run` spec), the commands the lab needs to replay, and the local
check results. It is written atomically (temp file + rename): nbgrader collects either the old
record or the new one, never half of one.

`build_record` returns, and `load_record(path)` reads back, one typed `Record`
(kubelab.instructor.schema: size checked first, YAML without aliases, shape validated once);
RecordError carries a reason a student can read. Records are written without YAML aliases.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import tempfile
from pathlib import Path

from kubelab.graders.network import PROBE_LABEL
from kubelab.instructor.schema import FORMAT, RECORD_NAME, Record, RecordError  # noqa: F401  (re-exported)

# kinds captured from the lab's namespace (server-made kinds are left out)
CAPTURE_KINDS = ("ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim", "Service", "Deployment",
                 "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "NetworkPolicy", "Ingress",
                 "Role", "RoleBinding", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ResourceQuota",
                 "LimitRange")
PSA_PREFIX = "pod-security.kubernetes.io/"
DROP_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
             "ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace",
             "generateName")
DROP_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/",
                            "pv.kubernetes.io/", "volume.kubernetes.io/", "volume.beta.kubernetes.io/",
                            "control-plane.alpha.kubernetes.io/", "kubernetes.io/psp",
                            "endpoints.kubernetes.io/")
JOB_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")


# ---- cleaning ---------------------------------------------------------------------------------

def _clean_meta(meta: dict) -> dict:
    meta = {k: v for k, v in meta.items() if k not in DROP_META}
    ann = {k: v for k, v in (meta.get("annotations") or {}).items()
           if not k.startswith(DROP_ANNOTATION_PREFIXES)}
    if ann:
        meta["annotations"] = ann
    else:
        meta.pop("annotations", None)
    if not meta.get("labels"):
        meta.pop("labels", None)
    return meta


def _clean_pod_spec(spec: dict) -> None:
    spec.pop("nodeName", None)
    if spec.get("priority") == 0:  # set by the server from the (default) priority class
        spec.pop("priority")
    spec.pop("serviceAccount", None)  # deprecated twin of serviceAccountName
    injected = {v.get("name") for v in spec.get("volumes") or []
                if isinstance(v, dict) and str(v.get("name", "")).startswith("kube-api-access-") and "projected" in v}
    if injected:
        spec["volumes"] = [v for v in spec["volumes"] if v.get("name") not in injected]
        if not spec["volumes"]:
            spec.pop("volumes")
        for key in ("initContainers", "containers"):
            for c in spec.get(key) or []:
                mounts = [m for m in c.get("volumeMounts") or [] if m.get("name") not in injected]
                if mounts:
                    c["volumeMounts"] = mounts
                else:
                    c.pop("volumeMounts", None)


def clean_manifest(obj: dict) -> dict:
    """A live object as a manifest that can be applied again: no status, no server-set fields."""
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    kind = obj.get("kind")
    obj["metadata"] = _clean_meta(obj.get("metadata") or {})
    spec = obj.get("spec")
    if isinstance(spec, dict):
        if kind == "Pod":
            _clean_pod_spec(spec)
        elif kind == "Service":
            headless = spec.get("clusterIP") == "None"
            for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"):
                spec.pop(key, None)
            if headless:  # a headless Service is the student's choice, not a server-set address
                spec["clusterIP"] = "None"
        elif kind == "PersistentVolumeClaim":
            spec.pop("volumeName", None)
        elif kind == "Job":
            spec.pop("selector", None)
            labels = (((spec.get("template") or {}).get("metadata") or {}).get("labels")) or {}
            for key in JOB_LABELS:
                labels.pop(key, None)
            for key in JOB_LABELS:
                obj["metadata"].get("labels", {}).pop(key, None)
        tmpl = spec.get("template")
        if isinstance(tmpl, dict):
            if isinstance(tmpl.get("metadata"), dict):
                tmpl["metadata"].pop("creationTimestamp", None)
            if isinstance(tmpl.get("spec"), dict):
                _clean_pod_spec(tmpl["spec"])
    ordered = {"apiVersion": obj.pop("apiVersion", None), "kind": obj.pop("kind", None),
               "metadata": obj.pop("metadata")}
    ordered.update(obj)
    return ordered


def keep_object(obj: dict) -> bool:
    """False for what the server made: owned pods/replica sets, the default service account,
    the root CA config map, service-account token secrets."""
    meta = obj.get("metadata") or {}
    kind, name = obj.get("kind"), meta.get("name", "")
    owners = [o for o in meta.get("ownerReferences") or [] if o.get("controller")]
    if owners and not (kind == "Job" and all(o.get("kind") == "CronJob" for o in owners)):
        return False  # a Job made from a CronJob (`kubectl create job --from=cronjob/...`) is the student's work
    if kind == "ServiceAccount" and name == "default":
        return False
    if kind == "Pod" and PROBE_LABEL in (meta.get("labels") or {}):
        return False  # a grader's connectivity probe (kubelab.graders.network), perhaps still being deleted
    if kind == "ConfigMap" and name in ("kube-root-ca.crt", "openshift-service-ca.crt"):
        return False
    if kind == "Secret" and obj.get("type") == "kubernetes.io/service-account-token":
        return False
    return True


# ---- capture ----------------------------------------------------------------------------------

def capture_namespace(kube, namespace: str) -> list[dict]:
    """Cleaned manifests of everything a student made in the namespace (kubelab.graders.k8s.Kube)."""
    from kubelab.graders.k8s import KINDS

    objects = []
    for kind in CAPTURE_KINDS:
        api_version = KINDS[kind][0].split("/", 2)[-1]  # "/api/v1" -> "v1", "/apis/apps/v1" -> "apps/v1"
        for obj in kube.list(kind, namespace):
            obj = dict(obj)  # list items come without apiVersion and kind
            obj.setdefault("kind", kind)
            obj.setdefault("apiVersion", api_version)
            if keep_object(obj):
                objects.append(clean_manifest(obj))
    return objects + bound_cluster_roles(kube, objects) + namespace_psa(kube, namespace)


def bound_cluster_roles(kube, objects: list[dict]) -> list[dict]:
    """The ClusterRoles the namespace's RoleBindings bind (their rules apply in the namespace only: the
    replay re-creates them as Roles). Built-in roles are kept as well, for the replay to name them."""
    names = sorted({(o.get("roleRef") or {}).get("name") for o in objects if o.get("kind") == "RoleBinding"
                    and (o.get("roleRef") or {}).get("kind") == "ClusterRole"} - {None})
    out = []
    for name in names[:10]:
        obj = kube.get("ClusterRole", name)
        if obj is not None:
            obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", **obj}
            out.append(clean_manifest(obj))
    return out


def namespace_psa(kube, namespace: str) -> list[dict]:
    """The namespace itself, with its Pod Security labels only, when it has any (what a PSA lab asks)."""
    if not hasattr(kube, "get"):  # a reader that only lists namespaced objects
        return []
    ns = kube.get("Namespace", namespace)
    labels = {k: v for k, v in ((ns or {}).get("metadata") or {}).get("labels", {}).items() if k.startswith(PSA_PREFIX)}
    if not labels:
        return []
    return [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}}]


def capture_nodes(kube, scope) -> list[dict]:
    """The node state a lab concerns (its NodeScope): those label keys and taint keys, and the cordon."""
    out = []
    for name in scope.nodes:
        node = kube.get("Node", name)
        if node is None:
            continue
        labels = (node.get("metadata") or {}).get("labels") or {}
        spec = node.get("spec") or {}
        entry = {"name": name, "labels": {k: v for k, v in labels.items() if k in scope.labels},
                 "taints": [{k: t[k] for k in ("key", "value", "effect") if t.get(k) is not None}
                            for t in spec.get("taints") or [] if t.get("key") in scope.taints]}
        if scope.cordon:
            entry["unschedulable"] = bool(spec.get("unschedulable"))
        out.append(entry)
    return out


def container_spec(info: dict) -> dict:
    """`docker inspect` -> the replayable run spec (name, image, command, env, ports, mounts, state)."""
    cfg, host = info.get("Config") or {}, info.get("HostConfig") or {}
    ports = []
    for key, binds in (host.get("PortBindings") or {}).items():
        cport, _, proto = key.partition("/")
        for b in binds or []:
            ports.append({"container_port": int(cport), "protocol": proto or "tcp",
                          "host_port": int(b.get("HostPort") or 0)})
    mounts = [{"type": m.get("Type"), "source": m.get("Name") or m.get("Source"), "target": m.get("Destination")}
              for m in info.get("Mounts") or []]
    networks = (info.get("NetworkSettings") or {}).get("Networks") or {}
    nets = [n for n in networks if n not in ("bridge",)]
    ips = {n: ((v or {}).get("IPAMConfig") or {}).get("IPv4Address") for n, v in networks.items() if n in nets}
    hostname = cfg.get("Hostname") or ""
    return {
        "name": (info.get("Name") or "").lstrip("/"),
        "image": cfg.get("Image"),
        "command": cfg.get("Cmd"),
        "entrypoint": cfg.get("Entrypoint"),
        "env": cfg.get("Env") or [],
        "labels": cfg.get("Labels") or {},
        "ports": ports,
        "mounts": mounts,
        "networks": nets,
        "ips": {n: ip for n, ip in ips.items() if ip},
        # Docker's default hostname is the container id's first 12 characters: keep only a chosen one
        "hostname": "" if str(info.get("Id") or "").startswith(hostname) else hostname,
        "running": bool((info.get("State") or {}).get("Running")),
        "restart_policy": (host.get("RestartPolicy") or {}).get("Name") or "no",
        "memory": host.get("Memory") or 0,
        "nano_cpus": host.get("NanoCpus") or 0,
        "cpu_shares": host.get("CpuShares") or 0,
        "cpu_quota": host.get("CpuQuota") or 0,
        "cpu_period": host.get("CpuPeriod") or 0,
        "memory_swap": host.get("MemorySwap") or 0,
        "privileged": bool(host.get("Privileged")),
        "cap_add": host.get("CapAdd") or [],
        "network_mode": host.get("NetworkMode"),
        "pid_mode": host.get("PidMode"),
        "ipc_mode": host.get("IpcMode"),
        "devices": host.get("Devices") or [],
        "security_opt": host.get("SecurityOpt") or [],
    }


def capture_docker(lab, docker) -> list[dict]:
    """Run specs of the containers the lab names or labels (kubelab.graders.docker_engine.Docker)."""
    from kubelab.labs.model import DOCKER_LABEL

    names = list(lab.docker.get("containers", []))
    for c in docker.client.api.containers(all=True, filters={"label": f"{DOCKER_LABEL}={lab.id}"}):
        n = c["Names"][0].lstrip("/")
        if n not in names:
            names.append(n)
    specs = []
    for name in names:
        info = docker.inspect(name)
        if info is not None:
            spec = container_spec(info)
            for key in ("network_mode", "pid_mode"):
                mode = spec.get(key) or ""
                if mode.startswith("container:"):  # `--network/--pid container:<name>` is stored as the container's id
                    other = docker.inspect(mode.split(":", 1)[1])
                    spec[key] = f"container:{(other or {}).get('Name', mode.split(':', 1)[1]).lstrip('/')}"
            specs.append(spec)
    return specs


def capture_networks(docker, names) -> list[dict]:
    """Driver and IPAM (subnet, gateway) of the user networks a Docker lab's containers use."""
    out = []
    for name in names:
        net = docker.network(name)
        if net is None:
            continue
        ipam = [{k: c[k] for k in ("Subnet", "Gateway") if c.get(k)} for c in (net.get("IPAM") or {}).get("Config") or []]
        out.append({"name": name, "driver": net.get("Driver") or "bridge", "ipam": ipam})
    return out


VOLUME_LIMIT = 512 * 1024


def capture_volume(docker, name: str, image: str) -> dict:
    """A named volume's files as a base64 tar (a stopped helper container mounts it), at most 512 KiB."""
    import base64

    client = docker.client
    helper = client.containers.create(image, command=["true"], mounts=[{"Target": "/v", "Source": name,
                                                                         "Type": "volume"}],
                                      labels={"kubelab.record": "1"}, network_disabled=True)
    try:
        stream, _ = helper.get_archive("/v/.")
        data = b""
        for chunk in stream:
            data += chunk
            if len(data) > VOLUME_LIMIT:
                return {"name": name, "skipped": f"more than {VOLUME_LIMIT // 1024} KiB of data"}
    finally:
        helper.remove(force=True)
    return {"name": name, "tar": base64.b64encode(data).decode()}


def _capture_volumes(lab, docker, containers: list[dict]) -> list[dict]:
    from kubelab.cluster.api import lab_image

    names = list(dict.fromkeys([*lab.docker.get("volumes", []),
                                *(m["source"] for c in containers for m in c["mounts"] if m.get("type") == "volume")]))
    names = [n for n in names if docker.volume(n) is not None]
    if not names:
        return []
    return [capture_volume(docker, n, lab_image("busybox")) for n in names]


def docker_run_text(spec: dict) -> str:
    """The spec as the `docker run` command it stands for (shown in the record and the feedback)."""
    import shlex

    argv = ["docker", "run", "-d" if spec.get("running", True) else "", "--name", spec["name"]]
    for p in spec.get("ports") or []:
        argv += ["-p", f"{p['host_port']}:{p['container_port']}/{p.get('protocol', 'tcp')}"]
    argv.append(spec["image"])
    argv += list(spec.get("command") or [])
    return shlex.join([a for a in argv if a])


def build_record(lab, kube=None, docker=None, result=None) -> Record:
    """The record for a lab from live state (readers default to the student's cluster/engine)."""
    from kubelab.labs.engine import Context, check_lab

    rec: dict = {"kubelab_record": FORMAT, "lab": lab.id, "kind": lab.kind,
                 "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 "namespace": lab.namespace, "objects": [], "containers": [], "commands": []}
    ctx = Context(lab, kube=kube, docker=docker)
    if lab.kind == "docker":
        rec["containers"] = capture_docker(lab, ctx.docker)
        rec["commands"] = [docker_run_text(s) for s in rec["containers"]]
        used = [n for s in rec["containers"] for n in s["networks"]]
        nets = list(dict.fromkeys([*lab.docker.get("networks", []), *used]))
        rec["networks"] = capture_networks(ctx.docker, nets)
        rec["volumes"] = _capture_volumes(lab, ctx.docker, rec["containers"])
        rec["images"] = [{"ref": ref} for ref in lab.docker.get("images", []) if ctx.docker.image_id(ref)]
        rec["files"] = [{"path": p} for p in lab.docker.get("files", []) if os.path.isfile(p)]
    elif lab.namespace:
        rec["objects"] = capture_namespace(ctx.kube, lab.namespace)
        rec["commands"] = [f"kubectl apply -n {lab.namespace} -f -  # {len(rec['objects'])} object(s)"]
    if lab.kind != "docker" and lab.node_scope:
        rec["nodes"] = capture_nodes(ctx.kube, lab.node_scope)
    if lab.record_only:
        from kubelab.instructor.evidence import record_evidence

        rec["evidence"] = record_evidence(lab, ctx.kube)
    result = result or check_lab(lab, ctx=ctx)
    rec["checks"] = {c.id: {"outcome": c.outcome.value, "points": c.points, "max_points": c.max_points,
                            "observed": c.observed} for c in result.checks}
    rec["local_points"] = result.points
    return Record.parse(rec)


# ---- files ------------------------------------------------------------------------------------

def write_atomic(path: Path, text: str) -> None:
    """Write text to path via a temp file in the same folder and a rename (never half-written)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return True


SIDECAR_DIR = "kubelab-files"
SIDECAR_LIMIT = 64 * 1024 * 1024


def write_sidecars(rec: dict | Record, folder: Path | str, docker=None) -> None:
    """The images (`docker save`) and files a Docker lab names, copied next to the record so that
    nbgrader collects them with it; each written atomically, each at most 64 MiB."""
    import shutil

    folder = Path(folder)
    side = folder / SIDECAR_DIR
    if rec.get("images") or rec.get("files"):
        side.mkdir(exist_ok=True)
    for i, img in enumerate(rec.get("images") or []):
        if docker is None:
            from kubelab.graders.docker_engine import Docker

            docker = Docker()
        target = side / f"image-{i}.tar"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=side)
        too_big = False
        try:
            size = 0
            with os.fdopen(fd, "wb") as fh:
                for chunk in docker.client.api.get_image(img["ref"]):
                    size += len(chunk)
                    if size > SIDECAR_LIMIT:
                        too_big = True
                        break
                    fh.write(chunk)
            if too_big:
                os.unlink(tmp)
            else:
                os.replace(tmp, target)
        except BaseException:
            with _suppress():
                os.unlink(tmp)
            raise
        if too_big:  # submitted without it (the replay says so); the rest of the work still counts
            img["skipped"] = f"larger than {SIDECAR_LIMIT >> 20} MiB"
            continue
        img["file"] = f"{SIDECAR_DIR}/{target.name}"
    for i, f in enumerate(rec.get("files") or []):
        src = Path(f["path"])
        if src.stat().st_size > SIDECAR_LIMIT:
            f["skipped"] = f"larger than {SIDECAR_LIMIT >> 20} MiB"
            continue
        target = side / f"file-{i}-{src.name}"
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=side)
        os.close(fd)
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
        f["file"] = f"{SIDECAR_DIR}/{target.name}"


def _dumper():
    import yaml

    class NoAliasDumper(yaml.SafeDumper):
        """A record never holds aliases (the loader refuses them): an object met twice is written twice."""

        def ignore_aliases(self, data):
            return True

    return NoAliasDumper


def dump_record(rec) -> str:
    import yaml

    if isinstance(rec, Record):
        rec = rec.to_dict()
    return yaml.dump(rec, Dumper=_dumper(), sort_keys=False, default_flow_style=False, allow_unicode=True)


def write_record(rec: dict | Record, folder: Path | str = ".") -> Path:
    path = Path(folder) / RECORD_NAME
    write_atomic(path, dump_record(rec))
    return path


def load_record(path: Path | str, lab_id: str | None = None) -> Record:
    """Read and validate a record (size, bounded YAML, shape). Raises RecordError (missing, too
    large, malformed YAML, aliases, wrong lab, bad shape)."""
    return Record.load(path, lab_id)


def validate_record(rec, lab_id: str | None = None) -> Record:
    return Record.parse(rec, lab_id)


# ---- the notebook's submit step ----------------------------------------------------------------

def submit(lab_id: str, folder: Path | str = "."):
    """Record the work for lab_id next to the notebook and show the local check results."""
    from kubelab.labs.registry import get_lab

    if os.environ.get("KUBELAB_REPLAY"):
        # under `kubelab autograde`: the record in the submission is what gets graded; recording
        # the instructor's own cluster here would only cost time
        return "autograding: the record collected with this submission is graded"
    lab = get_lab(lab_id)
    rec = build_record(lab)
    write_sidecars(rec, folder)
    path = write_record(rec, folder)
    return Submitted(path, rec)


class Submitted:
    def __init__(self, path: Path, rec: dict):
        self.path, self.rec = path, rec

    def _summary(self) -> str:
        n = len(self.rec["objects"]) + len(self.rec["containers"])
        return (f"recorded {n} object(s) in {self.path.name}; local checks: "
                f"{self.rec['local_points']:g} point(s). Now submit the assignment; the instructor "
                "re-runs your objects on their cluster to grade them.")

    def __repr__(self) -> str:
        return self._summary()

    def _repr_html_(self) -> str:
        import html

        rows = "".join(f"<tr><td><code>{html.escape(k)}</code></td><td>{html.escape(v['outcome'])}</td>"
                       f"<td>{v['points']:g}/{v['max_points']:g}</td></tr>" for k, v in self.rec["checks"].items())
        return f"<p>{html.escape(self._summary())}</p><table>{rows}</table>"
