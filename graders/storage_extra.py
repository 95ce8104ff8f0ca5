"""Storage primitives: file mode and line counts inside a container, files on a node.

Same contract as `kubelab.graders.k8s`: a short observation when right, `Failed` when the
student's state is wrong, `InfraError` when the cluster or Docker cannot be asked.
"""

from __future__ import annotations

import re

from kubelab.graders import k8s
from kubelab.graders.errors import Failed, InfraError
from kubelab.graders.k8s import Kube


def claim_bound_by_class(kube: Kube, namespace: str, pvc: str) -> str:
    """Passes when the claim is Bound and its storageClassName names a StorageClass the cluster has
    (a volume made by hand for a class nobody defines binds too, but no class provisioned it)."""
    found = k8s.pvc_bound(kube, namespace, pvc)
    cls = (k8s.must_get(kube, "PersistentVolumeClaim", pvc, namespace).get("spec") or {}).get("storageClassName")
    if not cls:
        raise Failed(f"pvc {pvc}: expected a volume provisioned by a StorageClass, found a claim of no class "
                     "bound to a volume made by hand", expected="a StorageClass", found="no class")
    if kube.get("StorageClass", cls) is None:
        raise Failed(f"pvc {pvc} is bound, but its class {cls} is no StorageClass of the cluster "
                     "(`kubectl get storageclass`): the volume was made by hand, not provisioned",
                     expected="an existing StorageClass", found=cls)
    return f"{found}, provisioned by the StorageClass {cls}"


def claim_asks_for(kube: Kube, namespace: str, pvc: str, request: str, access_mode: str) -> str:
    """Passes when the claim requests this amount (any unit: `64Mi` == `67108864`) and lists the access mode."""
    found = k8s.quantity_is(kube, "PersistentVolumeClaim", pvc, namespace, "spec.resources.requests.storage", request)
    modes = (k8s.must_get(kube, "PersistentVolumeClaim", pvc, namespace).get("spec") or {}).get("accessModes") or []
    if access_mode not in modes:
        raise Failed(f"pvc {pvc} spec.accessModes: expected {access_mode}, found {', '.join(modes) or 'none'}",
                     expected=access_mode, found=", ".join(modes) or "none")
    return f"{found}; accessModes {', '.join(modes)}"


def file_mode_in_container(kube: Kube, namespace: str, pod: str, path: str, mode: int,
                           container: str | None = None) -> str:
    """Passes when the file (symlinks followed, as Secret/ConfigMap volumes use them) has this mode.

    `mode` as an int (0o400); messages show it in octal like `ls -l` users read it.
    """
    rc, out, err = kube.exec(namespace, pod, ["stat", "-L", "-c", "%a", path], container=container)
    if rc != 0:
        raise Failed(f"file {path} in pod {pod}: expected to exist, found {err.strip() or 'nothing'}",
                     expected="exists", found=err.strip() or "nothing")
    text = out.strip()
    if not re.fullmatch(r"[0-7]{1,4}", text):
        raise Failed(f"file {path} in pod {pod}: could not read its mode (stat said {text[:40]!r})",
                     expected=f"{mode:04o}", found=text[:40])
    found = int(text, 8)
    if found != mode:
        raise Failed(f"file {path} in pod {pod} mode: expected {mode:04o}, found {found:04o}",
                     expected=f"{mode:04o}", found=f"{found:04o}")
    return f"file {path} in pod {pod} has mode {found:04o}"


def lines_in_container(kube: Kube, namespace: str, pod: str, path: str, text: str, minimum: int,
                       container: str | None = None) -> str:
    """Passes when the file has at least `minimum` lines containing `text`."""
    rc, out, err = kube.exec(namespace, pod, ["cat", path], container=container)
    if rc != 0:
        raise Failed(f"file {path} in pod {pod}: expected to exist, found {err.strip() or 'nothing'}",
                     expected="exists", found=err.strip() or "nothing")
    n = sum(1 for line in out.splitlines() if text in line)
    if n < minimum:
        raise Failed(f"file {path} in pod {pod}: expected at least {minimum} line(s) with {text!r}, found {n}",
                     expected=f">= {minimum}", found=str(n))
    return f"file {path} in pod {pod} has {n} line(s) with {text!r}"


def _docker_exec(node: str, command: list[str]) -> tuple[int, str]:
    from kubelab.graders.docker_engine import Docker

    return Docker().exec(node, command)


def file_on_node(node: str, path: str, contains: str | None = None, runner=_docker_exec) -> str:
    """Passes when the file exists on the kind node (a Docker container) and contains the text.

    `runner(node, argv) -> (rc, output)` runs a command on the node (docker exec by default).
    """
    try:
        rc, out = runner(node, ["cat", path])
    except (Failed, InfraError):
        raise
    except Exception as exc:  # Docker unreachable and the like: not the student's fault
        raise InfraError(f"could not read {path} on node {node}: {type(exc).__name__}: {exc}",
                         "make sure the Docker engine runs (`docker ps` must work), then check again") from exc
    if rc != 0:
        raise Failed(f"file {path} on node {node}: expected to exist, found nothing",
                     expected="exists", found="nothing")
    if contains is not None and contains not in out:
        shown = out.strip()[:60] or "an empty file"
        raise Failed(f"file {path} on node {node}: expected to contain {contains!r}, found {shown!r}",
                     expected=contains, found=shown)
    return f"file {path} is on node {node}" + (f" with {contains!r}" if contains else "")
