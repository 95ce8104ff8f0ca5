"""Compare what values mean, not how they are spelled.

A student may write `nginx:1.22.1` for `docker.io/library/nginx:1.22.1`, `67108864` for `64Mi`,
`port: http` for the container port named http, `0,15,30,45 * * * *` for `*/15 * * * *`, a
`matchExpressions` In with one value for a `matchLabels` entry, or `sh -c "cat /tmp/healthy"` for
`cat /tmp/healthy`. Each function here answers "do these two mean the same?" and is conservative:
it only calls two values equal when they run / select / fire exactly the same; anything it cannot
be sure of (a tag against a digest, a shell script with pipes) compares unequal.

Pure functions, no cluster: unit-tested in tests/graders/test_meaning.py.
"""

from __future__ import annotations

import calendar
import os
import re
import shlex
from decimal import Decimal
from typing import Any, Iterable

# ---- image references (the containerd / docker reference normalisation) ------------------------

DEFAULT_REGISTRY = "docker.io"
_LEGACY_REGISTRIES = {"index.docker.io"}  # what docker/distribution normalises (only this one)


def _split_image(ref: str) -> tuple[str, str | None, str | None]:
    """(registry/repository, tag or None, digest or None), the registry and `library/` filled in."""
    ref = str(ref).strip()
    name, _, digest = ref.partition("@")
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:                      # a tag (a ':' before the last '/' is a registry port)
        name, tag = name.rsplit(":", 1)
    parts = name.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost"):
        registry, path = first.lower(), parts[1:]
    else:
        registry, path = DEFAULT_REGISTRY, parts
    if registry in _LEGACY_REGISTRIES:
        registry = DEFAULT_REGISTRY
    if registry == DEFAULT_REGISTRY and len(path) == 1:
        path = ["library", *path]
    return registry + "/" + "/".join(path), tag or None, digest or None


def normalize_image(ref: str) -> str:
    """The fully qualified reference the runtime pulls: `nginx` -> `docker.io/library/nginx:latest`.

    Digests are kept; a reference with both a tag and a digest is the digest (containerd's
    ParseDockerRef drops the tag: the digest alone decides what runs)."""
    name, tag, digest = _split_image(ref)
    if digest:
        return f"{name}@{digest}"
    return f"{name}:{tag or 'latest'}"


def same_image(a: str | None, b: str | None) -> bool:
    """True when both references name the same image. A digest-pinned reference equals a tag
    reference only when that tag reference carries the same digest (a tag's digest is not guessed)."""
    if a is None or b is None:
        return a is b
    return normalize_image(a) == normalize_image(b)


def image_tag_is_latest(ref: str) -> bool:
    """True for `nginx`, `nginx:latest` (no digest): the references whose pull policy defaults to Always."""
    _, tag, digest = _split_image(ref)
    return not digest and (tag is None or tag == "latest")


# ---- quantities -------------------------------------------------------------------------------

def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity as a Decimal (`64Mi` -> 67108864, `500m` -> 0.5), None when unparseable."""
    from kubernetes.utils import parse_quantity as _parse

    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(_parse(value if isinstance(value, (int, float, Decimal)) else str(value).strip()))
    except (ValueError, TypeError, ArithmeticError):
        return None


def same_quantity(a: Any, b: Any) -> bool:
    """True when both are the same amount (`64Mi` == `67108864` == 67108864; `0.5` == `500m`).
    None equals only None; an unparseable value equals only the same spelling."""
    if a is None or b is None:
        return a is None and b is None
    qa, qb = parse_quantity(a), parse_quantity(b)
    if qa is None or qb is None:
        return str(a).strip() == str(b).strip()
    return qa == qb


# ---- ports ------------------------------------------------------------------------------------

def resolve_port(container: dict | None, port: Any) -> int | None:
    """The port number a probe/Service `port` means for this container: an int (or digits) as is,
    a name through the container's `ports[].name`; None when a name does not resolve."""
    if port is None or isinstance(port, bool):
        return None
    if isinstance(port, int):
        return port
    text = str(port).strip()
    if text.isdigit():
        return int(text)
    for p in (container or {}).get("ports") or []:
        if p.get("name") == text and p.get("containerPort") is not None:
            return int(p["containerPort"])
    return None


# ---- paths ------------------------------------------------------------------------------------

def same_path(a: str | None, b: str | None) -> bool:
    """True when two absolute paths name the same place (`/out/` == `/out`, `/a//b/./c` == `/a/b/c`);
    `..` is not resolved (symlinks could make it mean something else). Relative paths compare as written."""
    if a is None or b is None:
        return a is None and b is None

    def norm(p: str) -> str:
        if not p.startswith("/"):
            return p
        return "/" + "/".join(x for x in p.split("/") if x and x != ".")

    return norm(str(a)) == norm(str(b))


# ---- cron schedules ---------------------------------------------------------------------------

# the descriptors Kubernetes accepts (robfig/cron ParseStandard)
_CRON_MACROS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_ALL = {0: range(0, 60), 1: range(0, 24), 2: range(1, 32), 3: range(1, 13), 4: range(0, 7)}


def _robfig_star(field_text: str) -> bool:
    """Kubernetes' cron (robfig/cron v3) treats day-of-month/day-of-week as "unrestricted" (so the
    two combine with AND, not OR) when a part is `*` or `?` with no step above 1."""
    for part in field_text.split(","):
        head, _, step = part.partition("/")
        if head in ("*", "?") and (not step or step == "1"):
            return True
    return False


def cron_fields(expr: str) -> tuple | None:
    """What a 5-field cron expression (or @hourly ...) fires on, canonical: (minutes, hours,
    frozenset of (month, day, weekday) it fires on). Fields are expanded by croniter; None when
    the expression is not one Kubernetes accepts or uses features this comparison does not model."""
    from croniter import croniter

    text = " ".join(str(expr).split())
    text = _CRON_MACROS.get(text.lower(), text)
    parts = text.split(" ")
    if len(parts) != 5:
        return None
    try:
        expanded, nth = croniter.expand(text)
    except Exception:  # croniter's CroniterBadCronError & co
        return None
    if nth or len(expanded) != 5:
        return None
    sets = []
    for i, values in enumerate(expanded):
        if values == ["*"]:
            sets.append(frozenset(_ALL[i]))
        elif all(isinstance(v, int) for v in values):
            sets.append(frozenset(v % 7 if i == 4 else v for v in values))
        else:  # 'l' (last day) and the like: not Kubernetes cron
            return None
    minutes, hours, days, months, weekdays = sets
    day_and = _robfig_star(parts[2]) or _robfig_star(parts[4])
    fires = set()
    for month in months:
        # every (month, day, weekday) combination of a real date occurs in the 400-year cycle
        for day in range(1, (29 if month == 2 else calendar.monthrange(2001, month)[1]) + 1):
            for wd in range(7):
                dom, dow = day in days, wd in weekdays
                if (dom and dow) if day_and else (dom or dow):
                    fires.add((month, day, wd))
    if not fires or not minutes or not hours:
        return None
    return minutes, hours, frozenset(fires)


def same_schedule(a: str | None, b: str | None) -> bool:
    """True when two cron schedules fire at exactly the same times (`*/15 * * * *` ==
    `0,15,30,45 * * * *`, `@hourly` == `0 * * * *`, `0 0 * * SUN` == `0 0 * * 0`). Expressions that
    cannot be modelled are equal only when spelled the same."""
    if a is None or b is None:
        return a is None and b is None
    fa, fb = cron_fields(a), cron_fields(b)
    if fa is None or fb is None:
        return " ".join(str(a).split()) == " ".join(str(b).split())
    return fa == fb


# ---- label selectors --------------------------------------------------------------------------

def selector_requirements(sel: dict | None) -> frozenset:
    """A LabelSelector (or a Service's plain `{key: value}` selector) as the set of requirements it
    makes: {(key, operator, frozenset(values))}. `matchLabels: {app: web}` is `app In [web]`; two
    `In` requirements on one key are their intersection."""
    sel = sel or {}
    if "matchLabels" not in sel and "matchExpressions" not in sel:
        sel = {"matchLabels": sel}
    ins: dict[str, frozenset] = {}
    others: set = set()

    def add_in(key: str, values: Iterable) -> None:
        vals = frozenset(str(v) for v in values)
        ins[key] = ins[key] & vals if key in ins else vals

    for key, value in (sel.get("matchLabels") or {}).items():
        add_in(str(key), [value])
    for expr in sel.get("matchExpressions") or []:
        key, op = str(expr.get("key")), str(expr.get("operator"))
        values = expr.get("values") or []
        if op == "In":
            add_in(key, values)
        elif op == "NotIn":
            others.add((key, op, frozenset(str(v) for v in values)))
        else:  # Exists / DoesNotExist: no values
            others.add((key, op, frozenset()))
    # `k In [...]` already implies `k Exists`
    others = {r for r in others if not (r[1] == "Exists" and r[0] in ins)}
    return frozenset({(k, "In", v) for k, v in ins.items()} | others)


def same_selector(a: dict | None, b: dict | None) -> bool:
    """True when both selectors make the same requirements (and so select the same objects)."""
    return selector_requirements(a) == selector_requirements(b)


# ---- commands ---------------------------------------------------------------------------------

_SHELLS = {"sh", "bash", "ash", "dash"}
_BIN_DIRS = {"/bin", "/usr/bin", "/sbin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"}
# anything the shell would do more with than split words and remove quotes
_SHELL_SYNTAX = re.compile(r"[;&|<>()$`*?\[\]{}~#!\n\\]|^\s*\w+=")


def _program(word: str) -> str:
    """`/bin/echo` -> `echo` (a standard bin directory on PATH); other paths stay as written."""
    head, base = os.path.split(word)
    return base if head in _BIN_DIRS and base else word


def normalize_command(cmd: list[str] | tuple | str | None) -> tuple[str, ...] | None:
    """The argv that really runs: a `sh -c "<simple command>"` wrapper unwrapped, `exec` dropped, a
    program in a standard bin directory named by its base name. A string is a shell command line
    (Docker's shell form: `/bin/sh -c "<string>"`). Scripts with shell syntax stay wrapped."""
    if cmd is None:
        return None
    argv = ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else [str(x) for x in cmd]
    for _ in range(3):  # sh -c 'sh -c "..."'
        if len(argv) == 3 and _program(argv[0]) in _SHELLS and argv[1] == "-c":
            script = argv[2]
            if _SHELL_SYNTAX.search(script):
                return (_program(argv[0]), "-c", script)
            try:
                words = shlex.split(script)
            except ValueError:
                return (_program(argv[0]), "-c", script)
            if words and words[0] == "exec":
                words = words[1:]
            if not words:
                return (_program(argv[0]), "-c", script)
            argv = words
        else:
            break
    if not argv:
        return ()
    return (_program(argv[0]), *argv[1:])


def same_command(a: list[str] | str | None, b: list[str] | str | None) -> bool:
    """True when both run the same program with the same arguments (`["sh", "-c", "cat /tmp/x"]` ==
    `["cat", "/tmp/x"]`; `["/bin/echo", "hi"]` == `["echo", "hi"]`)."""
    if a is None or b is None:
        return a is None and b is None
    return normalize_command(a) == normalize_command(b)


# ---- values the API server defaults -----------------------------------------------------------

# the last key of a field path -> the value the API server fills in when it is not given
API_DEFAULTS: dict[str, Any] = {
    "protocol": "TCP",
    "restartPolicy": "Always",
    "type": None,                    # depends on the kind: see api_default
    "periodSeconds": 10,
    "timeoutSeconds": 1,
    "successThreshold": 1,
    "failureThreshold": 3,
    "initialDelaySeconds": 0,
    "concurrencyPolicy": "Allow",
    "suspend": False,
    "successfulJobsHistoryLimit": 3,
    "failedJobsHistoryLimit": 1,
    "backoffLimit": 6,
    "completions": 1,
    "parallelism": 1,
    "replicas": 1,
    "volumeMode": "Filesystem",
    "terminationGracePeriodSeconds": 30,
    "dnsPolicy": "ClusterFirst",
    "schedulerName": "default-scheduler",
    "sessionAffinity": "None",
}


def api_default(kind: str | None, path: str, obj: dict | None = None) -> Any:
    """The value the API server gives the field at `path` when a manifest leaves it out (None when
    it has no default). imagePullPolicy: Always for `:latest`/untagged images, else IfNotPresent."""
    leaf = re.split(r"[.\[]", path.rstrip("]"))[-1] if path else ""
    if leaf == "imagePullPolicy":
        from kubelab.graders.fields import field

        image = field(obj, path.rsplit(".", 1)[0] + ".image") if obj is not None and "." in path else None
        if image is None:
            return None
        return "Always" if image_tag_is_latest(image) else "IfNotPresent"
    if leaf == "type":
        return {"Service": "ClusterIP"}.get(kind or "")
    if leaf == "restartPolicy" and kind in ("Job", "CronJob"):
        return None  # required there
    return API_DEFAULTS.get(leaf)


def toleration_matches(t: dict, key: str, value: str, effect: str) -> bool:
    """Does the toleration tolerate the taint key=value:effect, as the scheduler decides it?
    (an empty effect matches every effect; an empty key with Exists matches every taint;
    Equal, the default operator, compares the value, an empty one included)"""
    if t.get("effect") and t["effect"] != effect:
        return False
    op = t.get("operator") or "Equal"
    if not t.get("key"):
        return op == "Exists"
    return t["key"] == key and (op == "Exists" or (op == "Equal" and (t.get("value") or "") == value))
