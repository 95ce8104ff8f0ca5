"""The LoadBalancer add-on: MetalLB (L2 mode), built from the Go module proxy, gives LoadBalancer
Services an address on the kind network, which the host reaches directly.

`kubelab cluster up` calls `ensure_loadbalancer()` (through lifecycle.ensure_addons):

1. `go install go.universe.tf/metallb/{controller,speaker}@<pin>` into ~/.cache/kubelab/metallb/<pin>/
   (MetalLB's go.mod has no replace directives), rebuilt only when the pin changes;
2. images `docker.io/kubelab/metallb-controller:<pin>` and `-speaker:<pin>` (each binary on an
   empty root), loaded into the nodes that lack them;
3. MetalLB's own `config/manifests/metallb-native.yaml` from the module zip (namespace
   metallb-system, CRDs, RBAC, webhook, controller Deployment, speaker DaemonSet) with those images,
   plus an IPAddressPool `kind` of 50 addresses at the top of the kind network's IPv4 subnet and an
   L2Advertisement; applied when their hash differs from the one on the controller Deployment.

v0.16.2 does not build offline (its dependency github.com/metallb/frr-k8s v0.0.27 is refused by
the proxy: 403 "This module version is not available"); v0.15.2 does.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import time
from pathlib import Path

import yaml

from kubelab.cluster.addons import kubectl as _kubectl, manifest_hash
from kubelab.cluster.api import ClusterError
from kubelab.cluster.execs import CommandError, run
from kubelab.cluster.paths import Pins, cache_dir, pins, stamp_ok
from kubelab.cluster.progress import console, phase

MODULE = "go.universe.tf/metallb"
NAMESPACE = "metallb-system"
BINARIES = ("controller", "speaker")
POOL = "kind"
POOL_SIZE = 50
HASH_ANNOTATION = "kubelab.io/addon-hash"
RECIPE = "metallb-image-1"


def image_ref(p: Pins, binary: str) -> str:
    return f"docker.io/kubelab/metallb-{binary}:{p.metallb}"


def bin_path(p: Pins) -> Path:
    return cache_dir() / "metallb" / p.metallb


def build_binaries(p: Pins, ph) -> Path:
    """controller and speaker at the pin (about 14 minutes on a busy 2-core machine), or reuse them."""
    from kubelab.cluster import gobuild

    out = bin_path(p)
    stamp = out / ".complete"
    if stamp_ok(stamp, p.metallb) and all((out / b).exists() for b in BINARIES):
        ph.cached = True
        return out
    out.mkdir(parents=True, exist_ok=True)
    from kubelab.cluster.execs import run_logged

    run_logged(["go", "install", "-v", "-trimpath", "-ldflags", "-s -w",
                *[f"{MODULE}/{b}@{p.metallb}" for b in BINARIES]],
               cache_dir() / "logs" / f"metallb-{p.metallb}.log", env={**gobuild.go_env(), "GOBIN": str(out)},
               on_line=ph.line)
    stamp.write_text(p.metallb)
    return out


def image_specs(p: Pins):
    from kubelab.cluster.images import ImageSpec
    from kubelab.cluster.rootfs import TarBuilder

    def single(binary: str):
        def build() -> bytes:
            t = TarBuilder()
            t.base_etc()
            t.file(f"/{binary}", (bin_path(p) / binary).read_bytes(), 0o755)
            return t.bytes()
        return build

    return [ImageSpec(image_ref(p, b), single(b), [f'ENTRYPOINT ["/{b}"]'], [p.metallb, RECIPE],
                      f"MetalLB {b} {p.metallb} built by kubelab from the Go module proxy") for b in BINARIES]


# ---- manifests ---------------------------------------------------------------------------------

def native_manifest_text(p: Pins) -> str:
    """MetalLB's native manifest from its module zip (cached in kubelab's cache after the first time)."""
    cached = cache_dir() / "addons" / f"metallb-{p.metallb}-native.yaml"
    if not cached.exists():
        from kubelab.cluster import gobuild

        src = gobuild.module_dir(MODULE, p.metallb) / "config" / "manifests" / "metallb-native.yaml"
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".partial")
        tmp.write_text(src.read_text())
        tmp.rename(cached)
    return cached.read_text()


def pool_range(subnet: str, size: int = POOL_SIZE) -> str:
    """`first-last` of `size` addresses at the top of an IPv4 subnet (Docker hands containers the
    low addresses), leaving the last few out. Raises ClusterError for a subnet too small."""
    net = ipaddress.ip_network(subnet, strict=False)
    if net.version != 4 or net.num_addresses < size * 2:
        raise ClusterError(f"the kind network's subnet {subnet} is too small for {size} load-balancer addresses")
    last = net.broadcast_address - 5
    return f"{last - (size - 1)}-{last}"


def manifests(p: Pins, native_text: str, subnet: str) -> list[dict]:
    """MetalLB's manifest with kubelab's images, and the address pool (pure: tested offline)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [d for d in yaml.load_all(native_text, Loader=loader) if d]
    for d in docs:
        if d.get("kind") in ("Deployment", "DaemonSet"):
            for c in d["spec"]["template"]["spec"].get("containers", []):
                for b in BINARIES:
                    if c.get("image", "").split("/")[-1].startswith(f"{b}:"):
                        c["image"], c["imagePullPolicy"] = image_ref(p, b), "IfNotPresent"
    pool = {"apiVersion": "metallb.io/v1beta1", "kind": "IPAddressPool",
            "metadata": {"name": POOL, "namespace": NAMESPACE}, "spec": {"addresses": [pool_range(subnet)]}}
    l2 = {"apiVersion": "metallb.io/v1beta1", "kind": "L2Advertisement",
          "metadata": {"name": POOL, "namespace": NAMESPACE}, "spec": {"ipAddressPools": [POOL]}}
    return docs + [pool, l2]


def kind_subnet() -> str:
    proc = run(["docker", "network", "inspect", "kind", "--format",
                "{{range .IPAM.Config}}{{.Subnet}} {{end}}"])
    for s in proc.stdout.split():
        if ":" not in s:
            return s
    raise ClusterError(f"the Docker network kind has no IPv4 subnet (found {proc.stdout.strip()!r})")


# ---- putting it together -----------------------------------------------------------------------

def _deployed_hash() -> str | None:
    proc = _kubectl(["get", "deployment", "controller", "-n", NAMESPACE, "-o",
                     "jsonpath={.metadata.annotations.kubelab\\.io/addon-hash} {.status.availableReplicas}"],
                    check=False, timeout=30)
    parts = proc.stdout.split() if proc.returncode == 0 else []
    return parts[0] if len(parts) == 2 and parts[1] != "0" else None


def keep_in_baseline(namespace: str) -> None:
    """Add the add-on's namespace to the baseline `reset` keeps (a cluster made before the add-on
    existed recorded its namespaces without it)."""
    proc = _kubectl(["get", "configmap", "kubelab-baseline", "-n", "kube-system", "-o", "json"], check=False)
    if proc.returncode != 0:
        return   # no baseline yet: `up` records one after the add-ons
    cm = json.loads(proc.stdout)
    base = json.loads(cm["data"]["baseline.json"])
    if namespace in base.get("namespaces", []):
        return
    base["namespaces"] = sorted({*base.get("namespaces", []), namespace})
    patch = {"data": {"baseline.json": json.dumps(base, indent=1, sort_keys=True)}}
    _kubectl(["patch", "configmap", "kubelab-baseline", "-n", "kube-system", "--type=merge", "-p", json.dumps(patch)])


def ensure_images(p: Pins, quiet: bool, check_nodes: bool) -> str:
    from kubelab.cluster import images
    from kubelab.cluster.lifecycle import CLUSTER_NAME, node_containers, node_images
    from kubelab.cluster.tools import require_tool

    specs = image_specs(p)
    note = "images reused"
    if any(images.image_build_key(s.ref) != s.build_key() for s in specs):
        if shutil.which("go") is None and not (bin_path(p) / ".complete").exists():
            raise ClusterError(f"the MetalLB images are not built and Go is not on PATH to build MetalLB "
                               f"{p.metallb} from the Go module proxy: install Go >= 1.24")
        with phase(f"metallb {p.metallb} controller and speaker (go install from the module proxy; "
                   "about 14 min on 2 busy cores the first time)") as ph:
            build_binaries(p, ph)
        with phase("metallb images (docker import)"):
            for s in specs:
                images.ensure_image(s)
        note = "images built"
    elif not check_nodes:
        return note
    nodes = [n.name for n in node_containers()]
    for s in specs:
        missing = [n for n in nodes if s.ref not in node_images(n)]
        if missing:
            if not quiet:
                console.print(f"  loading {s.ref} into {', '.join(missing)}")
            run([require_tool("kind"), "load", "docker-image", "--name", CLUSTER_NAME, "--nodes", ",".join(missing),
                 s.ref])
            note += f", {s.ref.split('/')[-1]} loaded into {len(missing)} node(s)"
    return note


def apply(want: str, docs: list[dict]) -> None:
    first = [d for d in docs if d["kind"] not in ("IPAddressPool", "L2Advertisement")]
    pool = [d for d in docs if d["kind"] in ("IPAddressPool", "L2Advertisement")]
    for d in first:
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "controller":
            d["metadata"].setdefault("annotations", {})[HASH_ANNOTATION] = want
    _kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=kubelab", "-f", "-"],
             yaml.safe_dump_all(first, sort_keys=False))
    _kubectl(["rollout", "status", "-n", NAMESPACE, "deployment/controller", "--timeout=180s"], timeout=200)
    _kubectl(["rollout", "status", "-n", NAMESPACE, "daemonset/speaker", "--timeout=180s"], timeout=200)
    # the pool goes through MetalLB's webhook, which answers once the controller is ready
    deadline = time.monotonic() + 60
    while True:
        proc = _kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=kubelab", "-f", "-"],
                        yaml.safe_dump_all(pool, sort_keys=False), check=False)
        if proc.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(3)
    if proc.returncode != 0:
        raise CommandError(proc.args, proc.returncode, proc.stdout + proc.stderr,
                           "the address pool was refused (MetalLB's webhook)")


def ensure_loadbalancer(quiet: bool = True) -> str:
    """Make the LoadBalancer add-on present and current. Returns a one-line summary; a failure is
    printed (the command and its output) and returned, not raised."""
    p = pins()
    if not p.metallb:
        return "loadbalancer add-on: not pinned"
    start = time.monotonic()
    try:
        text, subnet = native_manifest_text(p), kind_subnet()
        docs = manifests(p, text, subnet)
        want = manifest_hash(docs)
        applied = _deployed_hash() != want
        note = ensure_images(p, quiet, check_nodes=applied)
        if note != "images reused":
            applied = True
        if applied:
            apply(want, docs)
        keep_in_baseline(NAMESPACE)
    except (CommandError, ClusterError, OSError, ValueError) as exc:
        msg = f"✗ loadbalancer add-on (MetalLB {p.metallb}) failed: {exc}"
        console.print(msg)
        return msg
    pool = next(d for d in docs if d["kind"] == "IPAddressPool")["spec"]["addresses"][0]
    msg = (f"✓ loadbalancer add-on: MetalLB {p.metallb} L2 ({note}, {'applied' if applied else 'unchanged'}), "
           f"addresses {pool} ({time.monotonic() - start:.1f}s)")
    if not quiet or applied or note != "images reused":
        console.print(msg)
    return msg


# the add-on interface of the netpol branch's cluster/addons.py (ADDONS registry), so that the two merge
def ensure(quiet: bool = True) -> str:
    return ensure_loadbalancer(quiet=quiet)


def build_image(timings=None) -> None:
    """Build (or reuse) the MetalLB images in Docker, without a cluster."""
    from kubelab.cluster import images

    p = pins()
    if not p.metallb:
        return
    specs = image_specs(p)
    with phase(f"metallb {p.metallb} controller and speaker (go install from the module proxy)", timings) as ph:
        if all(images.image_build_key(s.ref) == s.build_key() for s in specs):
            ph.cached = True
            return
        build_binaries(p, ph)
        for s in specs:
            images.ensure_image(s)
