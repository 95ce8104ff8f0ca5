"""Fast tests of the cluster layer's pure parts (no cluster, no Docker)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tarfile
import io
from pathlib import Path

import pytest
import yaml

from kubelab.cluster import lifecycle
from kubelab.cluster.api import ClusterError, lab_image
from kubelab.cluster.execs import CommandError, run
from kubelab.cluster.gobuild import kubernetes_gomod, version_ldflags
from kubelab.cluster.paths import pins
from kubelab.cluster.rootfs import TarBuilder

ROOT = Path(__file__).resolve().parents[2]

KUBE_GOMOD = """module k8s.io/kubernetes

go 1.24.0

require (
\tgithub.com/spf13/cobra v1.9.1
\tk8s.io/api v0.0.0
\tk8s.io/klog/v2 v2.130.1 // indirect
)

require (
\tgithub.com/google/uuid v1.6.0 // indirect
\tk8s.io/client-go v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
)
"""


def test_build_module_pins_requirements_and_replaces_staging():
    mod = kubernetes_gomod(pins(), KUBE_GOMOD)
    assert f"\tk8s.io/kubernetes {pins().kubernetes}" in mod
    assert "\tgithub.com/spf13/cobra v1.9.1" in mod and "\tgithub.com/google/uuid v1.6.0" in mod
    assert "\tk8s.io/klog/v2 v2.130.1" in mod
    assert "k8s.io/api v0.0.0" not in mod
    assert f"\tk8s.io/api => k8s.io/api {pins().staging_version}" in mod
    assert f"\tk8s.io/client-go => k8s.io/client-go {pins().staging_version}" in mod


def test_build_module_without_staging_lines_is_an_error():
    with pytest.raises(RuntimeError, match="staging"):
        kubernetes_gomod(pins(), "module x\n\nrequire (\n\ta v1\n)\n")


def test_version_flags_name_the_pinned_version():
    flags = version_ldflags(pins())
    assert f"k8s.io/component-base/version.gitVersion={pins().kubernetes}" in flags
    assert f"gitMinor={pins().kube_minor}" in flags


def test_pins_are_consistent():
    p = pins()
    assert p.kubernetes.startswith("v1.34."), "1.34 is the last kubelet that runs on cgroup v1 by default"
    assert p.staging_version == "v0.34." + p.kubernetes.split(".")[2]
    assert "@sha256:" in p.upstream_node_image
    assert p.etcd_tag.endswith("-0")


def test_unknown_shape_is_a_clear_error():
    with pytest.raises(ClusterError, match=r"unknown cluster shape 'huge'.*course"):
        lifecycle.kind_config("huge")


def test_course_shape_is_one_control_plane_and_two_workers():
    assert lifecycle.shape_roles(lifecycle.shape_config("course")) == ["control-plane", "worker", "worker"]


@pytest.mark.parametrize("has_cap", [True, False])
def test_oom_patch_only_where_the_capability_is_missing(monkeypatch, has_cap):
    monkeypatch.setattr(lifecycle, "has_sys_resource", lambda: has_cap)
    config = yaml.safe_load(lifecycle.kind_config("course"))
    assert config["name"] == "kubelab"
    patches = config.get("containerdConfigPatches", [])
    assert (lifecycle.OOM_PATCH in patches) is (not has_cap)


@pytest.mark.parametrize("shape", ["course", "single"])
def test_every_pod_gets_a_pids_limit_from_the_kubelet(shape):
    config = yaml.safe_load(lifecycle.kind_config(shape))
    kubelet = [yaml.safe_load(p) for p in config.get("kubeadmConfigPatches", [])]
    assert {"kind": "KubeletConfiguration", "podPidsLimit": 1024} in kubelet


def test_lab_image_catalog():
    assert lab_image("busybox").startswith("docker.io/library/busybox:")
    with pytest.raises(KeyError, match="unknown lab image 'alpine'"):
        lab_image("alpine")


def test_command_error_carries_command_and_output():
    with pytest.raises(CommandError) as info:
        run(["sh", "-c", "echo out; echo err >&2; exit 3"])
    text = str(info.value)
    assert "exit 3" in text and "sh -c 'echo out; echo err >&2; exit 3'" in text
    assert "out" in text and "err" in text


def test_missing_program_is_a_command_error():
    with pytest.raises(CommandError, match="not found on PATH"):
        run(["kubelab-no-such-program"])


def test_tar_builder_writes_root_owned_files():
    t = TarBuilder()
    t.base_etc()
    t.file("/usr/local/bin/x", b"#!/bin/sh\n", 0o755)
    t.symlink("/bin/sh", "/bin/busybox")
    tar = tarfile.open(fileobj=io.BytesIO(t.bytes()))
    members = {m.name: m for m in tar.getmembers()}
    assert members["usr/local/bin/x"].mode == 0o755 and members["usr/local/bin/x"].uid == 0
    assert members["bin/sh"].issym() and members["bin/sh"].linkname == "/bin/busybox"
    assert members["tmp"].mode == 0o1777


@pytest.fixture()
def fake_runc(tmp_path):
    """A stand-in for the real runc that records its arguments."""
    real = tmp_path / "runc"
    real.write_text("#!/bin/sh\necho \"$@\" > \"$(dirname \"$0\")/args\"\n")
    real.chmod(real.stat().st_mode | stat.S_IEXEC)
    return real


CAPS = {"bounding": ["CAP_CHOWN", "CAP_SYS_RESOURCE"], "effective": ["CAP_SYS_RESOURCE", "CAP_KILL"],
        "permitted": ["CAP_SYS_RESOURCE"]}


def _wrapper(fake_runc, *args, cwd=None):
    script = ROOT / "cluster" / "host" / "runc-drop-sys-resource"
    env = {**os.environ, "KUBELAB_REAL_RUNC": str(fake_runc)}
    subprocess.run([str(script), *args], check=True, env=env, cwd=cwd)
    return (fake_runc.parent / "args").read_text().split()


def test_runc_front_strips_the_capability_on_create(tmp_path, fake_runc):
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "config.json").write_text(json.dumps({"process": {"capabilities": CAPS, "args": ["sh"]}}))
    args = _wrapper(fake_runc, "--root", "/run/x", "create", "--bundle", str(bundle), "ctr1")
    caps = json.loads((bundle / "config.json").read_text())["process"]["capabilities"]
    assert all("CAP_SYS_RESOURCE" not in v for v in caps.values())
    assert caps["bounding"] == ["CAP_CHOWN"] and caps["effective"] == ["CAP_KILL"]
    assert args == ["--root", "/run/x", "create", "--bundle", str(bundle), "ctr1"]


def test_runc_front_strips_the_capability_on_exec(tmp_path, fake_runc):
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"capabilities": CAPS, "args": ["sh"]}))
    _wrapper(fake_runc, "exec", "--process", str(process), "--detach", "ctr1")
    assert "CAP_SYS_RESOURCE" not in process.read_text()


def test_runc_front_leaves_other_commands_alone(tmp_path, fake_runc):
    args = _wrapper(fake_runc, "state", "ctr1")
    assert args == ["state", "ctr1"]


def test_copy_from_keeps_symlinks_inside_a_directory(tmp_path):
    # kube-proxy's image lost iptables' extension links (libxt_MASQUERADE.so -> libxt_NAT.so) once
    root = tmp_path / "root"
    ext = root / "usr/lib/xtables"
    ext.mkdir(parents=True)
    (ext / "libxt_NAT.so").write_bytes(b"elf")
    (ext / "libxt_MASQUERADE.so").symlink_to("libxt_NAT.so")
    (root / "lib").symlink_to("usr/lib")
    t = TarBuilder()
    t.copy_from(root, "/usr/lib/xtables")
    t.copy_from(root, "/usr/lib/xtables/libxt_NAT.so")   # a second copy of a path is ignored
    t.copy_from(root, "/lib/xtables/libxt_NAT.so")       # read through a merged-/usr link in the root
    members = {m.name: m for m in tarfile.open(fileobj=io.BytesIO(t.bytes())).getmembers()}
    assert members["usr/lib/xtables/libxt_MASQUERADE.so"].issym()
    assert members["usr/lib/xtables/libxt_MASQUERADE.so"].linkname == "libxt_NAT.so"
    assert members["usr/lib/xtables/libxt_NAT.so"].isfile()
    assert members["lib/xtables/libxt_NAT.so"].isfile()


def test_published_node_image_comes_with_kind_and_kubectl(monkeypatch):
    """A machine where Docker Hub answers gets kind's image, and kind/kubectl are built when missing
    (`make course` stopped with "kind not found" there)."""
    from kubelab.cluster import build, lifecycle, tools

    built = []
    monkeypatch.setattr(lifecycle, "image_exists", lambda ref: ref == lifecycle.pins().upstream_node_image)
    monkeypatch.setattr(tools, "find_tool", lambda name: None if name == "kind" else "/usr/bin/kubectl")
    monkeypatch.setattr(build, "build_kind", lambda p, t: built.append("kind"))
    monkeypatch.setattr(build, "build_kubernetes", lambda p, t: built.append("kubernetes"))
    assert lifecycle.ensure_node_image() == lifecycle.pins().upstream_node_image
    assert built == ["kind"]
