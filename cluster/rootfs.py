"""Root filesystems from Debian packages, and images made from them with `docker import`.

debootstrap gives the node's base system and the nginx stand-in; small images
(busybox, the Kubernetes components) are staged file by file, with the shared
libraries a binary needs found by ldd inside the Debian root.
"""

from __future__ import annotations

import io
import shutil
import tarfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from kubelab.cluster.execs import run, run_logged
from kubelab.cluster.paths import cache_dir, stamp_ok
from kubelab.cluster.progress import Phase

NODE_PACKAGES = [
    "systemd", "systemd-sysv", "dbus", "conntrack", "iptables", "nftables", "iproute2", "ethtool",
    "util-linux", "mount", "kmod", "libseccomp2", "bash", "ca-certificates", "curl", "jq", "procps",
    "containerd", "runc", "containernetworking-plugins", "socat", "ebtables", "busybox-static",
]
NGINX_PACKAGES = ["nginx-light", "ca-certificates"]
GLIBC_NSS = ["ld-linux-x86-64.so.2", "libc.so.6", "libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2"]


# Roots begun in the background (`begin`): debootstrap mostly waits for downloads and the disk, so
# it overlaps the CPU-bound Go builds of a fresh machine; `debootstrap` then waits for the result.
_pool: ThreadPoolExecutor | None = None
_begun: dict[str, Future] = {}
_lock = threading.Lock()


class _Quiet(Phase):
    """The phase of a root made in the background: its lines are kept, not printed."""

    def line(self, text: str) -> None:
        self.last_line = text.strip()[:100] or self.last_line


def begin(name: str, suite: str, packages: list[str]) -> None:
    """Start making a Debian root in the background (one at a time, in the order begun); the
    `debootstrap` call for the same root later waits for it and raises its error, if any."""
    global _pool
    with _lock:
        if name in _begun:
            return
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="debootstrap")
        _begun[name] = _pool.submit(_make, name, suite, packages, _Quiet(f"{name} (background)"))


def debootstrap(name: str, suite: str, packages: list[str], phase: Phase) -> Path:
    """A Debian root at cache/rootfs/<name> (reused when complete; when begun in the background,
    waited for)."""
    with _lock:
        future = _begun.pop(name, None)
    if future is not None:
        phase.line("begun in the background while the Go builds ran; waiting for it")
        target, cached = future.result()
        phase.cached = cached
        return target
    target, phase.cached = _make(name, suite, packages, phase)
    return target


def _make(name: str, suite: str, packages: list[str], phase: Phase) -> tuple[Path, bool]:
    """(the root, whether it was reused)."""
    target = cache_dir() / "rootfs" / name
    stamp = target.with_suffix(".done")
    wanted = f"{suite} {' '.join(sorted(packages))}"
    if stamp_ok(stamp, wanted):
        return target, True
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    run_logged(
        ["debootstrap", "--variant=minbase", f"--include={','.join(packages)}", suite, str(target)],
        cache_dir() / "logs" / f"debootstrap-{name}.log", on_line=phase.line,
    )
    # apt's lists and caches are not needed in an image
    for sub in ("var/cache/apt/archives", "var/lib/apt/lists"):
        for item in (target / sub).glob("*"):
            if item.is_file():
                item.unlink()
    stamp.write_text(wanted)
    return target, False


def ldd_closure(root: Path, binaries: Iterable[str]) -> set[str]:
    """Paths (inside root) of the shared libraries the given binaries load."""
    libs: set[str] = set()
    for binary in binaries:
        out = run(["chroot", str(root), "ldd", binary], check=False).stdout
        for line in out.splitlines():
            parts = line.split()
            if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
                libs.add(parts[2])
            elif parts and parts[0].startswith("/"):
                libs.add(parts[0])
    return libs


class TarBuilder:
    """A root filesystem written straight into a tar stream, owned by root."""

    def __init__(self) -> None:
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w")
        self.dirs: set[str] = set()
        self.names: set[str] = set()   # files and links: the first one written wins

    def _claim(self, path: str) -> bool:
        name = path.lstrip("/")
        if name in self.names:
            return False
        self.names.add(name)
        return True

    def _info(self, name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name.lstrip("/"))
        info.type, info.mode, info.uid, info.gid, info.mtime = kind, mode, 0, 0, 0
        return info

    def dir(self, path: str, mode: int = 0o755) -> None:
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                self.tar.addfile(self._info(d, tarfile.DIRTYPE, 0o1777 if d == "tmp" else mode))

    def file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        if not self._claim(path):
            return
        self.dir(str(Path(path).parent))
        info = self._info(path, tarfile.REGTYPE, mode)
        info.size = len(data)
        self.tar.addfile(info, io.BytesIO(data))

    def symlink(self, path: str, target: str) -> None:
        if not self._claim(path):
            return
        self.dir(str(Path(path).parent))
        info = self._info(path, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.tar.addfile(info)

    def copy_from(self, root: Path, path: str) -> None:
        """Copy root/path (a file, or a directory tree with its symlinks) into the image at the
        same path. A symlink given as path is followed inside root, never on the host."""
        real = root / path.lstrip("/")
        for _ in range(10):
            if not real.is_symlink():
                break
            target = Path(real.readlink())
            real = root / str(target).lstrip("/") if target.is_absolute() else real.parent / target
        if real.is_dir():
            for child in sorted(real.rglob("*")):
                rel = "/" + str(child.relative_to(root))
                if child.is_symlink():
                    self.symlink(rel, str(child.readlink()))
                elif child.is_file():
                    self.file(rel, child.read_bytes(), child.stat().st_mode & 0o7777)
            return
        self.file(path, real.read_bytes(), real.stat().st_mode & 0o7777)

    def base_etc(self) -> None:
        """The few files most programs expect: passwd, group, nsswitch, tmp."""
        self.file("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
        self.file("/etc/group", b"root:x:0:\nnogroup:x:65534:\n")
        self.file("/etc/nsswitch.conf", b"hosts: files dns\n")
        self.dir("/tmp")
        self.dir("/root", 0o700)

    def busybox(self, root: Path) -> None:
        """Debian's static busybox at /bin/busybox with a link for every applet."""
        self.copy_from(root, "/bin/busybox")
        # Debian's busybox-static is linked against glibc, whose name lookups (wget, nc, telnet)
        # load NSS modules at run time: ship them with the libc they need, or those applets crash
        for lib in GLIBC_NSS:
            self.copy_from(root, f"/lib/x86_64-linux-gnu/{lib}")
        self.symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        applets = run(["chroot", str(root), "/bin/busybox", "--list-full"]).stdout.split()
        for applet in applets:
            if applet != "bin/busybox":
                self.symlink("/" + applet, "/bin/busybox")

    def bytes(self) -> bytes:
        self.tar.close()
        return self.buf.getvalue()


def docker_import(data: bytes, ref: str, changes: list[str], labels: dict[str, str] | None = None) -> None:
    """Create image `ref` from a root filesystem tar, with Dockerfile-style changes."""
    args = ["docker", "import"]
    for change in changes + [f'LABEL {k}="{v}"' for k, v in (labels or {}).items()]:
        args += ["--change", change]
    run(args + ["-", ref], input=data)


def tar_directory(root: Path, exclude: Iterable[str] = ()) -> bytes:
    """A whole directory as a tar (numeric owners kept), for docker import."""
    args = ["tar", "-C", str(root), "--numeric-owner"]
    for pattern in exclude:
        args += [f"--exclude={pattern}"]
    return run(args + ["-cf", "-", "."], input=b"").stdout
