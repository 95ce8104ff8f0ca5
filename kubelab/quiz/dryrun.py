"""The real kubectl as the judge of commands that create objects.

`kubectl create deployment web --image=nginx -r 3` and
`kubectl create deploy web --replicas=3 --image docker.io/library/nginx:latest`
are the same answer because kubectl makes the same Deployment of them. For
`kubectl create <generator>` commands this module runs the pinned kubectl with
`--dry-run=client -o json` (offline: an empty kubeconfig whose server is a
closed local port, a private HOME, a 5 s timeout) and compares the objects.

The learner's line is untrusted: only `create` with a known generator is run,
never a flag that reads files or names credentials, a server or a context,
and as an argument list (no shell). When kubectl is missing, refuses the
line or fails, `same_objects` answers None and the caller keeps the
shape-based verdict. Results are cached in memory and in the data dir.

$KUBELAB_JUDGE_KUBECTL names the kubectl to use; set it to `none` to judge
by shape only.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

from kubelab.quiz import meaning

TIMEOUT = 5.0
#: `kubectl create` generators that work offline, by every spelling kubectl accepts.
GENERATORS = {
    "deployment": "deployment", "deploy": "deployment", "deployments": "deployment",
    "configmap": "configmap", "cm": "configmap", "configmaps": "configmap",
    "secret": "secret", "secrets": "secret",
    "service": "service", "svc": "service", "services": "service",
    "job": "job", "jobs": "job",
    "cronjob": "cronjob", "cj": "cronjob", "cronjobs": "cronjob",
    "namespace": "namespace", "ns": "namespace", "namespaces": "namespace",
    "serviceaccount": "serviceaccount", "sa": "serviceaccount", "serviceaccounts": "serviceaccount",
    "poddisruptionbudget": "poddisruptionbudget", "pdb": "poddisruptionbudget",
    "priorityclass": "priorityclass", "pc": "priorityclass",
    "quota": "quota", "resourcequota": "quota",
}
#: Flags never passed on: they read local files or point kubectl somewhere else.
_REFUSED = ("--kubeconfig", "--server", "-s", "--token", "--as", "--as-group", "--as-uid",
            "--certificate-authority", "--client-certificate", "--client-key", "--context",
            "--cluster", "--user", "-f", "--filename", "--from-file", "--from-env-file", "-k",
            "--kustomize", "--cert", "--key", "--username", "--password", "--tls-server-name",
            "--cache-dir", "--profile", "--profile-output", "-v", "--v", "--vmodule", "--log-file")
# The flags we add ourselves: the learner's own are compared as written by the caller.
_OUTPUT_FLAGS = ("-o", "--output", "--dry-run")

_CACHE_VERSION = 2
_memo: dict[tuple[str, ...], dict | None] = {}
_sandbox: Path | None = None


def kubectl_binary() -> str | None:
    """The kubectl to judge with: $KUBELAB_JUDGE_KUBECTL, kubelab's pinned one, or PATH's."""
    env = os.environ.get("KUBELAB_JUDGE_KUBECTL")
    if env is not None:
        return None if env.strip().lower() in ("", "none", "off") else env
    try:
        from kubelab.cluster.tools import find_tool

        found = find_tool("kubectl")
        if found:
            return str(found)
    except Exception:  # kubelab's tool finder unavailable: PATH only
        pass
    return shutil.which("kubectl")


def runnable_argv(line: str) -> list[str] | None:
    """The kubectl arguments to run for `line` (without our output flags), or None
    when the line is not a `kubectl create <generator>` we may run. Never raises."""
    try:
        tokens = shlex.split(line.strip().removeprefix("$ ").strip())
    except ValueError:
        return None
    if tokens[:1] == ["sudo"]:
        tokens = tokens[1:]
    if not tokens or tokens[0] not in ("kubectl", "k"):
        return None
    args = tokens[1:]
    words = [a for a in args if not a.startswith("-")]
    if len(words) < 2 or words[0] != "create" or words[1] not in GENERATORS:
        return None
    out: list[str] = []
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
            continue
        if a == "--":
            out.extend(args[i:])
            break
        name = a.split("=", 1)[0]
        if name in _REFUSED or any(a.startswith(r) and r.startswith("--") and a[len(r):][:1] in ("", "=")
                                   for r in _REFUSED):
            return None
        if a.startswith("-") and not a.startswith("--") and len(a) > 2 and a[:2] in ("-f", "-k", "-s", "-v"):
            return None                                  # -fFILE, -kDIR, -sURL, -v9
        if name in _OUTPUT_FLAGS or (a.startswith("-o") and not a.startswith("--")):
            if "=" not in a and a in ("-o", "--output"):
                skip = True                              # its value is the next word
            elif a == "--dry-run" and i + 1 < len(args) and args[i + 1] in ("client", "server", "none"):
                skip = True
            continue
        out.append(a)
    return out


def _sandbox_dir() -> Path:
    global _sandbox
    if _sandbox is None or not _sandbox.is_dir():
        _sandbox = Path(tempfile.mkdtemp(prefix="kubelab-judge-"))
        atexit.register(shutil.rmtree, _sandbox, True)      # the process's own sandbox goes with it
        (_sandbox / "kubeconfig").write_text(
            "apiVersion: v1\nkind: Config\n"
            "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:9'}}]\n"
            "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
            "users: [{name: none, user: {token: none}}]\ncurrent-context: none\n")
    return _sandbox


def _normalise(obj):
    """Drop what does not change the object: null timestamps, empty status, the
    default namespace (an explicit `-n default` is no namespace), a Secret's
    default type (Opaque, as the API server sets it); images by
    Docker's reference rules (`nginx` = `docker.io/library/nginx:latest`)."""
    if isinstance(obj, dict):
        if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1" and not obj.get("type"):
            obj = {**obj, "type": "Opaque"}         # the API server's default
        meta = obj.get("metadata")
        if isinstance(meta, dict) and meta.get("namespace") == "default":
            meta.pop("namespace")
        return {k: meaning.image(v) if k == "image" and isinstance(v, str) else _normalise(v)
                for k, v in obj.items()
                if not (k == "creationTimestamp" and v is None) and not (k == "status" and v in ({}, None))}
    if isinstance(obj, list):
        return [_normalise(v) for v in obj]
    return obj


def _cache_path() -> Path | None:
    try:
        from kubelab.quiz.store import data_dir

        return data_dir() / "judge-cache.json"
    except Exception:
        return None


def _cache_key(binary: str, argv: list[str]) -> str:
    try:
        stat = os.stat(binary)
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        stamp = "?"
    return hashlib.sha256(json.dumps([_CACHE_VERSION, binary, stamp, argv]).encode()).hexdigest()


def _read_cache() -> dict:
    path = _cache_path()
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}


def _write_cache(key: str, value) -> None:
    path = _cache_path()
    if path is None:
        return
    try:
        data = _read_cache()
        if len(data) > 2000:
            data = {}
        data[key] = value
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".judge-cache.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except OSError:
        pass


def object_of(line: str) -> dict | None:
    """The object kubectl would create for `line`, normalised; None when the line
    may not be run, kubectl is missing, or kubectl rejects it. Never raises."""
    argv = runnable_argv(line)
    binary = kubectl_binary() if argv is not None else None
    if argv is None or binary is None:
        return None
    memo_key = (binary, *argv)
    if memo_key not in _memo:
        _memo[memo_key] = _made_by_kubectl(binary, argv)
    raw = _memo[memo_key]
    return _normalise(json.loads(json.dumps(raw))) if raw is not None else None


def _made_by_kubectl(binary: str, argv: list[str]) -> dict | None:
    """kubectl's own JSON for argv (from the disk cache when it was made before)."""
    key = _cache_key(binary, argv)
    cached = _read_cache().get(key)
    if cached is not None:
        return cached
    box = _sandbox_dir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(box),
           "KUBECONFIG": str(box / "kubeconfig"), "KUBECACHEDIR": str(box / "cache")}
    cmd = [binary, *_before_dashdash(argv), "--dry-run=client", "-o", "json", *_after_dashdash(argv)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=box,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None                 # kubectl rejects the line (or this machine's kubectl fails)
    try:
        made = json.loads(proc.stdout)
    except ValueError:
        return None
    _write_cache(key, made)
    return made


def _before_dashdash(argv: list[str]) -> list[str]:
    return argv[: argv.index("--")] if "--" in argv else argv


def _after_dashdash(argv: list[str]) -> list[str]:
    return argv[argv.index("--"):] if "--" in argv else []


def same_objects(given: str, expected: str) -> bool | None:
    """True when kubectl makes the same object of both lines, False when it makes
    different ones, None when it cannot tell (not runnable, no kubectl, an error).
    Never raises."""
    want = object_of(expected)
    if want is None:
        return None
    got = object_of(given)
    if got is None:
        return None
    return got == want
