"""Values that mean the same written differently, folded to one spelling.

Used by the command judge (kubelab.quiz.judge) on flag values and positional
words whose meaning it knows: image references, label selectors and label
lists, Docker byte sizes and CPU counts, Kubernetes quantities, published
ports and volume modes. Every function returns its input unchanged when it
cannot parse it (a wrong value then stays wrong), and none raises.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation


# --------------------------------------------------------------------------- images
def image(ref: str) -> str:
    """Docker's reference rules: `nginx` = `nginx:latest` = `docker.io/library/nginx:latest`;
    `index.docker.io` is `docker.io`. A digest is kept (it pins content)."""
    if not ref or ref.startswith("-") or any(c.isspace() for c in ref):
        return ref
    name, at, digest = ref.partition("@")
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = "docker.io", name
    if registry in ("index.docker.io", "registry-1.docker.io"):
        registry = "docker.io"
    last = path.rsplit("/", 1)[-1]
    tag = ""
    if ":" in last:
        path, _, tag = path.rpartition(":")
    if registry == "docker.io" and "/" not in path:
        path = "library/" + path
    if not tag and not at:
        tag = "latest"
    out = f"{registry}/{path}" + (f":{tag}" if tag else "")
    return out + (f"@{digest}" if at else "")


# --------------------------------------------------------------------------- selectors and labels
def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses (`env in (a,b),tier`)."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


_SET_EXPR = re.compile(r"^([^\s()!=]+)\s+(in|notin)\s*\((.*)\)$")


def selector(text: str) -> str:
    """A label selector as a set of requirements: `app=web,tier=fe` = `tier=fe, app=web`;
    `app==web` = `app=web`; the values of `in (...)` as a set."""
    reqs = []
    for part in _split_top_level(text):
        m = _SET_EXPR.match(part)
        if m:
            values = sorted({v.strip() for v in m.group(3).split(",") if v.strip()})
            reqs.append(f"{m.group(1)} {m.group(2)} ({','.join(values)})")
            continue
        part = re.sub(r"\s*(!=|==|=)\s*", lambda x: "=" if x.group(1) == "==" else x.group(1), part)
        reqs.append(part)
    return ",".join(sorted(set(reqs)))


def label_list(text: str) -> str:
    """`--labels=a=1,b=2` (kubectl run) as a set."""
    return ",".join(sorted({p.strip() for p in text.split(",") if p.strip()}))


# --------------------------------------------------------------------------- sizes
_DOCKER_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4, "p": 1024 ** 5}
_DOCKER_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$", re.I)


def docker_bytes(text: str) -> str:
    """Docker's RAMInBytes (docker/go-units): units b, k, m, g, t, p in either case, an
    optional `b`/`ib` after them, powers of 1024: `400m` = `400M` = `400mb` = `419430400`.
    `-1` (unlimited swap) is kept."""
    m = _DOCKER_SIZE.match(text.strip())
    if not m:
        return text
    try:
        value = Decimal(m.group(1)) * _DOCKER_UNITS[m.group(2).lower()]
    except InvalidOperation:
        return text
    return str(int(value))


def docker_cpus(text: str) -> str:
    """`--cpus 0.5` = `.5` = `0.50`."""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


_K8S_SUFFIX = {"": 1, "m": Decimal("0.001"), "k": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12,
               "P": 10 ** 15, "E": 10 ** 18, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40,
               "Pi": 2 ** 50, "Ei": 2 ** 60}
_K8S_QUANTITY = re.compile(r"^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(?:[eE]([+-]?\d+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def quantity(text: str) -> str:
    """A Kubernetes quantity as its exact value: `0.5` = `500m`, `1Gi` = `1073741824`,
    but `400M` is not `400Mi` (case and i matter, as in the API)."""
    m = _K8S_QUANTITY.match(text.strip())
    if not m:
        return text
    value = Decimal(m.group(1)) * _K8S_SUFFIX[m.group(3) or ""]
    if m.group(2):
        value *= Decimal(10) ** int(m.group(2))
    return format(value.normalize(), "f")


def resource_list(text: str) -> str:
    """`cpu=500m,memory=128Mi` (kubectl set resources --limits/--requests) as a set of
    name=exact value."""
    out = []
    for part in text.split(","):
        name, eq, value = part.strip().partition("=")
        out.append(f"{name}={quantity(value)}" if eq else part.strip())
    return ",".join(sorted(p for p in out if p))


# --------------------------------------------------------------------------- docker ports and volumes
def publish(text: str) -> str:
    """`-p 8080:80` = `-p 0.0.0.0:8080:80` = `-p 8080:80/tcp`."""
    spec, slash, proto = text.partition("/")
    if slash and proto.lower() == "tcp":
        text = spec
    parts = text.split(":")
    if len(parts) == 3 and parts[0] in ("0.0.0.0", ""):
        text = ":".join(parts[1:])
    return text


def volume(text: str) -> str:
    """`-v /a:/b:rw` = `-v /a:/b` (read-write is the default); other options kept, as a set."""
    parts = text.split(":")
    if len(parts) == 3:
        opts = sorted(o for o in parts[2].split(",") if o and o != "rw")
        return ":".join(parts[:2] + ([",".join(opts)] if opts else []))
    return text
