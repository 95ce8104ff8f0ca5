"""Kubernetes check primitives on the official Python client.

`Kube` is a small cached reader for one check run: objects come back as plain dicts in
manifest form (camelCase, as `kubectl get -o yaml` shows them), so checks read them with
the same paths a student writes (`spec.containers[0].ports[0].containerPort`).

Primitives return a short observation when the state is right and raise
`kubelab.graders.errors.Failed` when it is not; an unreachable API, 5xx, 401/403 or a
timeout raises `InfraError`. Secret values are never put into a message: a Secret's data
is registered with the reader so that the runner masks it.
"""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
from typing import Any, Callable, Iterable

from kubelab.graders import meaning
from kubelab.graders.errors import NEXT_CLUSTER, Failed, InfraError, expect_equal, _show
from kubelab.graders.fields import field, has_subset

# kind -> (API path prefix, plural resource, namespaced). Reads go straight to these REST paths:
# the typed API classes take about a second to import, which a one-shot `kubelab lab check` feels.
KINDS: dict[str, tuple[str, str, bool]] = {
    "Pod": ("/api/v1", "pods", True),
    "Service": ("/api/v1", "services", True),
    "Endpoints": ("/api/v1", "endpoints", True),
    "ConfigMap": ("/api/v1", "configmaps", True),
    "Secret": ("/api/v1", "secrets", True),
    "PersistentVolumeClaim": ("/api/v1", "persistentvolumeclaims", True),
    "ServiceAccount": ("/api/v1", "serviceaccounts", True),
    "ResourceQuota": ("/api/v1", "resourcequotas", True),
    "LimitRange": ("/api/v1", "limitranges", True),
    "Event": ("/api/v1", "events", True),
    "Namespace": ("/api/v1", "namespaces", False),
    "Node": ("/api/v1", "nodes", False),
    "PersistentVolume": ("/api/v1", "persistentvolumes", False),
    "Deployment": ("/apis/apps/v1", "deployments", True),
    "ReplicaSet": ("/apis/apps/v1", "replicasets", True),
    "StatefulSet": ("/apis/apps/v1", "statefulsets", True),
    "DaemonSet": ("/apis/apps/v1", "daemonsets", True),
    "ControllerRevision": ("/apis/apps/v1", "controllerrevisions", True),
    "Job": ("/apis/batch/v1", "jobs", True),
    "CronJob": ("/apis/batch/v1", "cronjobs", True),
    "EndpointSlice": ("/apis/discovery.k8s.io/v1", "endpointslices", True),
    "StorageClass": ("/apis/storage.k8s.io/v1", "storageclasses", False),
    "NetworkPolicy": ("/apis/networking.k8s.io/v1", "networkpolicies", True),
    "Ingress": ("/apis/networking.k8s.io/v1", "ingresses", True),
    "Role": ("/apis/rbac.authorization.k8s.io/v1", "roles", True),
    "RoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "rolebindings", True),
    "ClusterRole": ("/apis/rbac.authorization.k8s.io/v1", "clusterroles", False),
    "ClusterRoleBinding": ("/apis/rbac.authorization.k8s.io/v1", "clusterrolebindings", False),
    "HorizontalPodAutoscaler": ("/apis/autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("/apis/policy/v1", "poddisruptionbudgets", True),
}

DEFAULT_REQUEST_TIMEOUT = 5.0


def default_context() -> str:
    """The kubeconfig context labs use: $KUBELAB_CONTEXT or kind-kubelab."""
    from kubelab.cluster.api import CONTEXT

    return os.environ.get("KUBELAB_CONTEXT") or CONTEXT


_client_lock = threading.Lock()
_client_cache: dict[tuple, Any] = {}


def api_client(context: str | None = None, kubeconfig: str | None = None):
    """An ApiClient for the context (cached per process, so notebook grade cells reuse it).

    Raises InfraError when the kubeconfig or the context is missing.
    """
    from kubernetes import client, config

    context = context or default_context()
    # always explicit: the client computes its default path once, at import time
    kubeconfig = kubeconfig or os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")
    key = (context, kubeconfig, _mtime(kubeconfig))
    with _client_lock:
        if key in _client_cache:
            return _client_cache[key]
        cfg = client.Configuration()
        try:
            config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=cfg,
                                    persist_config=False)
        except Exception as exc:  # ConfigException, FileNotFoundError, yaml errors
            raise InfraError(f"no usable kubeconfig context {context!r} ({type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:160]})", NEXT_CLUSTER) from exc
        cfg.retries = 1
        api = client.ApiClient(cfg)
        _client_cache[key] = api
        return api


def _mtime(path: str | None) -> float:
    path = path or os.path.expanduser("~/.kube/config")
    try:
        return os.stat(path.split(os.pathsep)[0]).st_mtime
    except OSError:
        return 0.0


class Kube:
    """Cached reads of the cluster for one check run. Thread-safe enough for one run at a time."""

    def __init__(self, context: str | None = None, kubeconfig: str | None = None,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, namespaces: dict | None = None):
        """namespaces: {lab namespace: namespace read instead} (a replay under `kubelab autograde`)."""
        self.namespaces = {k: v for k, v in (namespaces or {}).items() if k and v}
        self.context = context
        self.kubeconfig = kubeconfig
        self.request_timeout = request_timeout
        self.secret_values: set[str] = set()
        self._cache: dict[tuple, Any] = {}
        self._broken: InfraError | None = None
        self._apis: dict[str, Any] = {}

    # -- plumbing -------------------------------------------------------------------------
    def client(self):
        """The shared ApiClient (raises InfraError once the API proved unreachable in this run)."""
        if self._broken:
            raise self._broken
        try:
            return api_client(self.context, self.kubeconfig)
        except InfraError as exc:
            self._broken = exc
            raise

    def api(self, name: str):
        """A typed API object (e.g. "CoreV1Api") on the shared client, for anything not covered here."""
        if name not in self._apis:
            from kubernetes import client

            self._apis[name] = getattr(client, name)(self.client())
        return self._apis[name]

    def clear(self) -> None:
        """Forget cached reads (keep the client); call between two check runs."""
        self._cache.clear()
        self._broken = None

    @staticmethod
    def path(kind: str, name: str | None = None, namespace: str | None = None) -> str:
        """The REST path of an object (or of the collection when name is None)."""
        from urllib.parse import quote

        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        prefix, plural, namespaced = KINDS[kind]
        if namespaced and not namespace:
            raise ValueError(f"{kind} is namespaced: give a namespace")
        path = prefix + (f"/namespaces/{quote(namespace, safe='')}" if namespaced else "") + f"/{plural}"
        return path + (f"/{quote(name, safe='')}" if name else "")

    def _serialize(self, method: str, path: str, query: list | None = None, body: dict | None = None,
                   headers: dict | None = None):
        """The request's parts; a body goes as JSON (a PATCH's as a JSON merge patch unless headers
        name another Content-Type, such as server-side apply's)."""
        client = self.client()
        if not hasattr(client, "param_serialize"):  # the pre-2025 generated client
            raise InfraError("the installed kubernetes Python client is too old for kubelab (needs >= 37)",
                             "run `pip install -U 'kubernetes>=37'` in kubelab's environment")
        extra = dict(headers or {})
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/merge-patch+json" if method == "PATCH" else "application/json"
        headers.update(extra)
        return client.param_serialize(method=method, resource_path=path, query_params=query or [],
                                      header_params=headers, body=body, auth_settings=["BearerToken"])

    def _call(self, kind: str, verb: str, name: str | None, namespace: str | None, **query) -> dict | None:
        path = self.path(kind, name if verb == "read" else None, namespace)
        params = [("labelSelector", query["label_selector"])] if query.get("label_selector") else []
        try:
            method, url, headers, body, post = self._serialize("GET", path, params)
            resp = self.client().call_api(method, url, headers, body, post, _request_timeout=self.request_timeout)
            data = resp.read()
        except InfraError:
            raise
        except Exception as exc:
            raise self._infra(exc) from exc
        if resp.status == 404:
            return None
        if not 200 <= resp.status < 300:
            from kubernetes.client.exceptions import ApiException

            exc = ApiException(status=resp.status, reason=resp.reason)
            exc.body = data
            raise self._infra(exc)
        return json.loads(data)

    def rest(self, method: str, path: str, body: dict | None = None, query: list | None = None,
             timeout: float = 15.0, headers: dict | None = None) -> tuple[int, dict]:
        """One REST call on the shared client, for what get/list do not cover (create, delete,
        discovery; a PATCH body is a JSON merge patch unless `headers` give another Content-Type;
        `headers` may also impersonate). Returns (status, decoded body); raises InfraError when the
        API cannot be asked."""
        try:
            m, url, headers, data, post = self._serialize(method, path, query, body, headers)
            resp = self.client().call_api(m, url, headers, data, post, _request_timeout=timeout)
            raw = resp.read()
        except InfraError:
            raise
        except Exception as exc:
            raise InfraError(f"the Kubernetes API failed on {method} {path}: {type(exc).__name__}: {exc}") from exc
        try:
            decoded = json.loads(raw) if raw else {}
        except ValueError:
            decoded = {"message": raw[:200].decode(errors="replace") if isinstance(raw, bytes) else str(raw)[:200]}
        return resp.status, decoded

    def _infra(self, exc: Exception) -> InfraError:
        from kubelab.graders.runner import infra_error_from

        err = infra_error_from(exc) or InfraError(f"the Kubernetes API failed: {type(exc).__name__}: {exc}")
        if "unreachable" in err.message or "no answer" in err.message:
            self._broken = err  # do not wait again for every following check
        return err

    def invalidate(self, kind: str, name: str | None = None, namespace: str | None = None) -> None:
        """Forget cached reads of one object (and every cached list of its kind in its namespace), so
        the next get/list asks again. The namespace is mapped as get/list map it (a replay)."""
        namespace = self.namespaces.get(namespace, namespace)
        for key in list(self._cache):
            if key[0] == "get" and key[1:] == (kind, name, namespace) and name is not None:
                del self._cache[key]
            elif key[0] == "get" and name is None and key[1] == kind and key[3] == namespace:
                del self._cache[key]
            elif key[0] == "list" and key[1] == kind and key[2] == namespace:
                del self._cache[key]

    # -- reads ----------------------------------------------------------------------------
    def get(self, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The object as a dict, or None when it does not exist. Raises InfraError."""
        namespace = self.namespaces.get(namespace, namespace)
        key = ("get", kind, name, namespace)
        if key not in self._cache:
            obj = self._call(kind, "read", name, namespace)
            if obj is not None:
                obj.setdefault("kind", kind)
            if kind == "Secret" and obj:
                self._remember_secret(obj)
            self._cache[key] = obj
        return self._cache[key]

    def list(self, kind: str, namespace: str | None = None, selector: str | None = None) -> list[dict]:
        """Objects of a kind (in a namespace, matching a label selector). Raises InfraError."""
        namespace = self.namespaces.get(namespace, namespace)
        key = ("list", kind, namespace, selector)
        if key not in self._cache:
            query = {"label_selector": selector} if selector else {}
            data = self._call(kind, "list", None, namespace, **query) or {}
            items = data.get("items", [])
            for item in items:
                item.setdefault("kind", kind)
                if kind == "Secret":
                    self._remember_secret(item)
            self._cache[key] = items
        return self._cache[key]

    def _remember_secret(self, obj: dict) -> None:
        for value in (obj.get("data") or {}).values():
            try:
                self.secret_values.add(base64.b64decode(value).decode())
            except Exception:
                pass
            self.secret_values.add(value)
        for value in (obj.get("stringData") or {}).values():
            self.secret_values.add(value)

    def node_exec(self, node: str, command: list[str]) -> tuple[int, str]:
        """Run a command on a kind node (a Docker container): (exit code, output)."""
        from kubelab.graders.docker_engine import Docker

        return Docker().exec(node, command)

    def exec(self, namespace: str, pod: str, command: list[str], container: str | None = None,
             timeout: float = 10.0) -> tuple[int, str, str]:
        """Run a command in a running container: (exit code, stdout, stderr). Raises InfraError."""
        return self._exec(self.namespaces.get(namespace, namespace), pod, command, container, timeout)

    def _exec(self, namespace: str, pod: str, command: list[str], container: str | None,
              timeout: float) -> tuple[int, str, str]:
        """The exec call itself, in the namespace already mapped (tests fake this layer)."""
        from kubernetes.stream.ws_client import WSClient, get_websocket_url

        query: list = [("command", c) for c in command] + [("stdout", "true"), ("stderr", "true")]
        if container:
            query.append(("container", container))
        try:
            method, url, headers, _, _ = self._serialize("GET", self.path("Pod", pod, namespace) + "/exec")
            ws = WSClient(self.client().configuration, get_websocket_url(url, query), headers, True)
        except InfraError:
            raise
        except Exception as exc:
            text = str(exc)
            if getattr(exc, "status_code", None) in (400, 404) or "container not found" in text:
                raise Failed(f"pod {pod}: cannot run a command in it ({_first_line(exc)})",
                             expected="a running container", found=_first_line(exc)) from exc
            raise self._infra(exc) from exc
        try:
            ws.run_forever(timeout=timeout)
            if ws.is_open():
                raise InfraError(f"`{' '.join(command)}` in pod {pod} did not finish within {timeout:g} s")
            out, err = ws.read_stdout() or "", ws.read_stderr() or ""
            rc, why = _exit_status(ws)
        finally:
            ws.close()
        return rc, out, (err + why)


def _exit_status(ws) -> tuple[int, str]:
    """(exit code, reason) from the exec error channel; 126 when the command could not start."""
    from kubernetes.stream.ws_client import ERROR_CHANNEL

    raw = ws.read_channel(ERROR_CHANNEL)
    if not raw:
        return 0, ""
    try:
        status = json.loads(raw)
    except ValueError:
        return 126, raw.strip()
    if status.get("status") == "Success":
        return 0, ""
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == "ExitCode":
            try:
                return int(cause.get("message")), ""
            except (TypeError, ValueError):
                break
    return 126, str(status.get("message", raw)).strip()


def _first_line(exc: Exception) -> str:
    body = getattr(exc, "body", None) or getattr(exc, "resp_body", None)
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    if body:
        try:
            return json.loads(body).get("message", str(body))[:200]
        except Exception:
            return str(body)[:200]
    return (str(exc).splitlines() or [""])[0][:200]


def _ref(kind: str, name: str, namespace: str | None) -> str:
    return f"{kind} {name}" + (f" in namespace {namespace}" if namespace else "")


# ---- primitives -----------------------------------------------------------------------------

def must_get(kube: Kube, kind: str, name: str, namespace: str | None = None) -> dict:
    """The object, or Failed("Pod web in namespace x: expected to exist, found nothing")."""
    obj = kube.get(kind, name, namespace)
    if obj is None:
        others = [o["metadata"]["name"] for o in _safe_list(kube, kind, namespace)][:5]
        found = f"nothing (existing: {', '.join(others)})" if others else "nothing"
        raise Failed(f"{_ref(kind, name, namespace)}: expected to exist, found {found}",
                     expected="exists", found=found)
    return obj


def _safe_list(kube: Kube, kind: str, namespace: str | None) -> list[dict]:
    try:
        return kube.list(kind, namespace)
    except (InfraError, ValueError):
        return []


def exists(kube: Kube, kind: str, name: str, namespace: str | None = None) -> str:
    """Passes when the object exists."""
    must_get(kube, kind, name, namespace)
    return f"{_ref(kind, name, namespace)} exists"


def field_equals(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: Any,
                 compare: Callable[[Any, Any], bool] | None = None) -> str:
    """Passes when the field at path (e.g. `spec.replicas`) equals expected.

    compare: how to compare by meaning (`meaning.same_image`, `meaning.same_quantity`, ...);
    a field left out counts as the value the API server defaults it to (protocol TCP, ...)."""
    obj = must_get(kube, kind, name, namespace)
    found = field(obj, path)
    if found is None:
        found = meaning.api_default(kind, path, obj)
    if compare is None:
        return expect_equal(path, expected, found)
    if not compare(expected, found):
        raise Failed(f"{path}: expected {_show(expected)}, found {_show(found)}",
                     expected=_show(expected), found=_show(found))
    same = "" if found == expected else f" (the same as {_show(expected)})"
    return f"{path} = {_show(found)}{same}"


def invalidate(kube: Any, kind: str, name: str | None = None, namespace: str | None = None) -> None:
    """Make the reader read the object again (readers without a cache, a record, have no invalidate)."""
    fn = getattr(kube, "invalidate", None)
    if callable(fn):
        fn(kind, name, namespace)


def image_is(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: str) -> str:
    """Passes when the image reference at path runs the expected image (`nginx:1.22.1` ==
    `docker.io/library/nginx:1.22.1`)."""
    return field_equals(kube, kind, name, namespace, path, expected, compare=meaning.same_image)


def quantity_is(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: Any) -> str:
    """Passes when the quantity at path is the expected amount (`67108864` == `64Mi`)."""
    return field_equals(kube, kind, name, namespace, path, expected, compare=meaning.same_quantity)


def schedule_is(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: str) -> str:
    """Passes when the cron schedule at path fires when expected does (`0,15,30,45 * * * *` == `*/15 * * * *`)."""
    return field_equals(kube, kind, name, namespace, path, expected, compare=meaning.same_schedule)


def selector_is(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: dict) -> str:
    """Passes when the label selector at path selects what expected selects (matchLabels ==
    matchExpressions In with one value)."""
    return field_equals(kube, kind, name, namespace, path, expected, compare=meaning.same_selector)


def command_is(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: list[str]) -> str:
    """Passes when the command at path runs what expected runs (`sh -c "cat /x"` == `cat /x`)."""
    return field_equals(kube, kind, name, namespace, path, expected, compare=meaning.same_command)


def probe_port_is(kube: Kube, namespace: str, name: str, container: str | None, probe: str, expected: int,
                  kind: str = "Pod") -> str:
    """Passes when the container's probe (`readinessProbe`, `livenessProbe`, `startupProbe`) checks
    port `expected` (httpGet, tcpSocket or grpc), a named port resolved through the container's ports.
    kind: "Pod", or a workload with a pod template (Deployment, StatefulSet, DaemonSet, Job)."""
    obj = must_get(kube, kind, name, namespace)
    c = container_of(_pod_like(obj), container)
    spec = c.get(probe) or {}
    handler = next((spec[k] for k in ("httpGet", "tcpSocket", "grpc") if isinstance(spec.get(k), dict)), None)
    where = f"{kind.lower()} {name} {probe}"
    if handler is None:
        raise Failed(f"{where}: expected a probe on port {expected}, found "
                     f"{'no ' + probe if not spec else 'no httpGet/tcpSocket/grpc handler'}",
                     expected=str(expected), found="nothing")
    raw = handler.get("port")
    port = meaning.resolve_port(c, raw)
    if port != int(expected):
        shown = f"{raw} (no container port has that name)" if port is None and raw is not None else _show(port)
        raise Failed(f"{where} port: expected {expected}, found {shown}", expected=str(expected), found=str(shown))
    return f"{where} checks port {port}" + (f" (named {raw})" if isinstance(raw, str) and not raw.isdigit() else "")


def _pod_like(obj: dict) -> dict:
    """A Pod, or a workload's pod template shaped as a Pod (metadata.name kept for messages)."""
    if obj.get("kind") == "Pod" or "template" not in (obj.get("spec") or {}):
        if obj.get("kind") == "CronJob":
            tmpl = field(obj, "spec.jobTemplate.spec.template") or {}
            return {"metadata": obj.get("metadata") or {}, "spec": tmpl.get("spec") or {}}
        return obj
    return {"metadata": obj.get("metadata") or {}, "spec": field(obj, "spec.template.spec") or {}}


def pod_mounts_claim(kube: Kube, namespace: str, pod: str, claim: str, mount: str | None = None,
                     container: str | None = None) -> str:
    """Passes when a volume of the pod is the PersistentVolumeClaim `claim` and a container mounts it
    (at `mount`, if given). The volume's name is the student's choice: it is found by its claim."""
    obj = must_get(kube, "Pod", pod, namespace)
    volumes = field(obj, "spec.volumes") or []
    names = [v.get("name") for v in volumes if field(v, "persistentVolumeClaim.claimName") == claim]
    if not names:
        shown = ", ".join(f"{v.get('name')} ({_volume_kind(v)})" for v in volumes) or "none"
        raise Failed(f"pod {pod}: expected a volume from claim {claim}, found volumes {shown}",
                     expected=f"persistentVolumeClaim {claim}", found=shown)
    containers = [container_of(obj, container)] if container else field(obj, "spec.containers") or []
    mounts = [(c.get("name"), m.get("mountPath")) for c in containers for m in c.get("volumeMounts") or []
              if m.get("name") in names]
    if not mounts:
        raise Failed(f"pod {pod}: volume {names[0]} (claim {claim}) is declared but no container mounts it",
                     expected=f"a volumeMount of {names[0]}", found="none")
    if mount is not None and not any(meaning.same_path(path, mount) for _, path in mounts):
        shown = ", ".join(f"{c}:{path}" for c, path in mounts)
        raise Failed(f"pod {pod}: claim {claim} mounted at {shown}, expected at {mount}", expected=mount, found=shown)
    c, path = next(((c, p) for c, p in mounts if mount is None or meaning.same_path(p, mount)), mounts[0])
    return f"pod {pod} mounts claim {claim} (volume {names[0]}) at {path} in {c}"


def _volume_kind(volume: dict) -> str:
    return next((k for k in volume if k != "name"), "?")


def container_path(pod: dict, container: str) -> str:
    """The field path of a container by name: `spec.containers[name=X]`, or `spec.initContainers[name=X]`
    when X is a native sidecar (an init container with restartPolicy Always, Kubernetes >= 1.29),
    which runs beside the main containers for the pod's whole life."""
    for c in field(pod, "spec.initContainers") or []:
        if c.get("name") == container and c.get("restartPolicy") == "Always":
            return f"spec.initContainers[name={container}]"
    return f"spec.containers[name={container}]"


def container_image_is(kube: Kube, namespace: str, pod: str, container: str, expected: str) -> str:
    """Passes when the container (a regular one or a native sidecar) runs the expected image
    (`nginx:1.22.1` == `docker.io/library/nginx:1.22.1`)."""
    obj = must_get(kube, "Pod", pod, namespace)
    return image_is(kube, "Pod", pod, namespace, f"{container_path(obj, container)}.image", expected)


def mount_path_is(kube: Kube, namespace: str, pod: str, container: str, volume: str, expected: str) -> str:
    """Passes when the container (a regular one or a native sidecar) mounts the volume at `expected`
    (`/out/` == `/out`)."""
    obj = must_get(kube, "Pod", pod, namespace)
    path = f"{container_path(obj, container)}.volumeMounts[name={volume}].mountPath"
    return field_equals(kube, "Pod", pod, namespace, path, expected, compare=meaning.same_path)


def field_contains(kube: Kube, kind: str, name: str, namespace: str | None, path: str, expected: Any) -> str:
    """Passes when the field contains expected: a substring, a list item, or a dict subset (labels)."""
    obj = must_get(kube, kind, name, namespace)
    found = field(obj, path)
    ok = False
    if isinstance(expected, dict):
        ok = isinstance(found, dict) and has_subset(found, expected)
        if not ok and isinstance(found, dict):
            wrong = {k: found.get(k) for k in expected if found.get(k) != expected[k]}
            shown = ", ".join(f"{k}={_show(v)}" for k, v in wrong.items())
            raise Failed(f"{path}: expected to include {_kv(expected)}, found {shown}",
                         expected=_kv(expected), found=shown)
    elif isinstance(found, (list, tuple)):
        ok = expected in found
    elif isinstance(found, str):
        ok = str(expected) in found
    if not ok:
        raise Failed(f"{path}: expected to contain {_show(_kv(expected) if isinstance(expected, dict) else expected)}, "
                     f"found {_show(found)}", expected=str(expected), found=_show(found))
    return f"{path} contains {_kv(expected) if isinstance(expected, dict) else _show(expected)}"


def _kv(d: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in d.items())


def labels_include(kube: Kube, kind: str, name: str, namespace: str | None, labels: dict[str, str]) -> str:
    """Passes when metadata.labels has every key=value given."""
    return field_contains(kube, kind, name, namespace, "metadata.labels", labels)


def container_of(pod: dict, container: str | None = None) -> dict:
    containers = field(pod, "spec.containers") or []
    if container is None:
        return containers[0] if containers else {}
    for c in containers:
        if c.get("name") == container:
            return c
    names = ", ".join(c.get("name", "?") for c in containers)
    raise Failed(f"pod {pod['metadata']['name']}: expected a container named {container}, found {names or 'none'}",
                 expected=container, found=names)


def pod_phase_text(pod: dict) -> str:
    """`Pending (ContainerCreating)`, `Running, not Ready (CrashLoopBackOff)` ..."""
    status = pod.get("status") or {}
    phase = status.get("phase", "Unknown")
    reasons = []
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            reasons.append(waiting["reason"])
        terminated = (cs.get("state") or {}).get("terminated")
        if terminated and terminated.get("reason"):
            reasons.append(terminated["reason"])
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
            reasons.append(cond.get("reason") or "Unschedulable")
    ready = _ready(pod)
    text = phase if not (phase == "Running" and not ready) else "Running, not Ready"
    return f"{text} ({', '.join(dict.fromkeys(reasons))})" if reasons else text


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def pod_running_ready(kube: Kube, namespace: str, name: str) -> str:
    """Passes when the pod's phase is Running and its Ready condition is True."""
    pod = must_get(kube, "Pod", name, namespace)
    phase = (pod.get("status") or {}).get("phase")
    if phase != "Running" or not _ready(pod):
        found = pod_phase_text(pod)
        raise Failed(f"pod {name}: expected Running and Ready, found {found}",
                     expected="Running and Ready", found=found)
    return f"pod {name} is Running and Ready"


def restart_count(kube: Kube, namespace: str, pod: str, container: str | None = None) -> int:
    """Restarts of a container (the first one unless named)."""
    obj = must_get(kube, "Pod", pod, namespace)
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    for cs in statuses:
        if container is None or cs.get("name") == container:
            return int(cs.get("restartCount", 0))
    raise Failed(f"pod {pod}: no status yet for container {container or '(first)'}",
                 expected="a container status", found="none")


def restarts_at_least(kube: Kube, namespace: str, pod: str, minimum: int, container: str | None = None) -> str:
    """Passes when restartCount grew to at least `minimum` (e.g. a liveness probe restarted it)."""
    n = restart_count(kube, namespace, pod, container)
    if n < minimum:
        raise Failed(f"pod {pod} restartCount: expected at least {minimum}, found {n}",
                     expected=f">= {minimum}", found=str(n))
    return f"pod {pod} restartCount = {n}"


def restarts_stable(kube: Kube, namespace: str, pod: str, window: float = 3.0, maximum: int | None = None,
                    container: str | None = None) -> str:
    """Passes when restartCount does not grow over `window` seconds (and is at most `maximum`)."""
    first = restart_count(kube, namespace, pod, container)
    if maximum is not None and first > maximum:
        raise Failed(f"pod {pod} restartCount: expected at most {maximum}, found {first}",
                     expected=f"<= {maximum}", found=str(first))
    if window > 0:
        time.sleep(window)
        invalidate(kube, "Pod", pod, namespace)
        second = restart_count(kube, namespace, pod, container)
        if second != first:
            raise Failed(f"pod {pod} restartCount: expected to stay at {first}, found it grew to {second} "
                         f"within {window:g} s", expected=str(first), found=str(second))
    return f"pod {pod} restartCount stays at {first}"


def service_endpoints(kube: Kube, namespace: str, service: str, minimum: int = 1, port: int | None = None) -> str:
    """Passes when the Service has at least `minimum` ready endpoint addresses (EndpointSlices)."""
    must_get(kube, "Service", service, namespace)
    slices = kube.list("EndpointSlice", namespace, f"kubernetes.io/service-name={service}")
    ready: list[str] = []
    ports: set[int] = set()
    for s in slices:
        for p in s.get("ports") or []:
            if p.get("port") is not None:
                ports.add(int(p["port"]))
        for ep in s.get("endpoints") or []:
            if (ep.get("conditions") or {}).get("ready", True):
                ready.extend(ep.get("addresses") or [])
    if len(ready) < minimum:
        raise Failed(f"service {service}: expected at least {minimum} ready endpoint(s), found {len(ready)}"
                     + (" (does the selector match the pods' labels?)" if not ready else ""),
                     expected=f">= {minimum}", found=str(len(ready)))
    if port is not None and port not in ports:
        shown = ", ".join(str(p) for p in sorted(ports)) or "none"
        raise Failed(f"service {service} endpoints: expected target port {port}, found {shown}",
                     expected=str(port), found=shown)
    return f"service {service} has {len(ready)} ready endpoint(s): {', '.join(sorted(ready))}"


def pod_on_labeled_node(kube: Kube, namespace: str, pod: str, key: str, value: str | None = None) -> str:
    """Passes when the pod is scheduled on a node carrying label key (=value)."""
    obj = must_get(kube, "Pod", pod, namespace)
    node_name = field(obj, "spec.nodeName")
    want = f"{key}={value}" if value is not None else key
    if not node_name:
        found = pod_phase_text(obj)
        raise Failed(f"pod {pod}: expected to be scheduled on a node with {want}, found not scheduled ({found})",
                     expected=want, found="not scheduled")
    node = must_get(kube, "Node", node_name)
    labels = field(node, "metadata.labels") or {}
    if key not in labels or (value is not None and labels[key] != value):
        found = f"{key}={labels[key]}" if key in labels else f"no label {key}"
        raise Failed(f"pod {pod} runs on node {node_name}: expected a node with {want}, found {found}",
                     expected=want, found=found)
    return f"pod {pod} runs on {node_name} ({want})"


def node_has_taint(kube: Kube, node: str, key: str, effect: str, value: str | None = None) -> str:
    """Passes when the node carries the taint key[=value]:effect."""
    obj = must_get(kube, "Node", node)
    taints = field(obj, "spec.taints") or []
    for t in taints:
        if t.get("key") == key and t.get("effect") == effect and (value is None or t.get("value") == value):
            return f"node {node} has taint {key}{'=' + value if value else ''}:{effect}"
    shown = ", ".join(f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}" for t in taints)
    want = f"{key}{'=' + value if value else ''}:{effect}"
    raise Failed(f"node {node} taints: expected {want}, found {shown or 'none'}", expected=want, found=shown or "none")


def pod_tolerates(kube: Kube, namespace: str, pod: str, key: str, effect: str | None = None,
                  value: str | None = None) -> str:
    """Passes when the pod has a toleration matching the taint key (value, effect)."""
    obj = must_get(kube, "Pod", pod, namespace)
    tols = field(obj, "spec.tolerations") or []
    for t in tols:
        op = t.get("operator", "Equal")
        key_ok = t.get("key") == key or (op == "Exists" and not t.get("key"))
        value_ok = op == "Exists" or value is None or t.get("value") == value
        effect_ok = not t.get("effect") or effect is None or t.get("effect") == effect
        if key_ok and value_ok and effect_ok:
            return f"pod {pod} tolerates {key}"
    shown = ", ".join(f"{t.get('key', '*')}:{t.get('effect', '*')}" for t in tols
                      if not str(t.get("key", "")).startswith("node.kubernetes.io/"))
    raise Failed(f"pod {pod} tolerations: expected one for {key}{':' + effect if effect else ''}, found {shown or 'none'}",
                 expected=key, found=shown or "none")


def pvc_bound(kube: Kube, namespace: str, name: str) -> str:
    """Passes when the PersistentVolumeClaim's phase is Bound."""
    obj = must_get(kube, "PersistentVolumeClaim", name, namespace)
    phase = field(obj, "status.phase")
    if phase != "Bound":
        raise Failed(f"pvc {name} status.phase: expected Bound, found {phase or 'nothing'}",
                     expected="Bound", found=str(phase))
    return f"pvc {name} is Bound to {field(obj, 'spec.volumeName')}"


def env_in_container(kube: Kube, namespace: str, pod: str, var: str, expected: str | None = None,
                     container: str | None = None, secret: bool = False) -> str:
    """Passes when `var` is set inside the running container (to expected, if given).

    With secret=True the value is never shown, only whether it matched.
    """
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
        raise ValueError(f"not an environment variable name: {var!r}")
    # only sh built-ins: works in any image with a shell (busybox, nginx, ...), printenv or not
    script = f'if [ -n "${{{var}+set}}" ]; then printf "%s" "${var}"; else exit 3; fi'
    rc, out, err = kube.exec(namespace, pod, ["sh", "-c", script], container=container)
    if rc not in (0, 3):
        rc, out, err2 = kube.exec(namespace, pod, ["printenv", var], container=container)
        if rc not in (0, 1):
            raise Failed(f"env {var} in pod {pod}: could not run a command in the container ({(err + err2).strip()[:120]})",
                         expected="a container with sh or printenv", found="no way to read its environment")
        out = out.rstrip("\n")
    found = out if rc == 0 else None
    if secret and found:
        kube.secret_values.add(found)
    if found is None:
        raise Failed(f"env {var} in pod {pod}: expected {'set' if expected is None else 'to be set'}, found it unset",
                     expected="set", found="unset")
    if expected is not None and found != expected:
        if secret:
            raise Failed(f"env {var} in pod {pod}: expected the Secret's value, found a different value",
                         expected="the Secret's value", found="a different value")
        return expect_equal(f"env {var} in pod {pod}", expected, found)
    return f"env {var} in pod {pod} is set" + ("" if secret else f" to {_show(found)}")


def file_in_container(kube: Kube, namespace: str, pod: str, path: str, contains: str | None = None,
                      container: str | None = None, secret: bool = False) -> str:
    """Passes when the file exists in the running container (and contains the text, if given)."""
    rc, out, err = kube.exec(namespace, pod, ["cat", path], container=container)
    if rc != 0:
        raise Failed(f"file {path} in pod {pod}: expected to exist, found {err.strip() or 'nothing'}",
                     expected="exists", found=err.strip() or "nothing")
    if secret:
        kube.secret_values.add(out.strip())
    if contains is not None and contains not in out:
        shown = "different content" if secret else _show(out.strip()[:80])
        raise Failed(f"file {path} in pod {pod}: expected to contain {'the Secret value' if secret else _show(contains)}, "
                     f"found {shown}", expected=contains if not secret else "******", found=shown)
    return f"file {path} in pod {pod} is there" + (f" and contains {_show(contains)}" if contains and not secret else "")


def rollout_history(kube: Kube, namespace: str, deployment: str) -> list[tuple[int, list[str]]]:
    """[(revision, [images])] of a Deployment, oldest first, from its ReplicaSets."""
    dep = must_get(kube, "Deployment", deployment, namespace)
    uid = field(dep, "metadata.uid")
    history = []
    for rs in kube.list("ReplicaSet", namespace):
        owners = field(rs, "metadata.ownerReferences") or []
        if not any(o.get("uid") == uid for o in owners):
            continue
        rev = int((field(rs, "metadata.annotations") or {}).get("deployment.kubernetes.io/revision", 0))
        images = [c.get("image") for c in field(rs, "spec.template.spec.containers") or []]
        history.append((rev, images))
    return sorted(history)


def rollout_revision_at_least(kube: Kube, namespace: str, deployment: str, minimum: int) -> str:
    """Passes when the Deployment's current revision is at least `minimum`."""
    dep = must_get(kube, "Deployment", deployment, namespace)
    rev = int((field(dep, "metadata.annotations") or {}).get("deployment.kubernetes.io/revision", 0))
    if rev < minimum:
        raise Failed(f"deployment {deployment} revision: expected at least {minimum}, found {rev}",
                     expected=f">= {minimum}", found=str(rev))
    return f"deployment {deployment} is at revision {rev}"


def image_history_includes(kube: Kube, namespace: str, deployment: str, images: Iterable[str]) -> str:
    """Passes when the rollout history contains revisions with each image, in this order."""
    want = list(images)
    history = rollout_history(kube, namespace, deployment)
    seen = [img for _, imgs in history for img in imgs]
    pos = 0
    for img in seen:
        if pos < len(want) and meaning.same_image(img, want[pos]):
            pos += 1
    if pos < len(want):
        shown = " -> ".join(f"r{r}:{','.join(i)}" for r, i in history) or "none"
        raise Failed(f"deployment {deployment} history: expected images {' -> '.join(want)}, found {shown}",
                     expected=" -> ".join(want), found=shown)
    return f"deployment {deployment} history has {' -> '.join(want)}"


def job_succeeded(kube: Kube, namespace: str, job: str, times: int = 1) -> str:
    """Passes when the Job's status.succeeded is at least `times`."""
    obj = must_get(kube, "Job", job, namespace)
    n = int(field(obj, "status.succeeded") or 0)
    if n < times:
        failed = int(field(obj, "status.failed") or 0)
        raise Failed(f"job {job} status.succeeded: expected {times}, found {n}" + (f" ({failed} failed)" if failed else ""),
                     expected=str(times), found=str(n))
    return f"job {job} succeeded {n} time(s)"


def secret_has_keys(kube: Kube, namespace: str, name: str, keys: Iterable[str]) -> str:
    """Passes when the Secret has every key (values are never shown)."""
    obj = must_get(kube, "Secret", name, namespace)
    have = set((obj.get("data") or {}).keys())
    missing = [k for k in keys if k not in have]
    if missing:
        raise Failed(f"secret {name}: expected keys {', '.join(keys)}, found {', '.join(sorted(have)) or 'none'}",
                     expected=", ".join(keys), found=", ".join(sorted(have)))
    return f"secret {name} has keys {', '.join(keys)}"


def secret_value_equals(kube: Kube, namespace: str, name: str, key: str, expected: str) -> str:
    """Passes when the Secret's key decodes to expected; messages never show either value."""
    obj = must_get(kube, "Secret", name, namespace)
    kube.secret_values.add(expected)
    raw = (obj.get("data") or {}).get(key)
    if raw is None:
        raise Failed(f"secret {name}: expected key {key}, found {', '.join(sorted(obj.get('data') or {})) or 'no keys'}",
                     expected=key, found="missing")
    if base64.b64decode(raw).decode(errors="replace") != expected:
        raise Failed(f"secret {name} key {key}: expected the value the task gives, found a different value",
                     expected="the task's value", found="a different value")
    return f"secret {name} key {key} holds the expected value"
