"""Go builds from the Go module proxy: kind, the Kubernetes binaries, etcd, CoreDNS,
local-path-provisioner and kubelab's own pod network agent.

k8s.io/kubernetes cannot be `go install`ed: its go.mod replaces the k8s.io staging
modules with local paths. So kubelab writes a small module that requires
k8s.io/kubernetes at the pinned version, pins every requirement the kubernetes
go.mod lists, and replaces each staging module with its published v0.<minor>.<patch>.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from kubelab.cluster.execs import run, run_logged
from kubelab.cluster.paths import HERE, Pins, cache_dir
from kubelab.cluster.progress import Phase

KUBE_COMMANDS = [
    "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy",
    "kubelet", "kubeadm", "kubectl",
]


def go_env() -> dict[str, str]:
    """The environment of every go command here. The same flags everywhere (CGO off, -trimpath on the
    command lines), so the five builds (kind, Kubernetes, etcd, CoreDNS, local-path-provisioner)
    share one build cache: a dependency they have in common compiles once. Go's own caches are used
    where they are (nothing here requires one); without $HOME they go under kubelab's cache."""
    env = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod -buildvcs=false"}
    if not os.environ.get("GOTOOLCHAIN"):
        env["GOTOOLCHAIN"] = "local"
    if not (os.environ.get("GOCACHE") or os.environ.get("XDG_CACHE_HOME") or os.environ.get("HOME")):
        env["GOCACHE"] = str(cache_dir() / "go" / "build-cache")
    if not (os.environ.get("GOPATH") or os.environ.get("HOME")):
        env["GOPATH"] = str(cache_dir() / "go" / "path")
    return env


def module_dir(module: str, version: str) -> Path:
    """Download a module with `go mod download` and return its directory in the module cache."""
    proc = run(["go", "mod", "download", "-json", f"{module}@{version}"], env=go_env())
    match = re.search(r'"Dir":\s*"([^"]+)"', proc.stdout)
    if not match:
        raise RuntimeError(f"go mod download {module}@{version} printed no Dir:\n{proc.stdout[-2000:]}")
    return Path(match.group(1))


def kubernetes_gomod(pins: Pins, kube_gomod: str) -> str:
    """The go.mod of kubelab's build module, derived from the kubernetes module's own go.mod."""
    requires = []
    for block in re.findall(r"^require \((.*?)^\)", kube_gomod, re.S | re.M):
        for raw in block.splitlines():
            line = raw.split("//")[0].strip()
            if not line:
                continue
            name, version = line.split()[:2]
            if name.startswith("k8s.io/") and version == "v0.0.0":
                continue  # a staging module: replaced below
            requires.append(f"\t{name} {version}")
    staging = re.findall(r"^\s*(k8s\.io/[\w.-]+) => \./staging/", kube_gomod, re.M)
    if not staging:
        raise RuntimeError("found no staging replace lines in the kubernetes go.mod")
    lines = ["module kubelab.local/kubebuild", "", "go 1.24.0", "", "require (",
             f"\tk8s.io/kubernetes {pins.kubernetes}", *requires, ")", "", "replace ("]
    lines += [f"\t{name} => {name} {pins.staging_version}" for name in staging]
    lines.append(")")
    return "\n".join(lines) + "\n"


def version_ldflags(pins: Pins) -> str:
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={pins.kubernetes}",
            f"-X {pkg}.gitMajor=1",
            f"-X {pkg}.gitMinor={pins.kube_minor}",
            f"-X {pkg}.gitTreeState=clean",
            f"-X {pkg}.buildDate=1970-01-01T00:00:00Z",
        ]
    return " ".join(flags)


def build_kubernetes(pins: Pins, out: Path, phase: Phase) -> None:
    """Build the seven Kubernetes binaries and kubelab-cni into out/."""
    kube = module_dir("k8s.io/kubernetes", pins.kubernetes)
    work = cache_dir() / "go" / f"kubebuild-{pins.kubernetes}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(kubernetes_gomod(pins, (kube / "go.mod").read_text()))
    cni = work / "cmd" / "kubelab-cni"
    cni.mkdir(parents=True, exist_ok=True)
    shutil.copy2(HERE / "gobuild" / "cni" / "main.go", cni / "main.go")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    log = cache_dir() / "logs" / f"kubernetes-{pins.kubernetes}.log"
    run_logged(
        ["go", "build", "-v", "-trimpath", "-ldflags", version_ldflags(pins), "-o", str(tmp) + "/",
         *[f"k8s.io/kubernetes/cmd/{c}" for c in KUBE_COMMANDS], "./cmd/kubelab-cni"],
        log, cwd=work, env=go_env(), on_line=phase.line,
    )
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)


def go_install(pkg: str, version: str, gobin: Path, phase: Phase, name: str) -> None:
    """`go install pkg@version` into gobin (for modules without replace directives)."""
    gobin.mkdir(parents=True, exist_ok=True)
    log = cache_dir() / "logs" / f"{name}-{version}.log"
    run_logged(["go", "install", "-v", "-trimpath", "-ldflags", "-s -w", f"{pkg}@{version}"],
               log, env={**go_env(), "GOBIN": str(gobin)}, on_line=phase.line)


def build_in_module(require: str, version: str, pkg: str, output: Path, phase: Phase, name: str) -> None:
    """Build pkg from a throwaway module that requires `require@version` (for modules whose
    own go.mod has replace directives, such as etcd's)."""
    work = cache_dir() / "go" / f"{name}-{version}"
    work.mkdir(parents=True, exist_ok=True)
    (work / "go.mod").write_text(f"module kubelab.local/{name}build\n\ngo 1.24.0\n\nrequire {require} {version}\n")
    log = cache_dir() / "logs" / f"{name}-{version}.log"
    output.parent.mkdir(parents=True, exist_ok=True)
    run_logged(["go", "build", "-v", "-trimpath", "-ldflags", "-s -w", "-o", str(output), pkg],
               log, cwd=work, env=go_env(), on_line=phase.line)
