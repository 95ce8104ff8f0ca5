"""Judging answers: choice keys, true/false, and kubectl/docker commands by meaning.

A command is reduced to a `CommandShape`: the program, its positional words in
order (resource names folded to one canonical spelling, `type/name` split),
its flags as a multiset of (long name, value) pairs, and anything after `--`
(or, for `docker run`, after the image) kept verbatim in order. Two commands
are equivalent when their shapes are equal, so `-n x`/`--namespace=x`,
`-it`/`-i -t`, `po`/`pods` and flag order do not matter, but any value does.

Values are compared by meaning: label selectors and label changes as sets,
`-n default` as no namespace, images with Docker's defaults (`nginx` =
`nginx:latest`), Docker byte sizes in any unit case (`400m` = `400M`),
Kubernetes quantities exactly (`0.5` = `500m`, but `400M` != `400Mi`),
`kubectl explain pod.spec` = `pods.spec`, `logs pod/web` = `logs web`,
`-p 0.0.0.0:8080:80/tcp` = `-p 8080:80`, `-v a:b:rw` = `-v a:b`, Docker's defaults
(`network create -d bridge`, `run --network bridge --restart no`) dropped. For
`kubectl create` lines whose shapes still differ, the pinned kubectl's
`--dry-run=client` objects decide (kubelab.quiz.dryrun).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from kubelab.quiz import meaning

# --------------------------------------------------------------------------- resources
_RESOURCE_ALIASES = {
    "pods": ("po", "pod", "pods"),
    "deployments": ("deploy", "deployment", "deployments", "deployment.apps", "deployments.apps"),
    "services": ("svc", "service", "services"),
    "namespaces": ("ns", "namespace", "namespaces"),
    "nodes": ("no", "node", "nodes"),
    "configmaps": ("cm", "configmap", "configmaps"),
    "secrets": ("secret", "secrets"),
    "replicasets": ("rs", "replicaset", "replicasets"),
    "daemonsets": ("ds", "daemonset", "daemonsets"),
    "statefulsets": ("sts", "statefulset", "statefulsets"),
    "persistentvolumes": ("pv", "persistentvolume", "persistentvolumes"),
    "persistentvolumeclaims": ("pvc", "persistentvolumeclaim", "persistentvolumeclaims"),
    "storageclasses": ("sc", "storageclass", "storageclasses"),
    "cronjobs": ("cj", "cronjob", "cronjobs"),
    "jobs": ("job", "jobs"),
    "endpoints": ("ep", "endpoint", "endpoints"),
    "endpointslices": ("endpointslice", "endpointslices"),
    "events": ("ev", "event", "events"),
    "serviceaccounts": ("sa", "serviceaccount", "serviceaccounts"),
    "ingresses": ("ing", "ingress", "ingresses"),
    "horizontalpodautoscalers": ("hpa", "horizontalpodautoscaler", "horizontalpodautoscalers"),
    "replicationcontrollers": ("rc", "replicationcontroller", "replicationcontrollers"),
}
RESOURCES = {alias: canon for canon, aliases in _RESOURCE_ALIASES.items() for alias in aliases}

# --------------------------------------------------------------------------- flags
# Per program: short -> long, and which long flags take a value.
_KUBECTL_SHORT = {
    "n": "namespace", "o": "output", "l": "selector", "f": "filename", "c": "container",
    "i": "stdin", "t": "tty", "w": "watch", "A": "all-namespaces", "L": "label-columns",
    "R": "recursive", "p": "previous", "k": "kustomize", "r": "replicas",
}
_KUBECTL_VALUE = {
    "namespace", "output", "selector", "filename", "container", "label-columns", "image",
    "replicas", "port", "target-port", "type", "from-literal", "from-file", "from-env-file",
    "to-revision", "revision", "field-selector", "sort-by", "timeout", "grace-period",
    "name", "restart", "env", "labels", "schedule", "cascade", "min", "max", "cpu-percent",
    "protocol", "dry-run", "docker-server", "docker-username", "docker-password",
    "cert", "key", "tail", "since", "current-replicas", "kustomize", "context", "as",
    "overrides", "requests", "limits", "image-pull-policy", "for", "template", "node-port",
    "external-ip", "cluster-ip", "session-affinity", "clusterip", "tcp", "udp",
}
# RBAC, tokens and quotas (kubectl create role/rolebinding/token/quota, auth can-i)
_KUBECTL_VALUE |= {"verb", "resource", "resource-name", "role", "clusterrole", "serviceaccount", "user", "group",
                   "hard", "duration", "audience", "scopes"}
# kubectl logs: -f is --follow and -p --previous; elsewhere -f is --filename.
_KUBECTL_SHORT_BY_VERB = {"logs": {"f": "follow"}}

_DOCKER_SHORT = {
    "d": "detach", "p": "publish", "v": "volume", "e": "env", "i": "interactive",
    "t": "tty", "m": "memory", "h": "hostname", "w": "workdir", "u": "user",
    "a": "all", "q": "quiet", "f": "force", "c": "cpu-shares", "l": "label",
    "P": "publish-all", "s": "size",
}
_DOCKER_SHORT_BY_SUB = {
    "commit": {"a": "author", "m": "message", "p": "pause", "c": "change"},
    "build": {"t": "tag", "f": "file", "q": "quiet"},
    "logs": {"f": "follow", "t": "timestamps", "n": "tail"},
    "ps": {"a": "all", "q": "quiet", "f": "filter", "n": "last", "s": "size", "l": "latest"},
    "images": {"a": "all", "q": "quiet", "f": "filter"},
    "network create": {"d": "driver"},
    "save": {"o": "output"},
    "load": {"i": "input", "q": "quiet"},
    "stop": {"t": "time"}, "restart": {"t": "time"},
    "search": {"f": "filter"},
    "exec": {"d": "detach", "e": "env", "i": "interactive", "t": "tty", "u": "user", "w": "workdir"},
    "volume create": {"d": "driver"},
    "volume ls": {"q": "quiet", "f": "filter"},
    "kill": {"s": "signal"},
}
_DOCKER_VALUE = {
    "publish", "volume", "env", "memory", "memory-swap", "hostname", "workdir", "user",
    "name", "network", "ip", "cpu-shares", "cpus", "label", "mount", "restart", "entrypoint",
    "author", "message", "change", "tag", "file", "filter", "format", "driver", "subnet",
    "gateway", "output", "input", "time", "tail", "blkio-weight", "device-read-bps",
    "device-write-bps", "device-read-iops", "device-write-iops", "pid", "ipc", "uts",
    "cpu-period", "cpu-quota", "cpuset-cpus", "volumes-from", "link", "signal", "last",
    "env-file", "memory-reservation", "pids-limit", "platform", "build-arg", "target",
    "ulimit", "oom-score-adj", "cap-add", "cap-drop", "add-host", "dns", "expose",
    "health-cmd", "log-driver", "stop-signal", "storage-opt", "userns", "ip-range",
}
_DOCKER_LONG_ALIASES = {"net": "network"}
# Management-command spellings folded to the classic short forms.
_DOCKER_SUBCOMMANDS = {
    ("container", "run"): "run", ("container", "create"): "create",
    ("container", "ls"): "ps", ("container", "list"): "ps", ("container", "ps"): "ps",
    ("container", "start"): "start", ("container", "stop"): "stop",
    ("container", "rm"): "rm", ("container", "exec"): "exec", ("container", "logs"): "logs",
    ("container", "inspect"): "inspect", ("container", "commit"): "commit",
    ("container", "attach"): "attach", ("container", "kill"): "kill",
    ("container", "pause"): "pause", ("container", "unpause"): "unpause",
    ("container", "restart"): "restart", ("container", "cp"): "cp",
    ("container", "prune"): "container prune", ("container", "stats"): "stats",
    ("container", "top"): "top",
    ("image", "ls"): "images", ("image", "list"): "images", ("image", "pull"): "pull",
    ("image", "push"): "push", ("image", "rm"): "rmi", ("image", "build"): "build",
    ("image", "history"): "history", ("image", "save"): "save", ("image", "load"): "load",
    ("image", "tag"): "tag", ("image", "import"): "import", ("image", "inspect"): "inspect",
    ("builder", "build"): "build", ("buildx", "build"): "build",
}
# Sub-commands whose first positional (image or container) ends flag parsing.
_DOCKER_ARGV_AFTER_FIRST = {"run", "create", "exec"}
_DOCKER_TWO_WORD = {"network", "volume", "system", "image", "container", "builder", "buildx"}

_KUBECTL_BOOL = {
    "stdin", "tty", "watch", "all-namespaces", "recursive", "previous", "all", "show-labels",
    "overwrite", "ignore-daemonsets", "delete-emptydir-data", "force", "namespaced", "follow",
    "rm", "record", "wait", "no-headers", "local", "expose", "quiet", "attach", "now",
}
_DOCKER_BOOL = {
    "detach", "interactive", "tty", "rm", "all", "quiet", "force", "privileged", "init",
    "read-only", "publish-all", "no-cache", "pull", "follow", "timestamps", "pause", "size",
    "latest", "no-trunc", "volumes", "link-local", "internal", "attachable",
}
_BOOL_TRUE = {"true", "1", "yes"}
_BOOL_FALSE = {"false", "0", "no"}


class CommandError(ValueError):
    """A command line could not be parsed (bad quoting, empty, unknown program)."""


@dataclass(frozen=True)
class CommandShape:
    program: str
    positionals: tuple[str, ...]
    flags: tuple[tuple[str, str], ...]
    argv: tuple[str, ...]

    def __str__(self) -> str:
        flags = " ".join(f"--{k}={v}" if v else f"--{k}" for k, v in self.flags)
        tail = (" -- " + " ".join(self.argv)) if self.argv else ""
        return " ".join(p for p in (self.program, " ".join(self.positionals), flags) if p) + tail


def _canon_resource_word(word: str) -> str:
    if "," in word and all(part.lower() in RESOURCES for part in word.split(",") if part):
        return ",".join(sorted(RESOURCES[p.lower()] for p in word.split(",") if p))
    return RESOURCES.get(word.lower(), word)


def _split_tokens(line: str) -> list[str]:
    line = line.strip()
    for prompt in ("$ ", "# "):
        if line.startswith(prompt):
            line = line[len(prompt):].strip()
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise CommandError(f"command: expected balanced quotes, found {line!r} ({exc})") from exc
    if tokens and tokens[0] == "sudo":
        tokens = tokens[1:]
    if not tokens:
        raise CommandError("command: expected a kubectl or docker command, found an empty line")
    return tokens


def parse_command(line: str) -> CommandShape:
    """Reduce a kubectl or docker command line to its `CommandShape`.

    Raises CommandError if the line is empty, has unbalanced quotes, or does
    not start with kubectl (or `k`) or docker.
    """
    tokens = _split_tokens(line)
    program = tokens[0]
    if program in ("kubectl", "k"):
        return _parse_kubectl(tokens[1:])
    if program == "docker":
        return _parse_docker(tokens[1:])
    raise CommandError(f"command: expected it to start with kubectl or docker, found {program!r}")


def _take_flag(tokens, i, short, value_flags, flags, aliases=None):
    """Parse the flag at tokens[i]; append to flags; return the next index."""
    tok = tokens[i]
    if tok.startswith("--"):
        name, eq, value = tok[2:].partition("=")
        name = (aliases or {}).get(name, name)
        if name in value_flags:
            if not eq:
                if name == "dry-run" and (i + 1 >= len(tokens) or tokens[i + 1] not in ("client", "server", "none")):
                    flags.append((name, "client"))
                    return i + 1
                if i + 1 >= len(tokens):
                    raise CommandError(f"flag --{name}: expected a value, found the end of the line")
                value = tokens[i + 1]
                i += 1
            flags.append((name, value))
        else:
            if eq and value.lower() in _BOOL_FALSE:
                return i + 1
            if eq and value.lower() not in _BOOL_TRUE:
                flags.append((name, value))  # unknown flag given a value: keep it
            else:
                flags.append((name, ""))
        return i + 1
    cluster = tok[1:]
    j = 0
    while j < len(cluster):
        letter = cluster[j]
        name = short.get(letter, letter)
        if name in value_flags:
            rest = cluster[j + 1:]
            if rest.startswith("="):
                rest = rest[1:]
            if rest:
                flags.append((name, rest))
            else:
                if i + 1 >= len(tokens):
                    raise CommandError(f"flag -{letter}: expected a value, found the end of the line")
                flags.append((name, tokens[i + 1]))
                i += 1
            return i + 1
        flags.append((name, ""))
        j += 1
    return i + 1


def _is_flag(tok: str) -> bool:
    return tok.startswith("-") and tok not in ("-", "--") and not _looks_negative_number(tok)


def _looks_negative_number(tok: str) -> bool:
    return len(tok) > 1 and tok[1:].replace(".", "", 1).isdigit()


def _parse_kubectl(tokens: list[str]) -> CommandShape:
    positionals: list[str] = []
    flags: list[tuple[str, str]] = []
    argv: tuple[str, ...] = ()
    verb = next((t for t in tokens if not _is_flag(t)), "")
    short = dict(_KUBECTL_SHORT)
    short.update(_KUBECTL_SHORT_BY_VERB.get(verb, {}))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "--":
            argv = tuple(tokens[i + 1:])
            break
        if _is_flag(tok):
            i = _take_flag(tokens, i, short, _KUBECTL_VALUE, flags)
            continue
        positionals.append(tok)
        i += 1
    out: list[str] = []
    for idx, word in enumerate(positionals):
        if idx == 0:
            out.append(word)
            continue
        head, slash, tail = word.partition("/")
        if slash and head.lower() in RESOURCES and tail and "/" not in tail:
            out.extend([RESOURCES[head.lower()], tail])
        else:
            out.append(_canon_resource_word(word))
    out = _kubectl_positionals(out)
    flags = [f for f in (_kubectl_flag(name, value) for name, value in flags) if f is not None]
    return CommandShape("kubectl", tuple(out), tuple(sorted(flags)), argv)


# Verbs whose object is always a Pod: `kubectl logs pod/web` = `kubectl logs web`.
_POD_VERBS = {"logs", "exec", "attach", "port-forward"}
# Verbs whose trailing key=value (or key-) words are a set of changes.
_SET_VERBS = {"label", "annotate", "taint"}


def _kubectl_positionals(out: list[str]) -> list[str]:
    """Positional words by meaning: explain's resource alias, Pod-only verbs'
    optional `pods` type, label/annotate/taint changes as a set."""
    if not out:
        return out
    verb = out[0]
    if verb == "explain" and len(out) > 1:
        head, dot, rest = out[1].partition(".")
        out[1] = RESOURCES.get(head.lower(), head) + dot + rest
    elif verb in _POD_VERBS and len(out) > 2 and out[1] == "pods":
        del out[1]
    elif verb in _SET_VERBS and len(out) > 2:
        def is_change(word: str) -> bool:
            return "=" in word or word.endswith("-") or (verb == "taint" and ":" in word)
        first = next((i for i, w in enumerate(out) if i >= 2 and is_change(w)), len(out))
        out = out[:first] + sorted(out[first:])
    return out


def _kubectl_flag(name: str, value: str):
    """A kubectl flag by meaning (None when it changes nothing): `-n default` is
    the default namespace, selectors and label lists are sets, `--image nginx`
    is `nginx:latest`, `--limits` quantities are exact values, `--now` is a
    grace period of 1 second."""
    if name == "namespace" and value == "default":
        return None
    if name in ("selector", "field-selector"):
        return name, meaning.selector(value)
    if name == "image":
        return name, meaning.image(value)
    if name == "labels":
        return name, meaning.label_list(value)
    if name in ("limits", "requests"):
        return name, meaning.resource_list(value)
    if name == "now":
        return "grace-period", "1"
    return name, value


# Flags that only restate Docker's default for that sub-command.
_DOCKER_DEFAULTS = {
    "network create": {("driver", "bridge")},
    "run": {("network", "bridge"), ("restart", "no")},
    "create": {("network", "bridge"), ("restart", "no")},
}
_DOCKER_BYTES = {"memory", "memory-swap", "memory-reservation", "kernel-memory", "shm-size"}
# Sub-commands whose positionals are all image references.
_DOCKER_IMAGE_ARGS = {"pull", "push", "rmi", "history", "save", "tag"}


def _docker_flag(name: str, value: str):
    """A docker flag by meaning: byte sizes as bytes (`400m` = `400M`), `--cpus` as a
    number, `-p` without the default address and protocol, `-v` without `:rw`,
    `build -t` as a full image reference."""
    if name in _DOCKER_BYTES and value:
        return name, meaning.docker_bytes(value)
    if name == "cpus":
        return name, meaning.docker_cpus(value)
    if name == "publish":
        return name, meaning.publish(value)
    if name == "volume":
        return name, meaning.volume(value)
    if name == "tag":
        return name, meaning.image(value)
    return name, value


def _docker_positionals(sub: str, positionals: list[str]) -> list[str]:
    if sub in ("run", "create") and positionals:
        return [meaning.image(positionals[0]), *positionals[1:]]
    if sub in _DOCKER_IMAGE_ARGS:
        return [meaning.image(p) for p in positionals]
    if sub == "commit" and len(positionals) == 2:
        return [positionals[0], meaning.image(positionals[1])]
    return positionals


def _parse_docker(tokens: list[str]) -> CommandShape:
    flags: list[tuple[str, str]] = []
    # global flags before the sub-command are rare in exercises; treat them as flags
    i = 0
    while i < len(tokens) and _is_flag(tokens[i]):
        i = _take_flag(tokens, i, {}, {"host", "context", "config", "log-level"}, flags)
    rest = tokens[i:]
    if not rest:
        raise CommandError("docker command: expected a sub-command, found none")
    sub = rest[0]
    consumed = 1
    if len(rest) > 1 and (rest[0], rest[1]) in _DOCKER_SUBCOMMANDS:
        sub = _DOCKER_SUBCOMMANDS[(rest[0], rest[1])]
        consumed = 2
    elif rest[0] in _DOCKER_TWO_WORD and len(rest) > 1 and not _is_flag(rest[1]):
        sub = f"{rest[0]} {rest[1]}"
        consumed = 2
    tokens = rest[consumed:]
    short = dict(_DOCKER_SHORT)
    short.update(_DOCKER_SHORT_BY_SUB.get(sub, {}))
    positionals: list[str] = []
    argv: tuple[str, ...] = ()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "--":
            argv = tuple(tokens[i + 1:])
            break
        if _is_flag(tok):
            i = _take_flag(tokens, i, short, _DOCKER_VALUE, flags, _DOCKER_LONG_ALIASES)
            continue
        positionals.append(tok)
        i += 1
        if sub in _DOCKER_ARGV_AFTER_FIRST:
            argv = tuple(tokens[i:])
            break
    positionals = _docker_positionals(sub, positionals)
    flags = [_docker_flag(name, value) for name, value in flags
             if (name, value) not in _DOCKER_DEFAULTS.get(sub, ())]
    return CommandShape("docker", (sub, *positionals), tuple(sorted(flags)), argv)


def unknown_flags(shape: CommandShape) -> list[str]:
    """Flags of a parsed command that the judge does not know (typos in the bank).
    Never raises."""
    if shape.program == "kubectl":
        known = _KUBECTL_VALUE | _KUBECTL_BOOL | set(_KUBECTL_SHORT.values()) | {"follow"}
    else:
        known = _DOCKER_VALUE | _DOCKER_BOOL | set(_DOCKER_SHORT.values())
        for table in _DOCKER_SHORT_BY_SUB.values():
            known |= set(table.values())
    return [name for name, _ in shape.flags if name not in known]


def commands_equivalent(given: str, expected: str) -> bool:
    """True if the two command lines mean the same: the same shape (values by
    meaning, see kubelab.quiz.meaning), or, for `kubectl create <generator>`
    lines, the same object made by the real kubectl (kubelab.quiz.dryrun; the
    shape alone decides when no kubectl is there).

    Raises CommandError if `expected` cannot be parsed; an unparsable `given`
    is simply not equivalent.
    """
    want = parse_command(expected)
    try:
        got = parse_command(given)
    except CommandError:
        return False
    if got == want:
        return True
    if got.program == want.program == "kubectl" and _output_flags(got) == _output_flags(want):
        from kubelab.quiz import dryrun     # only when shapes differ: keeps start-up fast

        return dryrun.same_objects(given, expected) is True
    return False


def _output_flags(shape: CommandShape) -> tuple:
    return tuple(f for f in shape.flags if f[0] in ("dry-run", "output"))


# --------------------------------------------------------------------------- answers
@dataclass(frozen=True)
class Verdict:
    correct: bool
    given: str
    expected: str
    note: str = ""


def parse_choice_response(text: str, kind: str, keys: list[str]) -> list[str]:
    """Option keys named by a typed response (`b`, `a,c`, `a c`, `ac`, `true`).

    Never raises: unknown letters are returned as they are and judged wrong.
    """
    text = text.strip().lower()
    if kind == "truefalse":
        if text in ("t", "true", "yes", "y", "a"):
            return ["a"]
        if text in ("f", "false", "no", "n", "b"):
            return ["b"]
        return [text] if text else []
    parts = [p for p in text.replace(",", " ").replace(";", " ").split() if p]
    if kind == "multi" and len(parts) == 1 and len(parts[0]) > 1 and all(c in keys for c in parts[0]):
        parts = list(parts[0])
    out: list[str] = []
    for p in parts:
        p = p.rstrip(")").rstrip(".")
        if p not in out:
            out.append(p)
    return out


def judge(question, response) -> Verdict:
    """Judge a response to a bank question.

    `response` is a string as typed (any kind) or a list of option keys.
    Never raises for learner input; raises CommandError only if the bank's own
    accepted command does not parse (lint catches that first).
    """
    kind = question.kind
    if kind == "command":
        given = response if isinstance(response, str) else " ".join(response)
        for accepted in question.accepted_commands:
            if commands_equivalent(given, accepted):
                return Verdict(True, given.strip(), accepted)
        note = ""
        try:
            parse_command(given)
        except CommandError as exc:
            note = str(exc)
        return Verdict(False, given.strip(), question.accepted_commands[0], note)
    keys = list(question.choices)
    if isinstance(response, str):
        chosen = parse_choice_response(response, kind, keys)
    else:
        chosen = [str(r) for r in response]
    want = question.correct_keys
    if kind == "multi":
        ok = sorted(set(chosen)) == sorted(set(want))
    else:
        ok = len(chosen) == 1 and chosen[0] == want[0]
    return Verdict(ok, ",".join(chosen), ",".join(want))
