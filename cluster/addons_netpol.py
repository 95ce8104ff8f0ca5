"""The NetworkPolicy add-on: kube-router's firewall (NetworkPolicy) controller, built from the Go
module proxy, enforces NetworkPolicy on the offline course cluster.

kubelab's own pod network agent (cluster/gobuild/cni) only routes; kube-router runs beside it as a
DaemonSet with `--run-firewall=true --run-router=false --run-service-proxy=false`: per pod it writes
iptables chains (nf_tables backend, as kube-proxy's) and ipsets from the policies that select the
pod. Pods that no policy selects keep full connectivity. Why kube-router and not
sigs.k8s.io/kube-network-policies: docs/networkpolicy.md (that one queues packets with nftables'
`queue` statement, which this host's kernel lacks).

`kubelab cluster up` calls `ensure()`. Every step is reused when its input has not changed:

1. the binary: `github.com/cloudnativelabs/kube-router/v2` at the pin (`kube_router` in
   cluster/pins.yaml), built through a throwaway module into ~/.cache/kubelab/kube-router/<version>/;
2. the image `docker.io/kubelab/kube-router:<version>`: that binary with Debian's iptables (nft) and
   ipset from a small debootstrapped root, loaded into every kind node that lacks it;
3. the manifests below, applied when their hash differs from the one on the DaemonSet.

On kind's published node image (kindnet, which enforces NetworkPolicy itself) nothing is deployed.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import yaml

from kubelab.cluster.addons import kubectl as _kubectl, manifest_hash
from kubelab.cluster.api import ClusterError
from kubelab.cluster.execs import CommandError, run, run_logged
from kubelab.cluster.paths import Pins, cache_dir, pins, stamp_ok
from kubelab.cluster.progress import Timings, console, phase

MODULE = "github.com/cloudnativelabs/kube-router/v2"
NAMESPACE = "kube-system"
NAME = "kubelab-netpol"
HASH_ANNOTATION = "kubelab.io/addon-hash"
HEALTH_PORT = 20244
RECIPE = "netpol-image-1"   # bump when the image's layout (not the binary) changes
ROOT_PACKAGES = ["iptables", "ipset", "busybox-static"]
# programs kube-router runs, from the Debian root (iptables in its nf_tables flavour, as kube-proxy)
TOOLS = {
    "/usr/sbin/xtables-nft-multi": ["iptables", "iptables-save", "iptables-restore",
                                    "ip6tables", "ip6tables-save", "ip6tables-restore"],
    "/usr/sbin/ipset": [],
}


def image_ref(p: Pins) -> str:
    return f"docker.io/kubelab/kube-router:{p.kube_router}"


# ---- 1. the binary ---------------------------------------------------------------------------

def binary_path(p: Pins) -> Path:
    return cache_dir() / "kube-router" / p.kube_router / "kube-router"


def build_binary(p: Pins, ph) -> Path:
    """Build kube-router at the pin (a few minutes on 2 cores the first time), or reuse it."""
    from kubelab.cluster import gobuild

    out = binary_path(p)
    stamp = out.with_name(".complete")
    if out.exists() and stamp_ok(stamp, p.kube_router):
        ph.cached = True
        return out
    work = cache_dir() / "go" / f"kube-router-{p.kube_router}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(f"module kubelab.local/kuberouterbuild\n\ngo 1.24.0\n\nrequire {MODULE} {p.kube_router}\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name("kube-router.partial")
    ldflags = (f"-s -w -X {MODULE}/pkg/version.Version={p.kube_router} "
               f"-X {MODULE}/pkg/version.BuildDate=1970-01-01T00:00:00Z")
    run_logged(["go", "build", "-v", "-trimpath", "-ldflags", ldflags, "-o", str(tmp), f"{MODULE}/cmd/kube-router"],
               cache_dir() / "logs" / f"kube-router-{p.kube_router}.log", cwd=work, env=gobuild.go_env(),
               on_line=ph.line)
    tmp.rename(out)
    stamp.write_text(p.kube_router)
    return out


# ---- 2. the image ------------------------------------------------------------------------------

def image_spec(p: Pins, root: Path | None = None):
    """The image, built from the binary and the Debian root `root` (only read when it is built)."""
    from kubelab.cluster.images import PATH_ENV, ImageSpec
    from kubelab.cluster.rootfs import TarBuilder, ldd_closure

    def build() -> bytes:
        assert root is not None, "the Debian root is needed to build the image"
        t = TarBuilder()
        t.base_etc()
        t.busybox(root)
        t.file("/usr/local/bin/kube-router", binary_path(p).read_bytes(), 0o755)
        for binary, links in TOOLS.items():
            t.copy_from(root, binary)
            for name in links:
                t.symlink(f"/usr/sbin/{name}", Path(binary).name)
        xtables = "/usr/lib/x86_64-linux-gnu/xtables"
        extensions = [f"{xtables}/{so.name}" for so in sorted((root / xtables.lstrip("/")).glob("*.so"))]
        for lib in sorted(ldd_closure(root, [*TOOLS, *extensions])):
            t.copy_from(root, lib)
        t.copy_from(root, xtables)
        for extra in ("/etc/ethertypes", "/etc/protocols", "/etc/services"):
            if (root / extra.lstrip("/")).exists():
                t.copy_from(root, extra)
        return t.bytes()

    return ImageSpec(image_ref(p), build, [PATH_ENV, 'ENTRYPOINT ["/usr/local/bin/kube-router"]'],
                     [p.kube_router, p.debian_suite, RECIPE],
                     f"kube-router {p.kube_router} (firewall only) built by kubelab from the Go module proxy, "
                     f"with Debian's iptables and ipset")


def build_image(timings: Timings | None = None, p: Pins | None = None) -> bool:
    """The image in Docker: reused when current, else built (binary, Debian root, docker import).
    Returns True when reused. Raises ClusterError when Go is missing, CommandError when a step fails."""
    from kubelab.cluster import images, rootfs

    p = p or pins()
    spec = image_spec(p)
    if images.image_build_key(spec.ref) == spec.build_key():
        return True
    if shutil.which("go") is None and not binary_path(p).exists():
        raise ClusterError(f"the NetworkPolicy agent image {spec.ref} is not built and Go is not on PATH to build "
                           f"kube-router {p.kube_router} from the Go module proxy: install Go >= 1.24")
    with phase(f"kube-router {p.kube_router} (go build from the module proxy; a few minutes the first time)",
               timings) as ph:
        build_binary(p, ph)
    with phase(f"Debian {p.debian_suite} root with iptables and ipset (debootstrap)", timings) as ph:
        root = rootfs.debootstrap("netpol", p.debian_suite, ROOT_PACKAGES, ph)
    with phase(f"image {spec.ref} (docker import)", timings):
        images.ensure_image(image_spec(p, root))
    return False


# ---- 3. the manifests --------------------------------------------------------------------------

def agent_args() -> list[str]:
    return [
        "--run-firewall=true",
        "--run-router=false",
        "--run-service-proxy=false",
        "--enable-ipv4=true",
        "--enable-ipv6=false",
        f"--health-port={HEALTH_PORT}",
        "--metrics-port=0",
        "--iptables-sync-period=1m",
        "--v=1",
    ]


def manifests(p: Pins) -> list[dict]:
    """Everything the add-on applies (pure: tested offline)."""
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "kubelab"}
    meta = lambda name, ns=True: {"name": name, "labels": dict(labels), **({"namespace": NAMESPACE} if ns else {})}
    rules = [
        # kube-router starts its Service and Endpoints informers even with the proxy off
        {"apiGroups": [""], "resources": ["pods", "namespaces", "nodes", "services", "endpoints"],
         "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": ["get", "list", "watch"]},
    ]
    pod_labels = {"app.kubernetes.io/name": NAME}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(NAME)},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(NAME, False),
         "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta(NAME, False),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": NAME},
         "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}]},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta(NAME),
         "spec": {
             "selector": {"matchLabels": pod_labels},
             "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
             "template": {"metadata": {"labels": pod_labels}, "spec": {
                 "serviceAccountName": NAME,
                 "priorityClassName": "system-node-critical",
                 "hostNetwork": True,
                 "nodeSelector": {"kubernetes.io/os": "linux"},
                 # every node, whatever a scheduling lab taints or cordons
                 "tolerations": [{"operator": "Exists"}],
                 "terminationGracePeriodSeconds": 5,
                 "containers": [{
                     "name": "kube-router",
                     "image": image_ref(p),
                     "imagePullPolicy": "IfNotPresent",
                     "args": agent_args(),
                     "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                     # it writes the node's iptables rules and ipsets
                     "securityContext": {"privileged": True},
                     "livenessProbe": {"httpGet": {"path": "/healthz", "port": HEALTH_PORT, "host": "127.0.0.1"},
                                       "initialDelaySeconds": 10, "periodSeconds": 10, "failureThreshold": 3},
                     "resources": {"requests": {"cpu": "20m", "memory": "40Mi"}, "limits": {"memory": "200Mi"}},
                     "volumeMounts": [{"name": "xtables-lock", "mountPath": "/run/xtables.lock"}],
                 }],
                 "volumes": [{"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock",
                                                                   "type": "FileOrCreate"}}],
             }},
         }},
    ]


# ---- putting it together -----------------------------------------------------------------------

def needed() -> str | None:
    """None when the cluster's pod network is kubelab's agent (routes only); else why not."""
    proc = _kubectl(["get", "daemonset", "kubelab-cni", "-n", NAMESPACE, "-o", "name"], check=False, timeout=30)
    if proc.returncode == 0:
        return None
    return "the cluster's own pod network (kind's kindnet) enforces NetworkPolicy"


def _deployed_hash() -> str | None:
    """The hash on the DaemonSet when every scheduled agent is ready, else None."""
    proc = _kubectl(["get", "daemonset", NAME, "-n", NAMESPACE, "-o",
                     "jsonpath={.metadata.annotations.kubelab\\.io/addon-hash} {.status.desiredNumberScheduled} "
                     "{.status.numberReady} {.status.updatedNumberScheduled}"], check=False, timeout=30)
    if proc.returncode != 0:
        return None
    parts = proc.stdout.split()
    if len(parts) == 4 and parts[1] == parts[2] == parts[3] and parts[1] != "0":
        return parts[0]
    return None


def ensure_image_on_nodes(p: Pins, quiet: bool) -> str:
    """The image in Docker (built when missing) and on every node. Returns a note."""
    from kubelab.cluster.lifecycle import CLUSTER_NAME, node_containers, node_images
    from kubelab.cluster.tools import require_tool

    note = "image reused" if build_image(None, p) else "image built"
    ref = image_ref(p)
    nodes = [n.name for n in node_containers()]
    missing = [n for n in nodes if ref not in node_images(n)]
    if missing:
        if not quiet:
            console.print(f"  loading {ref} into {', '.join(missing)}")
        run([require_tool("kind"), "load", "docker-image", "--name", CLUSTER_NAME, "--nodes", ",".join(missing), ref])
        note += f", loaded into {len(missing)} node(s)"
    return note


def apply(p: Pins) -> bool:
    """Apply the manifests unless the ready DaemonSet carries their hash. True when applied."""
    docs = manifests(p)
    want = manifest_hash(docs)
    if _deployed_hash() == want:
        return False
    for d in docs:
        if d["kind"] == "DaemonSet":
            d["metadata"].setdefault("annotations", {})[HASH_ANNOTATION] = want
    _kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=kubelab", "-f", "-"],
             yaml.safe_dump_all(docs, sort_keys=False))
    try:
        _kubectl(["rollout", "status", "-n", NAMESPACE, f"daemonset/{NAME}", "--timeout=180s"], timeout=200)
    except CommandError as exc:
        logs = _kubectl(["logs", "-n", NAMESPACE, f"daemonset/{NAME}", "--tail=20"], check=False, timeout=30)
        raise CommandError(exc.cmd, exc.returncode, exc.output + "\n" + (logs.stdout + logs.stderr),
                           f"the NetworkPolicy agent did not become ready; its log (kubectl -n {NAMESPACE} logs "
                           f"daemonset/{NAME}) ends with the lines below") from None
    return True


def ensure(quiet: bool = True) -> str:
    """Make the NetworkPolicy add-on present and current. Returns a one-line summary; a failure is
    printed (the command and its output) and returned, not raised: the rest of the cluster stays usable."""
    p = pins()
    if not p.kube_router:
        return "NetworkPolicy add-on: not pinned"
    start = time.monotonic()
    try:
        if _deployed_hash() == manifest_hash(manifests(p)):
            # every agent is ready with these manifests: the image is on every node already
            return f"✓ NetworkPolicy add-on: kube-router {p.kube_router} firewall (unchanged)"
        skip = needed()
        if skip:
            return f"NetworkPolicy add-on: not needed ({skip})"
        note = ensure_image_on_nodes(p, quiet)
        applied = apply(p)
    except (CommandError, ClusterError, OSError) as exc:
        msg = f"✗ NetworkPolicy add-on (kube-router {p.kube_router}) failed: {exc}"
        console.print(msg)
        return msg
    msg = (f"✓ NetworkPolicy add-on: kube-router {p.kube_router} firewall ({note}, "
           f"{'applied' if applied else 'unchanged'}) in {time.monotonic() - start:.1f}s")
    if not quiet or applied or note != "image reused":
        console.print(msg)
    return msg
