"""The cluster's own machinery, as recorded at `cluster up`: kubelets, static pods, CoreDNS.

The troubleshooting labs that break the whole cluster (CoreDNS scaled to zero or its Corefile
broken, a worker's kubelet stopped, the scheduler's static pod manifest broken) and
`kubelab cluster reset` share this module:

- `capture()` reads it live: per node whether the kubelet is active and enabled and the kubelet's
  files (config.yaml, kubeadm-flags.env, the systemd drop-ins), the static pod manifests in
  /etc/kubernetes/manifests, and CoreDNS's replicas and Corefile. `baseline_of(state)` is what
  `record_baseline` keeps (kube-system/kubelab-baseline, key "system").
- `problems(state, base)` (pure) lists every difference from the baseline: the baseline check.
- `restore(base)` puts back what differs: kubelet files rewritten and the kubelet (re)started and
  enabled, manifests rewritten (extra files moved to /etc/kubernetes/kubelab-removed, never
  deleted), Corefile and replicas. `wait_baseline` waits until `problems` is empty.

Command line, for lab steps: `python -m kubelab.cluster.system restore [PART ...]`,
`python -m kubelab.cluster.system ensure-baseline`, `python -m kubelab.cluster.system check`.
"""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import tarfile
import time
from typing import Callable

from kubelab.cluster.api import ClusterError

MANIFESTS = "/etc/kubernetes/manifests"
KUBELET_FILES = ("/var/lib/kubelet/config.yaml", "/var/lib/kubelet/kubeadm-flags.env")
KUBELET_DROPINS = "/etc/systemd/system/kubelet.service.d"
REMOVED = "/etc/kubernetes/kubelab-removed"   # extra manifests are moved here, not deleted
PARTS = ("kubelet", "static-pods", "coredns")
DNS_NS, DNS_NAME = "kube-system", "coredns"
SYSTEM_KEY = "system"

Log = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# ---- reading the nodes --------------------------------------------------------------------------

def _docker(argv: list[str], input: bytes | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["docker", *argv], input=input, capture_output=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise ClusterError("docker: not found on PATH (the kind nodes are Docker containers)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ClusterError(f"no answer within {timeout:g} s: docker {' '.join(argv)}") from exc


def _node_read(node: str) -> tuple[dict, dict[str, str]]:
    """The kubelet unit's state ({active, enabled}) and path -> text of the kubelet files and static pod
    manifests on a node, in one `docker exec` (the unit's state on stderr, a tar of the files on stdout)."""
    paths = " ".join(p.lstrip("/") for p in (MANIFESTS, *KUBELET_FILES, KUBELET_DROPINS))
    script = ("systemctl is-active kubelet >&2; systemctl is-enabled kubelet >&2; "
              f"tar -cf - --ignore-failed-read -C / {paths} 2>/dev/null; true")
    proc = _docker(["exec", node, "sh", "-c", script])
    words = proc.stderr.decode(errors="replace").split()
    if not proc.stdout:
        raise ClusterError(f"cannot read the kubelet files of node {node}: docker exec {node} sh -c {script!r} "
                           f"(exit {proc.returncode}): {' '.join(words)[-500:]}")
    files = {}
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                files["/" + member.name] = tar.extractfile(member).read().decode(errors="replace")
    return {"active": words[:1] == ["active"], "enabled": words[1:2] == ["enabled"]}, files


@functools.lru_cache(maxsize=1)
def _apis():
    from kubernetes import client as k

    from kubelab.cluster.kube import api_client

    api = api_client()
    return k.CoreV1Api(api), k.AppsV1Api(api)


def capture(nodes: list[str] | None = None) -> dict:
    """The live state: kubelet (active, enabled, files) and static pods per node, node and mirror pod
    readiness, CoreDNS replicas and Corefile. Raises ClusterError."""
    from kubelab.cluster.lifecycle import node_containers

    corev1, appsv1 = _apis()
    names = nodes or [n.name for n in node_containers() if n.running]
    state: dict = {"kubelet": {}, "static_pods": {}, "nodes_ready": {}, "static_ready": {}}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        read = dict(zip(names, pool.map(_node_read, names)))
    for node in names:
        unit, files = read[node]
        state["kubelet"][node] = {**unit, "files": {
            p: t for p, t in files.items() if p in KUBELET_FILES or p.startswith(KUBELET_DROPINS + "/")}}
        state["static_pods"][node] = {p.rsplit("/", 1)[1]: t for p, t in files.items()
                                      if p.startswith(MANIFESTS + "/")}
    for n in corev1.list_node().items:
        state["nodes_ready"][n.metadata.name] = any(c.type == "Ready" and c.status == "True"
                                                    for c in n.status.conditions or [])
    for pod in corev1.list_namespaced_pod("kube-system").items:
        if (pod.metadata.annotations or {}).get("kubernetes.io/config.mirror") is None:
            continue
        ready = any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])
        state["static_ready"].setdefault(pod.spec.node_name, {})[pod.metadata.name] = ready
    dep = appsv1.read_namespaced_deployment(DNS_NAME, DNS_NS)
    cm = corev1.read_namespaced_config_map(DNS_NAME, DNS_NS)
    state["coredns"] = {"replicas": dep.spec.replicas or 0, "available": dep.status.available_replicas or 0,
                        "corefile": (cm.data or {}).get("Corefile", "")}
    return state


def baseline_of(state: dict) -> dict:
    """What the baseline keeps of a captured state (no readiness: that is checked, not recorded)."""
    return {"kubelet": state["kubelet"], "static_pods": state["static_pods"],
            "coredns": {"replicas": state["coredns"]["replicas"], "corefile": state["coredns"]["corefile"]}}


# ---- the baseline check (pure) ------------------------------------------------------------------

def _manifest_name(text: str) -> str | None:
    import yaml

    try:
        doc = yaml.safe_load(text)
        return str(doc["metadata"]["name"])
    except Exception:
        return None


def file_changes(want: dict[str, str], have: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(changed, missing, extra) file names between the baseline and now."""
    changed = sorted(f for f in want if f in have and have[f] != want[f])
    missing = sorted(f for f in want if f not in have)
    extra = sorted(f for f in have if f not in want)
    return changed, missing, extra


def problems(state: dict, base: dict, parts=PARTS) -> list[str]:
    """Every way the live state differs from the baseline (in these parts): [] when it is as recorded."""
    out: list[str] = []
    for node, want in sorted(base["kubelet"].items() if "kubelet" in parts else ()):
        have = state["kubelet"].get(node)
        if have is None:
            out.append(f"node {node}: its container is not running")
            continue
        if not have["active"]:
            out.append(f"node {node}: the kubelet is not running (systemctl is-active kubelet)")
        if want.get("enabled", True) and not have["enabled"]:
            out.append(f"node {node}: the kubelet is not enabled (systemctl is-enabled kubelet)")
        changed, missing, extra = file_changes(want["files"], have["files"])
        out += [f"node {node}: kubelet file {f} differs from the baseline" for f in changed]
        out += [f"node {node}: kubelet file {f} is missing" for f in missing]
        out += [f"node {node}: kubelet file {f} is not in the baseline" for f in extra]
        if not state["nodes_ready"].get(node, False):
            out.append(f"node {node} is not Ready")
    for node, want in sorted(base["static_pods"].items() if "static-pods" in parts else ()):
        have = state["static_pods"].get(node)
        if have is None:
            out.append(f"node {node}: its container is not running")
            continue
        changed, missing, extra = file_changes(want, have)
        out += [f"node {node}: static pod manifest {MANIFESTS}/{f} differs from the baseline" for f in changed]
        out += [f"node {node}: static pod manifest {MANIFESTS}/{f} is missing" for f in missing]
        out += [f"node {node}: {MANIFESTS}/{f} is not in the baseline" for f in extra]
        ready = state["static_ready"].get(node, {})
        for f in sorted(want):
            name = _manifest_name(want[f])
            if name and not ready.get(f"{name}-{node}", False):
                out.append(f"static pod kube-system/{name}-{node} is not Ready")
    if "coredns" not in parts:
        return out
    dns, have = base["coredns"], state["coredns"]
    if have["corefile"] != dns["corefile"]:
        out.append(f"configmap {DNS_NS}/{DNS_NAME}: the Corefile differs from the baseline")
    if have["replicas"] != dns["replicas"]:
        out.append(f"deployment {DNS_NS}/{DNS_NAME}: {have['replicas']} replicas, the baseline has {dns['replicas']}")
    elif have["available"] < dns["replicas"]:
        out.append(f"deployment {DNS_NS}/{DNS_NAME}: {have['available']}/{dns['replicas']} available")
    return out


# ---- the baseline itself ------------------------------------------------------------------------

def load(corev1=None) -> dict | None:
    """The recorded system baseline, or None (a cluster made by an older kubelab). Raises ClusterError."""
    from kubelab.cluster.reset import load_baseline

    corev1 = corev1 or _apis()[0]
    return load_baseline(corev1).get(SYSTEM_KEY)


def _save(corev1, system: dict) -> None:
    from kubelab.cluster.lifecycle import BASELINE_CM

    cm = corev1.read_namespaced_config_map(BASELINE_CM, "kube-system")
    data = json.loads(cm.data["baseline.json"])
    data[SYSTEM_KEY] = system
    corev1.patch_namespaced_config_map(BASELINE_CM, "kube-system",
                                       {"data": {"baseline.json": json.dumps(data, indent=1, sort_keys=True)}})


def healthy_problems(state: dict) -> list[str]:
    """What is wrong with a state regardless of any baseline (to refuse recording a broken one)."""
    out = [f"node {n}: the kubelet is not running" for n, k in state["kubelet"].items() if not k["active"]]
    out += [f"node {n} is not Ready" for n, ok in state["nodes_ready"].items() if not ok]
    out += [f"static pod kube-system/{p} is not Ready" for pods in state["static_ready"].values()
            for p, ok in pods.items() if not ok]
    dns = state["coredns"]
    if dns["replicas"] < 1 or dns["available"] < dns["replicas"]:
        out.append(f"deployment {DNS_NS}/{DNS_NAME}: {dns['available']}/{dns['replicas']} available")
    return out


def ensure_baseline(timeout: float = 60) -> dict:
    """The system baseline; recorded now when the cluster's baseline predates it (made by an older
    kubelab), but only from a healthy cluster (waited for up to `timeout`). Raises ClusterError."""
    corev1, _ = _apis()
    base = load(corev1)
    if base is not None:
        return base
    deadline = time.monotonic() + timeout
    while True:
        state = capture()
        bad = healthy_problems(state)
        if not bad:
            base = baseline_of(state)
            _save(corev1, base)
            return base
        if time.monotonic() > deadline:
            raise ClusterError("the cluster baseline has no record of the kubelets, static pods and CoreDNS, and "
                               "the cluster is not healthy enough to record them now: " + "; ".join(bad))
        time.sleep(1)


# ---- restoring ----------------------------------------------------------------------------------

def _write(node: str, path: str, text: str) -> None:
    """Write a file on a node atomically (a temporary file beside it, then mv)."""
    parent = path.rsplit("/", 1)[0]
    tmp = f"{parent.rsplit('/', 1)[0]}/.kubelab-restore.tmp"   # outside a watched directory, same filesystem
    proc = _docker(["exec", "-i", node, "sh", "-c", f"mkdir -p '{parent}' && cat > '{tmp}' && mv '{tmp}' '{path}'"],
                   input=text.encode())
    if proc.returncode != 0:
        raise ClusterError(f"cannot write {path} on node {node} (docker exec -i {node} sh -c 'cat > ... && mv ...', "
                           f"exit {proc.returncode}): {proc.stderr.decode(errors='replace').strip()[-500:]}")


def _sh(node: str, script: str, log: Log) -> None:
    log(f"$ docker exec {node} sh -c {script!r}")
    proc = _docker(["exec", node, "sh", "-c", script], timeout=60)
    if proc.returncode != 0:
        raise ClusterError(f"command failed (exit {proc.returncode}): docker exec {node} sh -c {script!r}\n"
                           f"{(proc.stdout + proc.stderr).decode(errors='replace').strip()[-1000:]}")


def restore(base: dict, parts=PARTS, log: Log = _quiet, state: dict | None = None) -> list[str]:
    """Put back what differs from the baseline (the given parts; `state`: a capture just made); returns
    what was done. Each part is tried even when an earlier one failed; the first error is raised at the end."""
    done: list[str] = []
    errors: list[Exception] = []
    state = state or capture()
    if "kubelet" in parts:
        for node, want in sorted(base["kubelet"].items()):
            have = state["kubelet"].get(node)
            if have is None:
                continue
            try:
                changed, missing, extra = file_changes(want["files"], have["files"])
                for f in changed + missing:
                    _write(node, f, want["files"][f])
                if extra:
                    _sh(node, f"mkdir -p {REMOVED} && mv {' '.join(extra)} {REMOVED}/", log)
                files = bool(changed or missing or extra)
                if files or not have["active"] or (want.get("enabled", True) and not have["enabled"]):
                    verb = "restart" if files or have["active"] else "start"
                    _sh(node, f"systemctl daemon-reload && systemctl reset-failed kubelet; systemctl enable kubelet "
                              f"2>/dev/null; systemctl {verb} kubelet", log)
                    done.append(f"node {node}: kubelet {verb}ed" + (" (files restored)" if files else ""))
            except Exception as exc:
                errors.append(exc)
    if "static-pods" in parts:
        for node, want in sorted(base["static_pods"].items()):
            have = state["static_pods"].get(node)
            if have is None:
                continue
            try:
                changed, missing, extra = file_changes(want, have)
                for f in changed + missing:
                    _write(node, f"{MANIFESTS}/{f}", want[f])
                    done.append(f"node {node}: {MANIFESTS}/{f} restored")
                if extra:
                    stamp = time.strftime("%Y%m%d%H%M%S")
                    _sh(node, f"mkdir -p {REMOVED} && " + " && ".join(
                        f"mv '{MANIFESTS}/{f}' '{REMOVED}/{f}.{stamp}'" for f in extra), log)
                    done.append(f"node {node}: {', '.join(extra)} moved to {REMOVED}")
            except Exception as exc:
                errors.append(exc)
    if "coredns" in parts:
        try:
            done += _restore_coredns(base["coredns"], state["coredns"], log)
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    return done


def _restore_coredns(want: dict, have: dict, log: Log) -> list[str]:
    corev1, appsv1 = _apis()
    done = []
    if have["corefile"] != want["corefile"]:
        log(f"restoring the Corefile of configmap {DNS_NS}/{DNS_NAME}")
        corev1.patch_namespaced_config_map(DNS_NAME, DNS_NS, {"data": {"Corefile": want["corefile"]}})
        # new pods read it at once (a running CoreDNS reloads it only after the kubelet syncs the volume)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        appsv1.patch_namespaced_deployment(DNS_NAME, DNS_NS, {"spec": {"template": {"metadata": {"annotations": {
            "kubectl.kubernetes.io/restartedAt": stamp}}}}})
        done.append("coredns: Corefile restored, pods restarted")
    if have["replicas"] != want["replicas"]:
        log(f"scaling deployment {DNS_NS}/{DNS_NAME} to {want['replicas']}")
        appsv1.patch_namespaced_deployment_scale(DNS_NAME, DNS_NS, {"spec": {"replicas": want["replicas"]}})
        done.append(f"coredns: scaled from {have['replicas']} to {want['replicas']}")
    return done


def wait_baseline(base: dict, timeout: float = 60, interval: float = 0.5, parts=PARTS) -> list[str]:
    """Wait until the live state matches the baseline; returns the problems left ([] on success)."""
    deadline = time.monotonic() + timeout
    while True:
        left = problems(capture(), base, parts)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(interval)


def restore_and_wait(parts=PARTS, timeout: float = 90, log: Log = _quiet) -> list[str]:
    """restore() then wait_baseline(); raises ClusterError naming what is still off after `timeout`."""
    base = ensure_baseline()
    state = capture()
    if not problems(state, base, parts):
        return []
    done = restore(base, parts, log, state)
    left = wait_baseline(base, timeout, parts=parts)
    if left:
        raise ClusterError(f"the cluster is not back to its baseline after {timeout:g} s: " + "; ".join(left))
    return done


def main(argv: list[str]) -> int:
    usage = "usage: python -m kubelab.cluster.system {check | ensure-baseline | restore [kubelet|static-pods|coredns ...]}"
    if not argv or argv[0] not in ("check", "ensure-baseline", "restore"):
        print(usage, file=sys.stderr)
        return 3
    try:
        if argv[0] == "ensure-baseline":
            ensure_baseline()
            print("system baseline recorded")
        elif argv[0] == "check":
            left = problems(capture(), ensure_baseline())
            print("\n".join(left) or "the kubelets, static pods and CoreDNS are as in the baseline")
            return 1 if left else 0
        else:
            parts = tuple(argv[1:]) or PARTS
            unknown = set(parts) - set(PARTS)
            if unknown:
                print(f"unknown part(s) {', '.join(sorted(unknown))}; {usage}", file=sys.stderr)
                return 3
            done = restore_and_wait(parts, log=print)
            print("\n".join(done) or "nothing to restore")
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
