"""`kubelab cluster build-image`: kind, kubectl and a kind node image from the Go module
proxy and Debian packages only, for machines that reach neither Docker Hub nor
registry.k8s.io. Every phase reuses what an earlier run built and prints its time.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kubelab.cluster import gobuild, images, nodeimage, rootfs
from kubelab.cluster.api import lab_image
from kubelab.cluster.execs import run, run_logged
from kubelab.cluster.paths import Pins, bin_dir, cache_dir, pins as load_pins, stamp_ok
from kubelab.cluster.progress import Timings, console, phase


@dataclass
class Toolchain:
    kind: Path
    kubectl: Path


def build_kind(p: Pins, t: Timings) -> Path:
    kind = bin_dir() / "kind"
    with phase(f"kind {p.kind} (go install)", t) as ph:
        if kind.exists() and p.kind in run([str(kind), "version"], check=False).stdout:
            ph.cached = True
        else:
            gobuild.go_install("sigs.k8s.io/kind", p.kind, bin_dir(), ph, "kind")
    return kind


def build_kubernetes(p: Pins, t: Timings) -> Path:
    out = cache_dir() / "kubernetes" / p.kubernetes
    stamp = out / ".complete"
    with phase(f"kubernetes {p.kubernetes} binaries (go build, the long one)", t) as ph:
        cni_src = (Path(__file__).parent / "gobuild" / "cni" / "main.go").read_text()
        want = f"{p.kubernetes}\n{hash_text(cni_src)}"
        if stamp_ok(stamp, want):
            ph.cached = True
        else:
            gobuild.build_kubernetes(p, out, ph)
            stamp.write_text(want)
    bin_dir().mkdir(parents=True, exist_ok=True)
    shutil.copy2(out / "kubectl", bin_dir() / "kubectl")
    return out


def hash_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_extras(p: Pins, t: Timings) -> Path:
    """etcd, CoreDNS, local-path-provisioner and pause."""
    out = cache_dir() / "extras"
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("etcd", p.etcd, lambda ph: gobuild.build_in_module(
            "go.etcd.io/etcd/server/v3", p.etcd, "go.etcd.io/etcd/server/v3", out / "etcd", ph, "etcd")),
        ("coredns", p.coredns, lambda ph: gobuild.go_install(
            "github.com/coredns/coredns", p.coredns, out, ph, "coredns")),
        ("local-path-provisioner", p.local_path_provisioner, lambda ph: gobuild.go_install(
            "github.com/rancher/local-path-provisioner", p.local_path_provisioner, out, ph, "local-path-provisioner")),
        ("pause", p.pause, lambda ph: build_pause(p, out / "pause", ph)),
    ]
    for name, version, job in jobs:
        stamp = out / f".{name}"
        with phase(f"{name} {version}", t) as ph:
            if (out / name).exists() and stamp_ok(stamp, version):
                ph.cached = True
                continue
            job(ph)
            stamp.write_text(version)
    return out


def build_pause(p: Pins, output: Path, ph) -> None:
    kube = gobuild.module_dir("k8s.io/kubernetes", p.kubernetes)
    src = kube / "build" / "pause" / "linux" / "pause.c"
    run_logged(["gcc", "-Os", "-Wall", "-Werror", "-static", f'-DVERSION=v{p.pause}-kubelab',
                "-o", str(output), str(src)], cache_dir() / "logs" / "pause.log", on_line=ph.line)
    run(["strip", str(output)])


def check_host_tools() -> None:
    missing = [tool for tool in ("go", "docker", "debootstrap", "gcc", "tar") if not shutil.which(tool)]
    if missing:
        hints = {
            "go": "install Go 1.24 or newer (https://go.dev/dl) or `apt-get install golang` on a newer Debian",
            "debootstrap": "apt-get install debootstrap",
            "gcc": "apt-get install gcc libc6-dev",
            "docker": "run cluster/host/setup_docker.sh",
        }
        lines = [f"  {m}: {hints.get(m, 'install it')}" for m in missing]
        raise SystemExit("build-image needs these tools:\n" + "\n".join(lines))
    if os.geteuid() != 0:
        raise SystemExit("build-image runs debootstrap and chroot: run it as root (sudo kubelab cluster build-image)")


def build_all() -> Toolchain:
    """Build or reuse everything; print a table of phase times. Raises CommandError on a failed step."""
    check_host_tools()
    p = load_pins()
    t = Timings()
    console.print(f"[bold]Building the offline toolchain and node image {p.local_node_image}[/] (cache: {cache_dir()})")
    from kubelab.cluster import addons_netpol

    # the three Debian roots download and unpack while the Go builds use the CPU (their phases below wait)
    for name, packages in (("node-base", rootfs.NODE_PACKAGES), ("nginx", rootfs.NGINX_PACKAGES),
                           ("netpol", addons_netpol.ROOT_PACKAGES)):
        rootfs.begin(name, p.debian_suite, packages)
    kind = build_kind(p, t)
    kube_bin = build_kubernetes(p, t)
    extra_bin = build_extras(p, t)
    with phase(f"Debian {p.debian_suite} root for the node (debootstrap)", t) as ph:
        node_root = rootfs.debootstrap("node-base", p.debian_suite, rootfs.NODE_PACKAGES, ph)
    with phase(f"Debian {p.debian_suite} root for the nginx stand-in (debootstrap)", t) as ph:
        nginx_root = rootfs.debootstrap("nginx", p.debian_suite, rootfs.NGINX_PACKAGES, ph)
    specs = images.component_images(p, kube_bin, extra_bin, node_root) + images.lab_images(node_root, nginx_root)
    with phase(f"{len(specs)} images (docker import)", t) as ph:
        reused = 0
        for spec in specs:
            ph.line(spec.ref)
            reused += images.ensure_image(spec)
        ph.cached = reused == len(specs)
    from kubelab.cluster import addons

    addons.build_images(t)
    with phase("node base image", t) as ph:
        ph.cached = nodeimage.ensure_base_image(p, node_root)
    with phase(f"node image {p.local_node_image}", t) as ph:
        kind_module = gobuild.module_dir("sigs.k8s.io/kind", p.kind)
        ph.cached = nodeimage.build_node_image(p, kind_module, kube_bin, specs, lab_image("busybox"), ph)
    console.print("[bold]Phase times[/]\n" + t.summary())
    console.print(f"kind and kubectl are in {bin_dir()}")
    return Toolchain(kind=kind, kubectl=bin_dir() / "kubectl")
