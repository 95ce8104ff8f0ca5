"""The images kubelab builds locally: Kubernetes components from the binaries built
here, and stand-ins for the lab image catalog (cluster/images.yaml).

Every image is a root filesystem tar given to `docker import`, labelled with
org.kubelab.build so that a later build can tell it is current and reuse it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kubelab.cluster.api import image_catalog
from kubelab.cluster.execs import run
from kubelab.cluster.paths import Pins
from kubelab.cluster.rootfs import TarBuilder, docker_import, ldd_closure, tar_directory

PATH_ENV = 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# kube-proxy programs the node's packet filter with these (nf_tables backend).
KUBE_PROXY_TOOLS = {
    "/usr/sbin/xtables-nft-multi": ["iptables", "iptables-save", "iptables-restore",
                                    "ip6tables", "ip6tables-save", "ip6tables-restore"],
    "/usr/sbin/conntrack": [],
    "/usr/sbin/nft": [],
}


@dataclass
class ImageSpec:
    ref: str
    build: Callable[[], bytes]          # returns the root filesystem tar
    changes: list[str] = field(default_factory=list)
    key_parts: list[str] = field(default_factory=list)   # what the image is made from
    note: str = ""

    def build_key(self) -> str:
        h = hashlib.sha256(json.dumps([self.ref, self.changes, self.key_parts]).encode())
        return h.hexdigest()[:16]


def image_build_key(ref: str) -> str | None:
    """The org.kubelab.build label of a local image, or None when the image is missing."""
    proc = run(["docker", "image", "inspect", "--format", '{{ index .Config.Labels "org.kubelab.build" }}', ref],
               check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ensure_image(spec: ImageSpec) -> bool:
    """Build spec's image unless an identical one exists. Returns True when it was reused."""
    key = spec.build_key()
    if image_build_key(spec.ref) == key:
        return True
    labels = {"org.kubelab.build": key}
    if spec.note:
        labels["org.opencontainers.image.description"] = spec.note.replace('"', "'")
    docker_import(spec.build(), spec.ref, spec.changes, labels)
    return False


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{path.name}:{st.st_size}:{int(st.st_mtime)}"


def component_images(pins: Pins, kube_bin: Path, extra_bin: Path, node_root: Path) -> list[ImageSpec]:
    """registry.k8s.io images that kubeadm and kind expect, plus kubelab's own."""

    def single(binary: Path, dest: str) -> Callable[[], bytes]:
        def build() -> bytes:
            t = TarBuilder()
            t.base_etc()
            t.file(dest, binary.read_bytes(), 0o755)
            return t.bytes()
        return build

    def kube_proxy() -> bytes:
        t = TarBuilder()
        t.base_etc()
        t.busybox(node_root)
        t.file("/usr/local/bin/kube-proxy", (kube_bin / "kube-proxy").read_bytes(), 0o755)
        for binary, links in KUBE_PROXY_TOOLS.items():
            t.copy_from(node_root, binary)
            for name in links:
                t.symlink(f"/usr/sbin/{name}", Path(binary).name)
        xtables = "/usr/lib/x86_64-linux-gnu/xtables"
        extensions = [f"{xtables}/{so.name}" for so in sorted((node_root / xtables.lstrip("/")).glob("*.so"))]
        for lib in sorted(ldd_closure(node_root, [*KUBE_PROXY_TOOLS, *extensions])):
            t.copy_from(node_root, lib)
        t.copy_from(node_root, xtables)
        if (node_root / "etc/ethertypes").exists():
            t.copy_from(node_root, "/etc/ethertypes")
        return t.bytes()

    k = pins.kubernetes
    specs = [
        ImageSpec(f"registry.k8s.io/{name}:{k}", single(kube_bin / name, f"/usr/local/bin/{name}"),
                  [PATH_ENV, f'ENTRYPOINT ["/usr/local/bin/{name}"]'], [_file_key(kube_bin / name)],
                  f"{name} {k} built by kubelab from the Go module proxy")
        for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
    ]
    specs.append(ImageSpec(f"registry.k8s.io/kube-proxy:{k}", kube_proxy,
                           [PATH_ENV, 'ENTRYPOINT ["/usr/local/bin/kube-proxy"]'],
                           [_file_key(kube_bin / "kube-proxy"), "nft-tools-4"],
                           f"kube-proxy {k} built by kubelab, with Debian's iptables (nf_tables)"))
    specs += [
        ImageSpec(f"registry.k8s.io/etcd:{pins.etcd_tag}", single(extra_bin / "etcd", "/usr/local/bin/etcd"),
                  [PATH_ENV, 'ENTRYPOINT ["/usr/local/bin/etcd"]'], [_file_key(extra_bin / "etcd")],
                  f"etcd {pins.etcd} built by kubelab"),
        ImageSpec(f"registry.k8s.io/coredns/coredns:{pins.coredns}", single(extra_bin / "coredns", "/coredns"),
                  ['ENTRYPOINT ["/coredns"]'], [_file_key(extra_bin / "coredns")],
                  f"CoreDNS {pins.coredns} built by kubelab"),
        ImageSpec(f"registry.k8s.io/pause:{pins.pause}", single(extra_bin / "pause", "/pause"),
                  ['ENTRYPOINT ["/pause"]'], [_file_key(extra_bin / "pause")],
                  f"pause {pins.pause} compiled by kubelab from the kubernetes module"),
        ImageSpec(pins.cni_image, single(kube_bin / "kubelab-cni", "/kubelab-cni"),
                  ['ENTRYPOINT ["/kubelab-cni"]'], [_file_key(kube_bin / "kubelab-cni")],
                  "kubelab's pod network agent"),
        ImageSpec(provisioner_image(pins),
                  single(extra_bin / "local-path-provisioner", "/usr/local/bin/local-path-provisioner"),
                  [PATH_ENV], [_file_key(extra_bin / "local-path-provisioner")],
                  f"rancher local-path-provisioner {pins.local_path_provisioner} built by kubelab"),
    ]
    return specs


def provisioner_image(pins: Pins) -> str:
    return f"docker.io/kubelab/local-path-provisioner:{pins.local_path_provisioner}"


NGINX_CONF = b"""server {
    listen 80 default_server;
    listen [::]:80 default_server;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
    location / { try_files $uri $uri/ =404; }
}
"""
NGINX_INDEX = b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n<body><h1>Welcome to nginx!</h1>\n<p>kubelab stand-in: Debian's nginx-light.</p></body></html>\n"


def lab_images(node_root: Path, nginx_root: Path) -> list[ImageSpec]:
    """Stand-ins for the lab image catalog, each under the catalog's reference."""
    cat = image_catalog()

    def busybox() -> bytes:
        t = TarBuilder()
        t.base_etc()
        t.busybox(node_root)
        return t.bytes()

    def web(version: str) -> Callable[[], bytes]:
        def build() -> bytes:
            t = TarBuilder()
            t.base_etc()
            t.busybox(node_root)
            t.file("/www/index.html", f"kubelab web {version}\n".encode())
            t.file("/www/healthz", b"ok\n")
            return t.bytes()
        return build

    def nginx() -> bytes:
        # prepare the Debian root in place the way the official image is laid out
        conf_d = nginx_root / "etc/nginx/conf.d"
        (conf_d / "default.conf").write_bytes(NGINX_CONF)
        enabled = nginx_root / "etc/nginx/sites-enabled/default"
        if enabled.exists() or enabled.is_symlink():
            enabled.unlink()
        html = nginx_root / "usr/share/nginx/html"
        html.mkdir(parents=True, exist_ok=True)
        (html / "index.html").write_bytes(NGINX_INDEX)
        for name, target in (("access.log", "/dev/stdout"), ("error.log", "/dev/stderr")):
            log = nginx_root / "var/log/nginx" / name
            if log.exists() or log.is_symlink():
                log.unlink()
            log.symlink_to(target)
        return tar_directory(nginx_root, exclude=["./proc/*", "./sys/*", "./dev/*"])

    web_cmd = ['CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/www"]', "EXPOSE 80"]
    return [
        ImageSpec(cat["busybox"]["ref"], busybox, ['CMD ["sh"]'], ["busybox-2"], cat["busybox"]["standin"]),
        ImageSpec(cat["nginx"]["ref"], nginx,
                  ['CMD ["nginx", "-g", "daemon off;"]', "EXPOSE 80", PATH_ENV],
                  ["nginx-1"], cat["nginx"]["standin"]),
        ImageSpec(cat["web-v1"]["ref"], web("v1"), web_cmd, ["web-2"], cat["web-v1"]["standin"]),
        ImageSpec(cat["web-v2"]["ref"], web("v2"), web_cmd, ["web-2"], cat["web-v2"]["standin"]),
    ]
