"""Read a field out of a manifest-shaped dict with the path a student would write.

    field(pod, "spec.containers[0].ports[0].containerPort")
    field(pod, "spec.containers[name=web].image")
    field(node, 'metadata.labels["kubernetes.io/hostname"]')

A missing step yields None (never an exception), so a check reports `found nothing`.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"""
    \.?(?P<key>[A-Za-z_$][\w$-]*)          # .key
  | \[(?P<index>-?\d+)\]                   # [0]
  | \[(?P<sel>[\w.-]+)=(?P<val>[^\]]*)\]   # [name=web]
  | \[["'](?P<quoted>[^"']+)["']\]         # ["a.b/c"]
""", re.VERBOSE)


def parse_path(path: str) -> list[tuple[str, Any]]:
    """Split a path into steps: ("key", k) / ("index", i) / ("select", (k, v))."""
    steps: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ValueError(f"bad field path {path!r} at {path[pos:]!r}")
        if m.group("key") is not None:
            steps.append(("key", m.group("key")))
        elif m.group("index") is not None:
            steps.append(("index", int(m.group("index"))))
        elif m.group("sel") is not None:
            steps.append(("select", (m.group("sel"), m.group("val"))))
        else:
            steps.append(("key", m.group("quoted")))
        pos = m.end()
    return steps


def field(obj: Any, path: str) -> Any:
    """The value at path, or None when any step is missing."""
    cur = obj
    for kind, arg in parse_path(path):
        if cur is None:
            return None
        if kind == "key":
            cur = cur.get(arg) if isinstance(cur, dict) else None
        elif kind == "index":
            cur = cur[arg] if isinstance(cur, list) and -len(cur) <= arg < len(cur) else None
        else:
            key, val = arg
            cur = next((x for x in cur if isinstance(x, dict) and str(x.get(key)) == val), None) \
                if isinstance(cur, list) else None
    return cur


def has_subset(found: dict, expected: dict) -> bool:
    """True when every key of expected is in found with an equal value."""
    return all(k in found and found[k] == v for k, v in expected.items())
