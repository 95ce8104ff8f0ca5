"""What both halves of the screen share: a refusal, short quoting, type-checked access, capped lines."""

from __future__ import annotations

import re

IMAGE_ID = re.compile(r"^(sha256:)?[0-9a-f]{12,64}$")   # `sha256:<id>` or a bare id: not a name

MAX_REFUSAL_LINES = 100


def cap_lines(lines: list[str], limit: int = MAX_REFUSAL_LINES) -> list[str]:
    """At most `limit` lines, the rest counted (a record of 40000 bad objects gets a readable feedback)."""
    if len(lines) <= limit:
        return lines
    return lines[:limit] + [f"... and {len(lines) - limit} more refused"]


class Refused(Exception):
    """One reason an item is not replayed (raised inside the screen, always caught there)."""


def _short(value, n: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= n else text[: n - 3] + "..."


def _mapping(value, what: str, strings: bool = False) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Refused(f"{what} must be a mapping, found {type(value).__name__}")
    if strings:
        for k, v in value.items():
            if not isinstance(v, str):
                raise Refused(f"{what} {_short(k)}: value {_short(v)} must be a string (quote it)")
    return value


def _list(value, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused(f"{what} must be a list, found {type(value).__name__}")
    return value
