"""Where kubelab keeps what it builds, and the pins it builds from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """The build cache: $KUBELAB_CACHE, else $XDG_CACHE_HOME/kubelab, else ~/.cache/kubelab."""
    if os.environ.get("KUBELAB_CACHE"):
        return Path(os.environ["KUBELAB_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kubelab"


def stamp_ok(stamp: Path, value: str) -> bool:
    """A cached build is reusable: its stamp file exists and holds the pin (or hash) it was built for."""
    return stamp.exists() and stamp.read_text() == value


def bin_dir() -> Path:
    """Where kind and kubectl built by kubelab live (put it on PATH, or let kubelab find them)."""
    return cache_dir() / "bin"


@dataclass(frozen=True)
class Pins:
    kind: str
    kubernetes: str
    upstream_node_image: str
    local_node_image: str
    debian_suite: str
    etcd: str
    coredns: str
    pause: str
    local_path_provisioner: str
    cni_image: str
    kube_router: str = ""        # the NetworkPolicy add-on (cluster/addons_netpol.py); empty: none
    traefik: str = ""             # the ingress add-on (cluster/addons_ingress.py); empty: none
    gateway_api: str = ""         # Gateway API CRDs served by it; empty: Ingress only
    metallb: str = ""             # the LoadBalancer add-on (cluster/addons_loadbalancer.py); empty: none

    @property
    def kube_minor(self) -> str:
        return self.kubernetes.lstrip("v").split(".")[1]

    @property
    def staging_version(self) -> str:
        """k8s.io staging modules (client-go, api ...) are published as v0.<minor>.<patch>."""
        major, minor, patch = self.kubernetes.lstrip("v").split(".")
        return f"v0.{minor}.{patch}"

    @property
    def etcd_tag(self) -> str:
        return self.etcd.lstrip("v") + "-0"


@lru_cache(maxsize=None)
def pins() -> Pins:
    """The versions in cluster/pins.yaml."""
    data = yaml.safe_load((HERE / "pins.yaml").read_text())
    return Pins(**{k: str(v) for k, v in data.items()})
