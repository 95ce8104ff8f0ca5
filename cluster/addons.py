"""Cluster add-ons: components kubelab deploys onto the course cluster after the nodes are up
(the NetworkPolicy agent, the MetalLB load balancer, the Traefik ingress controller).

Every add-on is a module with `ensure(quiet) -> str`: build its image when it is missing (from the
Go module proxy, cached under ~/.cache/kubelab), load it into the nodes that lack it, apply its
manifests when they changed, and return a one-line summary. A failure is printed with the command
and its output and returned as a summary starting with "✗": the rest of the cluster stays usable.
`build_image(timings)` builds the image only (for `kubelab cluster build-image` / `ensure-image`).
"""

from __future__ import annotations

import hashlib
import importlib
import json

from kubelab.cluster.api import CONTEXT
from kubelab.cluster.execs import run
from kubelab.cluster.progress import Timings

# module names under kubelab.cluster, in the order `cluster up` ensures them
ADDONS: list[str] = ["addons_netpol", "addons_loadbalancer", "addons_ingress"]   # the load balancer before
# the ingress controller: its Service is a LoadBalancer


def kubectl(args: list[str], stdin: str | None = None, timeout: float = 120, check: bool = True):
    """kubectl on the course cluster (kubelab's pinned one when built), for an add-on's own objects."""
    from kubelab.cluster.tools import require_tool

    return run([require_tool("kubectl"), "--context", CONTEXT, *args], input=stdin, timeout=timeout, check=check)


def manifest_hash(docs: list[dict]) -> str:
    """What an add-on's applied manifests are, as the annotation it compares with the deployed one."""
    return hashlib.sha256(json.dumps(docs, sort_keys=True).encode()).hexdigest()[:16]


def _module(name: str):
    return importlib.import_module(f"kubelab.cluster.{name}")


def ensure_all(quiet: bool = True) -> list[str]:
    """Ensure every add-on; returns their summaries (failed ones start with "✗")."""
    return [_module(name).ensure(quiet=quiet) for name in ADDONS]


def build_images(timings: Timings | None = None) -> None:
    """Build (or reuse) every add-on's image in Docker, without a cluster."""
    for name in ADDONS:
        mod = _module(name)
        if hasattr(mod, "build_image"):
            mod.build_image(timings)
