"""The student's submit step: record the work a lab concerns next to the notebook.

    submit("pods-basics")      # in the notebook: writes kubelab-record.yaml, shows the local result

The record (YAML) holds the manifests of the objects in the lab's namespace, cleaned of status
and server-set fields (so that they can be re-applied elsewhere), the Docker containers a
Docker lab names (as a `docker run` spec), the commands the lab needs to replay, and the local
check results. It is written atomically (temp file + rename): nbgrader collects either the old
record or the new one, never half of one.

`load_record(path)` reads one back and raises RecordError with a reason a student can read.
"""

from __future__ import annotations

import copy
import datetime as _dt
import os
import tempfile
from pathlib import Path

RECORD_NAME = "kubelab-record.yaml"
FORMAT = 1

# kinds captured from the lab's namespace (server-made kinds are left out)
CAPTURE_KINDS = ("ConfigMap", "Secret", "ServiceAccount", "PersistentVolumeClaim", "Service", "Deployment",
                 "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod", "NetworkPolicy", "Ingress",
                 "Role", "RoleBinding", "HorizontalPodAutoscaler", "PodDisruptionBudget")
DROP_META = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
             "ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace",
             "generateName")
DROP_ANNOTATION_PREFIXES = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/",
                            "pv.kubernetes.io/", "volume.kubernetes.io/", "volume.beta.kubernetes.io/",
                            "control-plane.alpha.kubernetes.io/", "kubernetes.io/psp",
                            "endpoints.kubernetes.io/")
JOB_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name")


class RecordError(Exception):
    """A record is missing or malformed; the message says what and what to do."""


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
            for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"):
                spec.pop(key, None)
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
    if any(o.get("controller") for o in meta.get("ownerReferences") or []):
        return False
    if kind == "ServiceAccount" and name == "default":
        return False
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
    return objects


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
    nets = [n for n in ((info.get("NetworkSettings") or {}).get("Networks") or {}) if n not in ("bridge",)]
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
        "running": bool((info.get("State") or {}).get("Running")),
        "restart_policy": (host.get("RestartPolicy") or {}).get("Name") or "no",
        "memory": host.get("Memory") or 0,
        "nano_cpus": host.get("NanoCpus") or 0,
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
            specs.append(container_spec(info))
    return specs


def docker_run_text(spec: dict) -> str:
    """The spec as the `docker run` command it stands for (shown in the record and the feedback)."""
    import shlex

    argv = ["docker", "run", "-d" if spec.get("running", True) else "", "--name", spec["name"]]
    for p in spec.get("ports") or []:
        argv += ["-p", f"{p['host_port']}:{p['container_port']}/{p.get('protocol', 'tcp')}"]
    argv.append(spec["image"])
    argv += list(spec.get("command") or [])
    return shlex.join([a for a in argv if a])


def build_record(lab, kube=None, docker=None, result=None) -> dict:
    """The record for a lab from live state (readers default to the student's cluster/engine)."""
    from kubelab.labs.engine import Context, check_lab

    rec: dict = {"kubelab_record": FORMAT, "lab": lab.id, "kind": lab.kind,
                 "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                 "namespace": lab.namespace, "objects": [], "containers": [], "commands": []}
    ctx = Context(lab, kube=kube, docker=docker)
    if lab.kind == "docker":
        rec["containers"] = capture_docker(lab, ctx.docker)
        rec["commands"] = [docker_run_text(s) for s in rec["containers"]]
    elif lab.namespace:
        rec["objects"] = capture_namespace(ctx.kube, lab.namespace)
        rec["commands"] = [f"kubectl apply -n {lab.namespace} -f -  # {len(rec['objects'])} object(s)"]
    result = result or check_lab(lab, ctx=ctx)
    rec["checks"] = {c.id: {"outcome": c.outcome.value, "points": c.points, "max_points": c.max_points,
                            "observed": c.observed} for c in result.checks}
    rec["local_points"] = result.points
    return rec


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


def dump_record(rec: dict) -> str:
    import yaml

    return yaml.safe_dump(rec, sort_keys=False, default_flow_style=False, allow_unicode=True)


def write_record(rec: dict, folder: Path | str = ".") -> Path:
    path = Path(folder) / RECORD_NAME
    write_atomic(path, dump_record(rec))
    return path


def load_record(path: Path | str, lab_id: str | None = None) -> dict:
    """Read and validate a record. Raises RecordError (missing, malformed YAML, wrong lab, bad shape)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise RecordError(f"no {RECORD_NAME} in the submission: run the Submit cell of the notebook "
                          "before you submit")
    try:
        size = path.stat().st_size
        from kubelab.instructor.policy import MAX_RECORD_BYTES

        if size > MAX_RECORD_BYTES:
            raise RecordError(f"{RECORD_NAME} is {size} bytes (limit {MAX_RECORD_BYTES})")
        rec = yaml.safe_load(path.read_text(errors="replace"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RecordError(f"{RECORD_NAME} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    return validate_record(rec, lab_id)


def validate_record(rec, lab_id: str | None = None) -> dict:
    if not isinstance(rec, dict) or "kubelab_record" not in rec:
        raise RecordError(f"{RECORD_NAME} is not a kubelab record (expected a mapping with kubelab_record: {FORMAT})")
    if lab_id and rec.get("lab") != lab_id:
        raise RecordError(f"{RECORD_NAME} records lab {rec.get('lab')!r}, this assignment is {lab_id!r}")
    for key in ("objects", "containers", "commands"):
        rec.setdefault(key, [])
        if not isinstance(rec[key], list):
            raise RecordError(f"{RECORD_NAME}: {key} must be a list, found {type(rec[key]).__name__}")
    if not isinstance(rec.get("checks", {}), dict):
        raise RecordError(f"{RECORD_NAME}: checks must be a mapping")
    rec.setdefault("checks", {})
    return rec


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
