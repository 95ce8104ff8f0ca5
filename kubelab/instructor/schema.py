"""The typed submission record: what a student's Submit cell wrote, parsed and validated once.

    rec = Record.load(path, lab_id)      # RecordError with a reason a student can read
    rec.objects, rec.containers, rec.networks ...

A record is untrusted input. Loading it is bounded before anything is built from it:
- its size is checked before it is read (MAX_RECORD_BYTES);
- the YAML is parsed with a loader that refuses aliases (no "billion laughs" expansion, in the
  loader or in any later JSON round trip), caps the number of nodes and the nesting depth, and
  keeps dates as strings (a value the replay can always write back out as JSON);
- the result must be plain data (mappings with string keys, lists, str/int/float/bool/null).

The per-item content (a manifest, a run spec) is not validated here: `policy` screens each item
and refuses the bad ones by name, so that one bad object never costs the whole submission.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

RECORD_NAME = "kubelab-record.yaml"
FORMAT = 1
MAX_RECORD_BYTES = 2_000_000
MAX_NODES = 200_000          # scalars + collections in the whole document
MAX_DEPTH = 64               # nesting (a manifest needs ~15)

LIST_FIELDS = ("objects", "containers", "commands", "nodes", "networks", "volumes", "images", "files")
MAP_FIELDS = ("checks", "evidence")


class RecordError(Exception):
    """A record is missing or malformed; the message says what and what to do."""


# ---- the bounded YAML loader ---------------------------------------------------------------------

def _loader_class():
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """SafeLoader without aliases, with a node count and depth limit, dates kept as strings."""

        def __init__(self, stream):
            super().__init__(stream)
            self._nodes = 0
            self._depth = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not accepted in a record",
                                                  event.start_mark)
            self._nodes += 1
            if self._nodes > MAX_NODES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_NODES} YAML nodes",
                                                  self.peek_event().start_mark)
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels",
                                                      self.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    # dates and times stay strings: `created: 2024-01-01` must not become a datetime the JSON
    # spec cannot hold (the timestamp resolver is dropped from this class's copy of the table)
    BoundedLoader.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return BoundedLoader


_LOADER = None


def safe_load(text: str) -> Any:
    """Parse one YAML document under the record's bounds. Raises RecordError."""
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _loader_class()
    loader = _LOADER(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise RecordError(f"{RECORD_NAME} is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    except RecursionError as exc:
        raise RecordError(f"{RECORD_NAME} is nested too deeply") from exc
    finally:
        loader.dispose()
    plain_data(data)
    return data


def plain_data(value: Any, where: str = "record", depth: int = 0) -> None:
    """Raise RecordError unless value is JSON-shaped (string keys; str, int, float, bool, None)."""
    if depth > MAX_DEPTH:
        raise RecordError(f"{RECORD_NAME}: {where} is nested too deeply")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise RecordError(f"{RECORD_NAME}: {where} has a key {str(k)[:40]!r} that is not a string "
                                  "(quote it)")
            plain_data(v, f"{where}.{k[:40]}", depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            plain_data(v, f"{where}[{i}]", depth + 1)
    elif not (value is None or isinstance(value, (str, bool, int, float))):
        raise RecordError(f"{RECORD_NAME}: {where} holds a {type(value).__name__} (only plain YAML values: "
                          "strings, numbers, true/false, null, lists, mappings)")


# ---- the record ----------------------------------------------------------------------------------

@dataclass
class Record:
    """One submission's record. Item lists are plain manifests/specs, screened later by `policy`."""

    lab: str
    kind: str = ""
    format: int = FORMAT
    created: str = ""
    namespace: str | None = None
    objects: list = field(default_factory=list)      # cleaned Kubernetes manifests
    containers: list = field(default_factory=list)   # Docker run specs (record.container_spec)
    commands: list = field(default_factory=list)     # shown, never run
    nodes: list = field(default_factory=list)        # node state of the lab's NodeScope
    networks: list = field(default_factory=list)     # Docker networks {name, driver, ipam}
    volumes: list = field(default_factory=list)      # Docker volumes {name, tar (base64) | skipped}
    images: list = field(default_factory=list)       # {ref, file}: a `docker save` sidecar
    files: list = field(default_factory=list)        # {path, file}: a sidecar the lab names
    checks: dict = field(default_factory=dict)       # local results (shown, never trusted)
    evidence: dict = field(default_factory=dict)     # reads for record_only checks
    local_points: float = 0.0
    folder: str | None = None                        # the submission folder (sidecars), not in the file

    @classmethod
    def parse(cls, data: Any, lab_id: str | None = None, folder: str | None = None) -> "Record":
        """Validate the top-level shape of a loaded record. Raises RecordError."""
        if isinstance(data, Record):
            return data
        if not isinstance(data, dict) or "kubelab_record" not in data:
            raise RecordError(f"{RECORD_NAME} is not a kubelab record (expected a mapping with kubelab_record: {FORMAT})")
        if lab_id and data.get("lab") != lab_id:
            raise RecordError(f"{RECORD_NAME} records lab {str(data.get('lab'))[:60]!r}, this assignment is {lab_id!r}")
        if not isinstance(data.get("lab"), str):
            raise RecordError(f"{RECORD_NAME}: lab must be a lab id")
        kw: dict[str, Any] = {"lab": data["lab"], "folder": folder if folder is not None else data.get("_folder")}
        for key in LIST_FIELDS:
            value = data.get(key)
            if value is None:
                value = []
            if not isinstance(value, list):
                raise RecordError(f"{RECORD_NAME}: {key} must be a list, found {type(value).__name__}")
            kw[key] = value
        for key in MAP_FIELDS:
            value = data.get(key)
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise RecordError(f"{RECORD_NAME}: {key} must be a mapping")
            kw[key] = value
        for key in ("kind", "created"):
            kw[key] = str(data.get(key) or "")[:200]
        ns = data.get("namespace")
        kw["namespace"] = ns if isinstance(ns, str) else None
        fmt = data.get("kubelab_record")
        kw["format"] = fmt if isinstance(fmt, int) and not isinstance(fmt, bool) else FORMAT
        pts = data.get("local_points")
        kw["local_points"] = float(pts) if isinstance(pts, (int, float)) and not isinstance(pts, bool) else 0.0
        return cls(**kw)

    @classmethod
    def load(cls, path: Path | str, lab_id: str | None = None) -> "Record":
        """Read a record file: size first, then the bounded parse, then the shape. Raises RecordError."""
        path = Path(path)
        if not path.is_file():
            raise RecordError(f"no {RECORD_NAME} in the submission: run the Submit cell of the notebook "
                              "before you submit")
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            raise RecordError(f"{RECORD_NAME} is {size} bytes (limit {MAX_RECORD_BYTES})")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_RECORD_BYTES + 1)   # the file may have grown since stat()
        if len(raw) > MAX_RECORD_BYTES:
            raise RecordError(f"{RECORD_NAME} is larger than {MAX_RECORD_BYTES} bytes")
        return cls.parse(safe_load(raw.decode("utf-8", errors="replace")), lab_id, folder=str(path.parent))

    def to_dict(self) -> dict:
        """The record as written to kubelab-record.yaml (without the folder)."""
        out: dict[str, Any] = {"kubelab_record": self.format, "lab": self.lab, "kind": self.kind,
                               "created": self.created, "namespace": self.namespace}
        for f in fields(self):
            if f.name not in ("format", "lab", "kind", "created", "namespace", "folder"):
                out[f.name] = getattr(self, f.name)
        return out

    # read access by key, for callers written against the dict the record used to be
    def __getitem__(self, key: str):
        if key == "_folder":
            return self.folder
        if key == "kubelab_record":
            return self.format
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default=None):
        try:
            value = self[key]
        except KeyError:
            return default
        return default if value is None else value

    def __contains__(self, key: str) -> bool:
        return key in self.__dataclass_fields__ or key in ("_folder", "kubelab_record")
