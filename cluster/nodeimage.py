"""Assemble kubelab's offline kind node image.

The same procedure kind's own node-image build follows, with parts from the Go
module proxy and Debian only: the debootstrapped base system becomes an image; a
build container from it receives kind's node files (entrypoint, kubelet units,
read from the kind module that `go install` downloaded), kubelab's containerd
configuration and manifests, and the Kubernetes binaries; containerd inside it
imports every image the cluster needs; `docker commit` makes the node image.
At `kind create` time the node's /var volume starts as a copy of the image's
/var, so the imported images are there on every node.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from kubelab.cluster.execs import CommandError, run
from kubelab.cluster.images import ImageSpec, image_build_key, provisioner_image
from kubelab.cluster.paths import HERE, Pins
from kubelab.cluster.progress import Phase
from kubelab.cluster.rootfs import TarBuilder, docker_import, tar_directory

KIND_FILES = [
    # (path in the kind module's images/base/files, path in the node, mode)
    ("usr/local/bin/entrypoint", "/usr/local/bin/entrypoint", 0o755),
    ("kind/bin/create-kubelet-cgroup-v2.sh", "/kind/bin/create-kubelet-cgroup-v2.sh", 0o755),
    ("kind/bin/mount-product-files.sh", "/kind/bin/mount-product-files.sh", 0o755),
    ("kind/bin/undo-mount-hacks.sh", "/kind/bin/undo-mount-hacks.sh", 0o755),
    ("etc/systemd/system/kubelet.service", "/etc/systemd/system/kubelet.service", 0o644),
    ("etc/systemd/system/kubelet.slice", "/etc/systemd/system/kubelet.slice", 0o644),
    ("etc/systemd/system/undo-mount-hacks.service", "/etc/systemd/system/undo-mount-hacks.service", 0o644),
    ("etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf", 0o644),
    ("etc/systemd/system/kubelet.service.d/11-kind.conf", "/etc/systemd/system/kubelet.service.d/11-kind.conf", 0o644),
    ("etc/sysctl.d/10-network-magic.conf", "/etc/sysctl.d/10-network-magic.conf", 0o644),
    ("etc/sysctl.d/10-network-security.conf", "/etc/sysctl.d/10-network-security.conf", 0o644),
    ("etc/default/kubelet", "/etc/default/kubelet", 0o644),
]

SETUP_SCRIPT = r"""
set -eu
find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete
rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* \
      /lib/systemd/system/local-fs.target.wants/* /lib/systemd/system/sockets.target.wants/*udev* \
      /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*
grep -q '^ReadKMsg=no' /etc/systemd/journald.conf || echo 'ReadKMsg=no' >> /etc/systemd/journald.conf
systemctl enable kubelet.service containerd.service undo-mount-hacks.service
systemctl mask systemd-binfmt.service
mkdir -p /etc/kubernetes/manifests /opt/cni/bin /etc/cni/net.d
for p in /usr/lib/cni/*; do ln -sf "$p" /opt/cni/bin/; done
ctr oci spec | jq '.hooks.createContainer[.hooks.createContainer | length] |= . + {"path": "/kind/bin/mount-product-files.sh"}' \
  | jq 'del(.process.rlimits)' > /etc/containerd/cri-base.json
"""


def base_image_ref(pins: Pins) -> str:
    return f"kubelab/node-base:{pins.debian_suite}"


def ensure_base_image(pins: Pins, node_root: Path) -> bool:
    """The debootstrapped system as an image. Returns True when reused."""
    ref = base_image_ref(pins)
    stamp = (node_root.with_suffix(".done")).read_text()
    key = hashlib.sha256(stamp.encode()).hexdigest()[:16]
    if image_build_key(ref) == key:
        return True
    docker_import(tar_directory(node_root, exclude=["./proc/*", "./sys/*", "./dev/*"]), ref, [],
                  {"org.kubelab.build": key})
    return False


def render_manifest(name: str, pins: Pins, lab_busybox: str) -> bytes:
    text = (HERE / "node" / name).read_text()
    for placeholder, value in {
        "@PAUSE_IMAGE@": f"registry.k8s.io/pause:{pins.pause}",
        "@CNI_IMAGE@": pins.cni_image,
        "@PROVISIONER_IMAGE@": provisioner_image(pins),
        "@HELPER_IMAGE@": lab_busybox,
    }.items():
        text = text.replace(placeholder, value)
    return text.encode()


def overlay_tar(pins: Pins, kind_module: Path, kube_bin: Path, lab_busybox: str) -> bytes:
    """Everything the build container receives on top of the base system."""
    t = TarBuilder()
    files = kind_module / "images" / "base" / "files"
    for src, dest, mode in KIND_FILES:
        t.file(dest, (files / src).read_bytes(), mode)
    t.file("/etc/systemd/system/containerd.service", (HERE / "node" / "containerd.service").read_bytes())
    t.file("/etc/containerd/config.toml", render_manifest("containerd-config.toml", pins, lab_busybox))
    t.file("/kind/manifests/default-cni.yaml", render_manifest("default-cni.yaml", pins, lab_busybox))
    t.file("/kind/manifests/default-storage.yaml", render_manifest("default-storage.yaml", pins, lab_busybox))
    t.file("/kind/version", f"{pins.kubernetes}\n".encode())
    for name in ("kubeadm", "kubelet", "kubectl"):
        t.file(f"/usr/bin/{name}", (kube_bin / name).read_bytes(), 0o755)
    return t.bytes()


def node_build_key(pins: Pins, overlay: bytes, images: list[ImageSpec]) -> str:
    h = hashlib.sha256()
    h.update(overlay)
    h.update(SETUP_SCRIPT.encode())
    for spec in images:
        h.update(f"{spec.ref}={spec.build_key()}".encode())
    h.update(base_image_ref(pins).encode())
    return h.hexdigest()[:16]


def build_node_image(pins: Pins, kind_module: Path, kube_bin: Path, images: list[ImageSpec],
                     lab_busybox: str, phase: Phase) -> bool:
    """Build pins.local_node_image unless it is current. Returns True when reused."""
    overlay = overlay_tar(pins, kind_module, kube_bin, lab_busybox)
    key = node_build_key(pins, overlay, images)
    if image_build_key(pins.local_node_image) == key:
        return True
    name = f"kubelab-node-build-{int(time.time())}"
    run(["docker", "run", "-d", "--name", name, "--privileged", "--security-opt", "seccomp=unconfined",
         "--entrypoint", "sleep", base_image_ref(pins), "infinity"])
    try:
        phase.line("adding kind's node files, kubelab's configuration and the Kubernetes binaries")
        run(["docker", "cp", "-", f"{name}:/"], input=overlay)
        run(["docker", "exec", name, "sh", "-c", SETUP_SCRIPT])
        run(["docker", "exec", "-d", name, "sh", "-c", "containerd >/var/log/containerd-build.log 2>&1"])
        for _ in range(60):
            if run(["docker", "exec", name, "ctr", "version"], check=False).returncode == 0:
                break
            time.sleep(0.5)
        else:
            log = run(["docker", "exec", name, "cat", "/var/log/containerd-build.log"], check=False).stdout
            raise CommandError(["docker", "exec", name, "ctr", "version"], 1, log, "containerd did not start in the build container")
        for spec in images:
            phase.line(f"importing {spec.ref}")
            archive = run(["docker", "save", spec.ref], input=b"").stdout
            run(["docker", "exec", "-i", name, "ctr", "--namespace=k8s.io", "images", "import",
                 "--all-platforms", "--no-unpack", "--digests", "-"], input=archive)
            run(["docker", "exec", name, "ctr", "--namespace=k8s.io", "images", "label", spec.ref,
                 "io.cri-containerd.pinned=pinned"])
        run(["docker", "exec", name, "sh", "-c", "pkill containerd; sleep 1; rm -f /var/log/containerd-build.log"])
        phase.line(f"committing {pins.local_node_image}")
        run(["docker", "commit",
             "--change", 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]',
             "--change", "ENV container=docker",
             "--change", f'LABEL org.kubelab.build="{key}"',
             "--change", f'LABEL org.opencontainers.image.description="kind node {pins.kubernetes} built offline by kubelab"',
             name, pins.local_node_image])
    finally:
        run(["docker", "rm", "-f", "-v", name], check=False)
    return False
