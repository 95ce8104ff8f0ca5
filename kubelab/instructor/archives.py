"""Archives from a submission (image sidecars, volume tars), checked before the Docker engine sees them.

The engine decompresses what it is given (`docker load` takes gzip/bzip2/xz, `put_archive` too),
so a tiny archive can become gigabytes of disk. Here:
- a volume tar must be a plain (uncompressed) tar of files, directories and links, no sparse
  members, no devices, its declared sizes under a cap;
- an image sidecar is decompressed as a stream into a temp file with a byte cap (never all in
  memory), and every layer inside it is scanned as a stream the same way (declared sizes under
  the same budget), then rewritten with only the replay's own tag.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import tarfile
import tempfile
from pathlib import Path

MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
IMAGE_LIMIT = 512 * 1024 * 1024      # an image, decompressed, all its layers included
VOLUME_TAR_LIMIT = 2 * 1024 * 1024   # a volume's files (the record itself is at most 2 MB)
CHUNK = 1 << 20


class ArchiveError(ValueError):
    """An archive that is not replayed; the message says why."""


def compression_of(head: bytes) -> str | None:
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    return None


class Budget:
    """Bytes an archive may still expand to; raises ArchiveError when spent."""

    def __init__(self, limit: int, what: str):
        self.left, self.limit, self.what = limit, limit, what

    def spend(self, n: int) -> None:
        self.left -= n
        if self.left < 0:
            raise ArchiveError(f"{self.what} expands to more than {self.limit >> 20} MiB")


class _Counted(io.RawIOBase):
    """A read-only stream that charges every byte it yields to a Budget."""

    def __init__(self, inner, budget: Budget):
        self.inner, self.budget = inner, budget

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        data = self.inner.read(len(buf))
        self.budget.spend(len(data))
        buf[: len(data)] = data
        return len(data)


def _opener(kind: str | None):
    if kind is None:
        return lambda fh: fh
    if kind == "gzip":
        return lambda fh: gzip.GzipFile(fileobj=fh, mode="rb")
    if kind == "bzip2":
        return lambda fh: bz2.BZ2File(fh, mode="rb")
    if kind == "xz":
        return lambda fh: lzma.LZMAFile(fh, mode="rb")
    raise ArchiveError(f"{kind}-compressed data is not accepted")


def _member_problem(m: tarfile.TarInfo, allow_devices: bool = False) -> str | None:
    if m.issparse():
        return f"{m.name}: sparse file"
    if (m.ischr() or m.isblk() or m.isfifo()) and not allow_devices:
        return f"{m.name}: device or fifo"
    if not (m.isreg() or m.isdir() or m.issym() or m.islnk() or m.ischr() or m.isblk() or m.isfifo()):
        return f"{m.name}: unsupported member type"
    return None


def check_volume_tar(data: bytes, limit: int = VOLUME_TAR_LIMIT) -> int:
    """Raise ArchiveError unless data is a plain tar a volume may be filled from; returns its size."""
    kind = compression_of(data[:8])
    if kind:
        raise ArchiveError(f"a {kind}-compressed archive (only a plain tar is accepted: the engine would expand it)")
    if len(data) > limit:
        raise ArchiveError(f"{len(data)} bytes (limit {limit})")
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        members = tar.getmembers()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"not a tar archive ({exc})") from exc
    total = 0
    for m in members[:10_001]:
        problem = _member_problem(m)
        if problem:
            raise ArchiveError(problem)
        if m.name.startswith("/") or ".." in Path(m.name).parts:
            raise ArchiveError(f"{m.name}: a path outside the volume")
        total += max(m.size, 0)
    if len(members) > 10_000:
        raise ArchiveError("more than 10000 entries")
    if total > limit:
        raise ArchiveError(f"its files declare {total} bytes (limit {limit})")
    return total


def _scan_layer(fh, budget: Budget, name: str) -> None:
    """Stream a layer (maybe compressed): what the engine would write is charged to the budget."""
    head = fh.read(8)
    fh.seek(0)
    stream = _Counted(_opener(compression_of(head))(fh), budget)
    try:
        with tarfile.open(fileobj=io.BufferedReader(stream, CHUNK), mode="r|") as layer:
            for m in layer:
                if m.issparse():
                    raise ArchiveError(f"layer {name}: {m.name}: sparse file")
                budget.spend(max(m.size, 0))
    except ArchiveError:
        raise
    except (tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib_error()) as exc:
        if compression_of(head) is not None:
            raise ArchiveError(f"layer {name}: unreadable ({exc})") from exc
        # not a tar (a config blob): nothing the engine would unpack


def zlib_error():
    import zlib

    return zlib.error


def decompress_to(src: Path, dest: Path, budget: Budget) -> None:
    """Copy src to dest, decompressing a gzip/bzip2/xz file as a stream under the budget."""
    with open(src, "rb") as raw:
        kind = compression_of(raw.read(8))
        raw.seek(0)
        stream = _opener(kind)(raw)
        with open(dest, "wb") as out:
            try:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    budget.spend(len(chunk))
                    out.write(chunk)
            except (OSError, EOFError, lzma.LZMAError, zlib_error()) as exc:
                raise ArchiveError(f"unreadable {kind} data ({exc})") from exc


def retag_image_file(src: Path, ref: str, new_tag: str, workdir: Path, limit: int | None = None) -> Path:
    """A `docker save` archive (maybe compressed) rewritten as a plain tar whose only tag is new_tag
    (for the entry tagged ref), so that loading it can never overwrite one of the instructor's
    images; the archive and its layers are streamed under `limit` bytes. Raises ArchiveError."""
    from kubelab.graders.docker_engine import _normalize

    budget = Budget(limit or IMAGE_LIMIT, f"image {ref}")
    workdir = Path(workdir)
    plain = Path(tempfile.mkstemp(prefix="image-", suffix=".tar", dir=workdir)[1])
    out_path = Path(tempfile.mkstemp(prefix="image-", suffix=".replay.tar", dir=workdir)[1])
    try:
        decompress_to(Path(src), plain, budget)
        try:
            src_tar = tarfile.open(plain, mode="r:")
            members = src_tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ArchiveError(f"not a `docker save` archive ({exc})") from exc
        if len(members) > 5000:
            raise ArchiveError("more than 5000 entries")
        by_name = {m.name: m for m in members}
        man = by_name.get("manifest.json")
        if man is None or not man.isfile() or man.size > 1 << 20:
            raise ArchiveError("no manifest.json (not a `docker save` archive)")
        try:
            manifest = json.load(src_tar.extractfile(man))
        except ValueError as exc:
            raise ArchiveError(f"manifest.json is not JSON ({exc})") from exc
        if not isinstance(manifest, list):
            raise ArchiveError("manifest.json is not a list")
        kept = [dict(e, RepoTags=[new_tag]) for e in manifest
                if isinstance(e, dict) and any(isinstance(t, str) and _normalize(t) == _normalize(ref)
                                               for t in e.get("RepoTags") or [])]
        if not kept:
            raise ValueError(f"the archive does not hold {ref}")
        with tarfile.open(out_path, mode="w") as dst:
            for m in members:
                if m.name in ("manifest.json", "repositories") or not (m.isfile() or m.isdir()):
                    continue
                if m.issparse():
                    raise ArchiveError(f"{m.name}: sparse file")
                if m.isfile():
                    _scan_layer(src_tar.extractfile(m), budget, m.name)
                    dst.addfile(m, src_tar.extractfile(m))
                else:
                    dst.addfile(m)
            body = json.dumps(kept).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            dst.addfile(info, io.BytesIO(body))
        src_tar.close()
        return out_path
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    finally:
        plain.unlink(missing_ok=True)


def retag_image_archive(data: bytes, ref: str, new_tag: str, limit: int | None = None) -> bytes:
    """retag_image_file for bytes in memory (small archives, tests)."""
    with tempfile.TemporaryDirectory(prefix="kubelab-retag-") as tmp:
        src = Path(tmp) / "in.tar"
        src.write_bytes(data)
        out = retag_image_file(src, ref, new_tag, Path(tmp), limit)
        return out.read_bytes()


def copy_bounded(src: Path, dest: Path, limit: int) -> None:
    """Copy a file, refusing it when it is larger than limit (checked while copying)."""
    with open(src, "rb") as fi, open(dest, "wb") as fo:
        left = limit
        while True:
            chunk = fi.read(CHUNK)
            if not chunk:
                return
            left -= len(chunk)
            if left < 0:
                raise ArchiveError(f"larger than {limit >> 20} MiB")
            fo.write(chunk)

