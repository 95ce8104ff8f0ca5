"""The course cluster's life: up, down, status, reset, load-images.

kind does the creating and deleting; kubelab chooses the node image (kind's
published one where registries answer, kubelab's offline build where not),
adds host-specific patches, waits for a cluster that can really run labs
(nodes Ready, DNS and storage available), records the baseline that `reset`
returns to, and makes sure the lab images are on every node.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from kubelab.cluster.api import CLUSTER_NAME, CONTEXT, ClusterError, image_catalog
from kubelab.cluster.execs import CommandError, run, run_logged
from kubelab.cluster.paths import HERE, cache_dir, pins
from kubelab.cluster.progress import Timings, console, phase
from kubelab.cluster.tools import has_sys_resource, require_docker, require_tool

NODE_LABEL = "io.x-k8s.kind.cluster"
ROLE_LABEL = "io.x-k8s.kind.role"
BASELINE_CM = "kubelab-baseline"
SYSTEM_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"}
HOSTPATH_ROOT = "/kubelab"   # labs keep hostPath data under this directory on the nodes
OOM_PATCH = '[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n'


def shapes() -> list[str]:
    return sorted(p.stem for p in (HERE / "shapes").glob("*.yaml"))


def shape_config(shape: str) -> dict:
    """The kind config of a shape. Raises ClusterError for an unknown shape."""
    path = HERE / "shapes" / f"{shape}.yaml"
    if not path.exists():
        raise ClusterError(f"unknown cluster shape {shape!r}: the shapes are {', '.join(shapes())} (cluster/shapes/)")
    return yaml.safe_load(path.read_text())


def shape_roles(config: dict) -> list[str]:
    return sorted(n.get("role", "control-plane") for n in config.get("nodes", [{"role": "control-plane"}]))


def kind_config(shape: str) -> str:
    """The kind config for `shape` on this host."""
    config = shape_config(shape)
    config["name"] = CLUSTER_NAME
    if not has_sys_resource():
        # containerd clamps OOM scores it cannot lower instead of failing the container
        config.setdefault("containerdConfigPatches", []).append(OOM_PATCH)
    return yaml.safe_dump(config, sort_keys=False)


def image_exists(ref: str) -> bool:
    return run(["docker", "image", "inspect", ref], check=False).returncode == 0


def choose_image(choice: str = "auto") -> str:
    """The node image for `up`: 'local' (kubelab's offline build), 'upstream' (kind's published
    image, pinned by digest) or 'auto' (see ensure_node_image)."""
    p = pins()
    if choice == "local":
        if not image_exists(p.local_node_image):
            raise ClusterError(f"node image {p.local_node_image} is not built: run `kubelab cluster build-image`")
        return p.local_node_image
    if choice == "upstream":
        return p.upstream_node_image
    if choice == "auto":
        return ensure_node_image()
    raise ClusterError(f"unknown image choice {choice!r}: use auto, local or upstream")


def ensure_tools() -> None:
    """kind and kubectl for a published node image: found (kubelab's build, then PATH) or built
    from the Go module proxy as the offline build does (kind in seconds; kubectl needs the
    Kubernetes build, the long one)."""
    from kubelab.cluster import build
    from kubelab.cluster.tools import find_tool

    missing = [t for t in ("kind", "kubectl") if find_tool(t) is None]
    if not missing:
        return
    console.print(f"building {' and '.join(missing)} (not found in {build.bin_dir()} or on PATH)")
    p, t = build.load_pins(), Timings()
    if "kind" in missing:
        build.build_kind(p, t)
    if "kubectl" in missing:
        build.build_kubernetes(p, t)
    console.print(t.summary())


def ensure_node_image() -> str:
    """A node image that is here now, with kind and kubectl to use it: kubelab's offline build if
    present, else kind's published image if present or pullable (kind and kubectl found or built),
    else build the offline one (the first time takes a while)."""
    p = pins()
    if image_exists(p.local_node_image):
        return p.local_node_image
    if image_exists(p.upstream_node_image):
        ensure_tools()
        return p.upstream_node_image
    console.print(f"pulling {p.upstream_node_image} ...")
    try:
        pulled = run(["docker", "pull", p.upstream_node_image], check=False, timeout=600)
        reason = (pulled.stderr or pulled.stdout).strip().splitlines()[-1:] if pulled.returncode else []
    except CommandError as exc:
        pulled, reason = None, [exc.note]
    if pulled is not None and pulled.returncode == 0:
        ensure_tools()
        return p.upstream_node_image
    console.print(f"the registry did not serve it ({' '.join(reason)}): building {p.local_node_image} offline")
    from kubelab.cluster.build import build_all

    build_all()
    return p.local_node_image


@dataclass
class NodeContainer:
    name: str
    role: str
    running: bool
    image: str


def node_containers() -> list[NodeContainer]:
    proc = run(["docker", "ps", "-a", "--filter", f"label={NODE_LABEL}={CLUSTER_NAME}",
                "--format", "{{.Names}}\t{{.Label \"" + ROLE_LABEL + "\"}}\t{{.State}}\t{{.Image}}"])
    nodes = []
    for line in proc.stdout.splitlines():
        name, role, state, image = line.split("\t")
        nodes.append(NodeContainer(name, role, state == "running", image))
    return sorted(nodes, key=lambda n: n.name)


def describe_roles(roles: list[str]) -> str:
    cp = roles.count("control-plane")
    workers = roles.count("worker")
    return f"{cp} control plane{'s' if cp != 1 else ''} + {workers} worker{'s' if workers != 1 else ''}"


def api_ready(timeout: float = 5) -> bool:
    kubectl = require_tool("kubectl")
    return run([kubectl, "--context", CONTEXT, "get", "--raw", "/readyz", f"--request-timeout={int(timeout)}s"],
               check=False, timeout=timeout + 5).returncode == 0


def up(shape: str = "course", image: str = "auto", recreate: bool = False) -> str:
    """Bring the course cluster up, reusing a running one of the right shape.

    Returns 'reused' or 'created'. Raises ClusterError (wrong shape without recreate,
    Docker down, tools missing, unknown shape) before changing anything.
    """
    start = time.monotonic()
    want_roles = shape_roles(shape_config(shape))
    require_docker()
    kind = require_tool("kind")
    require_tool("kubectl")
    existing = node_containers()
    if existing:
        have_roles = sorted(n.role for n in existing)
        if have_roles != want_roles:
            if not recreate:
                raise ClusterError(
                    f"cluster {CLUSTER_NAME!r} exists with {describe_roles(have_roles)}, but shape {shape!r} "
                    f"needs {describe_roles(want_roles)}: run `kubelab cluster up --shape {shape} --recreate` "
                    f"(this deletes the cluster and everything in it)"
                )
            console.print(f"recreating cluster {CLUSTER_NAME!r}: it has {describe_roles(have_roles)}, shape {shape!r} needs {describe_roles(want_roles)}")
            down()
        elif all(n.running for n in existing) and api_ready():
            if recreate:
                down()
            else:
                ensure_lab_images(quiet=True)
                ensure_addons(quiet=True)
                console.print(f"✓ cluster {CLUSTER_NAME!r} ({describe_roles(have_roles)}) is up: reused in {time.monotonic() - start:.1f}s")
                return "reused"
        else:
            stopped = [n.name for n in existing if not n.running]
            if stopped and not recreate:
                console.print(f"starting stopped node containers: {', '.join(stopped)}")
                run(["docker", "start", *stopped])
                if wait_api(90):
                    wait_ready(timeout=180)
                    ensure_lab_images(quiet=True)
                    ensure_addons(quiet=True)
                    console.print(f"✓ cluster {CLUSTER_NAME!r} restarted in {time.monotonic() - start:.1f}s")
                    return "reused"
            if not recreate:
                raise ClusterError(
                    f"cluster {CLUSTER_NAME!r} exists but its API does not answer: run `kubelab cluster up --recreate`"
                )
            down()
    node_image = choose_image(image)
    t = Timings()
    with phase(f"kind create cluster {CLUSTER_NAME} ({describe_roles(want_roles)}, {node_image})", t) as ph:
        config_path = cache_dir() / f"kind-{CLUSTER_NAME}.yaml"
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(kind_config(shape))
        try:
            run_logged([kind, "create", "cluster", "--name", CLUSTER_NAME, "--image", node_image,
                        "--config", str(config_path), "--wait", "0s"],
                       cache_dir() / "logs" / "kind-create.log", on_line=ph.line)
        except CommandError as exc:
            raise ClusterError(f"kind could not create the cluster.\n{exc}") from None
    with phase("nodes Ready, CoreDNS and storage available", t):
        wait_ready(timeout=240)
    with phase("lab images on every node", t):
        ensure_lab_images(quiet=False)
    with phase("cluster add-ons (NetworkPolicy agent, load balancer, ingress)", t):
        ensure_addons(quiet=False)
    with phase("baseline recorded for reset", t):
        record_baseline()
    console.print(f"✓ cluster {CLUSTER_NAME!r} created in {time.monotonic() - start:.1f}s\n" + t.summary())
    return "created"


def ensure_addons(quiet: bool = True) -> list[str]:
    """Deploy or keep every cluster add-on (cluster/addons.py); failures are printed, not raised."""
    from kubelab.cluster import addons

    return addons.ensure_all(quiet=quiet)


def wait_api(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api_ready():
            return True
        time.sleep(2)
    return False


def wait_ready(timeout: float = 240) -> None:
    """Wait until every node is Ready and CoreDNS and the storage provisioner are available.
    Raises ClusterError naming what is still not ready."""
    from kubernetes import client as k

    from kubelab.cluster.kube import api_client

    api = api_client()
    corev1, appsv1 = k.CoreV1Api(api), k.AppsV1Api(api)
    deadline = time.monotonic() + timeout
    waiting: list[str] = []
    while time.monotonic() < deadline:
        waiting = []
        try:
            nodes = corev1.list_node().items
            for n in nodes:
                ready = next((c.status for c in n.status.conditions or [] if c.type == "Ready"), "Unknown")
                if ready != "True":
                    waiting.append(f"node {n.metadata.name} Ready={ready}")
            if len(nodes) == 0:
                waiting.append("no nodes registered yet")
            for ns, name in (("kube-system", "coredns"), ("local-path-storage", "local-path-provisioner")):
                try:
                    d = appsv1.read_namespaced_deployment(name, ns)
                    want = d.spec.replicas or 0
                    if (d.status.available_replicas or 0) < want:
                        waiting.append(f"deployment {ns}/{name} {d.status.available_replicas or 0}/{want} available")
                except k.ApiException as exc:
                    waiting.append(f"deployment {ns}/{name}: {exc.reason}")
        except Exception as exc:  # the API may still be starting
            waiting.append(f"API: {type(exc).__name__}")
        if not waiting:
            return
        time.sleep(2)
    raise ClusterError(f"cluster not ready after {timeout:.0f}s: still waiting for {'; '.join(waiting)}. "
                       f"Look at `kubectl --context {CONTEXT} get pods -A` and `kubelab cluster status`")


def node_images(node: str) -> set[str]:
    out = run(["docker", "exec", node, "ctr", "--namespace=k8s.io", "images", "list", "-q"]).stdout
    return set(out.split())


def ensure_lab_images(quiet: bool = True) -> list[str]:
    """Load every catalog image that a node lacks. Returns the refs loaded.
    Raises ClusterError when an image is neither on the node, in Docker, nor pullable."""
    kind = require_tool("kind")
    loaded = []
    nodes = [n.name for n in node_containers()]
    present = {n: node_images(n) for n in nodes}
    for key, entry in image_catalog().items():
        ref = entry["ref"]
        missing = [n for n in nodes if ref not in present[n]]
        if not missing:
            continue
        if not image_exists(ref):
            pulled = run(["docker", "pull", ref], check=False, timeout=300)
            if pulled.returncode != 0:
                raise ClusterError(f"lab image {ref} ({key}) is not in Docker and cannot be pulled: "
                                   f"run `kubelab cluster build-image` to build the offline stand-ins")
        if not quiet:
            console.print(f"  loading {ref} into {', '.join(missing)}")
        run([kind, "load", "docker-image", "--name", CLUSTER_NAME, "--nodes", ",".join(missing), ref])
        loaded.append(ref)
    return loaded


def record_baseline() -> None:
    """Keep the fresh cluster's node labels, taints and schedulability, namespaces and PVs, and its
    kubelets, static pod manifests and CoreDNS (kubelab.cluster.system) in kube-system/kubelab-baseline,
    for `reset`."""
    from kubernetes import client as k

    from kubelab.cluster.kube import api_client

    corev1 = k.CoreV1Api(api_client())
    nodes = {}
    for n in corev1.list_node().items:
        nodes[n.metadata.name] = {
            "labels": n.metadata.labels or {},
            "taints": [t.to_dict() for t in (n.spec.taints or [])],
            "unschedulable": bool(n.spec.unschedulable),
        }
    for t in (x for v in nodes.values() for x in v["taints"]):
        t.pop("time_added", None)
    baseline = {
        "nodes": nodes,
        "namespaces": sorted(ns.metadata.name for ns in corev1.list_namespace().items),
        "storageclasses": sorted(sc.metadata.name for sc in k.StorageV1Api(corev1.api_client).list_storage_class().items),
    }
    from kubelab.cluster import system

    baseline[system.SYSTEM_KEY] = system.baseline_of(system.capture())
    body = k.V1ConfigMap(metadata=k.V1ObjectMeta(name=BASELINE_CM, namespace="kube-system"),
                         data={"baseline.json": json.dumps(baseline, indent=1, sort_keys=True)})
    try:
        corev1.replace_namespaced_config_map(BASELINE_CM, "kube-system", body)
    except k.ApiException as exc:
        if exc.status != 404:
            raise
        corev1.create_namespaced_config_map("kube-system", body)


def down() -> None:
    """Delete the cluster, its node containers and (when no other kind cluster uses it) the kind network."""
    require_docker()
    kind = require_tool("kind")
    run([kind, "delete", "cluster", "--name", CLUSTER_NAME])
    left = node_containers()
    if left:
        run(["docker", "rm", "-f", "-v", *[n.name for n in left]])
    others = run(["docker", "ps", "-aq", "--filter", f"label={NODE_LABEL}"]).stdout.split()
    if not others:
        run(["docker", "network", "rm", "kind"], check=False)


def status() -> dict:
    """What runs now: node containers, API, nodes' readiness and versions."""
    require_docker()
    nodes = node_containers()
    info: dict = {"cluster": CLUSTER_NAME, "context": CONTEXT, "containers": [n.__dict__ for n in nodes]}
    if not nodes:
        info["state"] = "absent"
        return info
    info["roles"] = describe_roles(sorted(n.role for n in nodes))
    if not api_ready():
        info["state"] = "api-down"
        return info
    from kubernetes import client as k

    from kubelab.cluster.kube import api_client

    corev1 = k.CoreV1Api(api_client())
    info["nodes"] = []
    for n in corev1.list_node().items:
        ready = next((c.status for c in n.status.conditions or [] if c.type == "Ready"), "Unknown")
        info["nodes"].append({"name": n.metadata.name, "ready": ready == "True",
                              "version": n.status.node_info.kubelet_version,
                              "unschedulable": bool(n.spec.unschedulable),
                              "taints": [f"{t.key}={t.value or ''}:{t.effect}" for t in n.spec.taints or []]})
    info["state"] = "ready" if all(n["ready"] for n in info["nodes"]) else "not-ready"
    return info
