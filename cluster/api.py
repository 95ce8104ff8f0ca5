"""The small public face of the cluster layer that labs, graders and the course use.

Everything here is importable without a cluster; functions that need one raise
ClusterError with a one-line message and the command that fixes it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

CLUSTER_NAME = "kubelab"
CONTEXT = f"kind-{CLUSTER_NAME}"
HERE = Path(__file__).resolve().parent


class ClusterError(RuntimeError):
    """The cluster (or Docker) is not in a state that lets the request go on."""


@lru_cache(maxsize=None)
def image_catalog() -> dict[str, dict]:
    """The lab image catalog from cluster/images.yaml: key -> {ref, standin}."""
    return yaml.safe_load((HERE / "images.yaml").read_text())["images"]


def lab_image(key: str) -> str:
    """The full reference of a catalog image, e.g. lab_image("busybox")."""
    try:
        return image_catalog()[key]["ref"]
    except KeyError:
        known = ", ".join(sorted(image_catalog()))
        raise KeyError(f"unknown lab image {key!r}; the catalog (cluster/images.yaml) has: {known}") from None


def ensure_cluster(shape: str = "course") -> None:
    """Make sure the course cluster of `shape` is up (reusing a running one). Raises ClusterError."""
    from kubelab.cluster.lifecycle import up

    up(shape=shape, recreate=False)


def reset_cluster() -> None:
    """Return the cluster to its baseline (namespaces, node labels/taints/cordons, PVs). Raises ClusterError."""
    from kubelab.cluster.lifecycle import reset

    reset()
