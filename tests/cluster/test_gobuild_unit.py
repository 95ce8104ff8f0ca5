"""The Kubernetes binaries are built by ONE `go build` (every command and kubelab-cni in one
invocation: packages they share compile once, in one build cache shared with the other Go builds),
checked on the command line it runs; the build itself is the node image's (`kubelab cluster
build-image`), too slow for a unit test."""

from __future__ import annotations

from pathlib import Path

from kubelab.cluster import gobuild
from kubelab.cluster.paths import pins


def test_kubernetes_binaries_come_from_one_go_build_with_the_shared_cache(tmp_path, monkeypatch):
    kube = tmp_path / "mod" / "k8s.io" / "kubernetes"
    kube.mkdir(parents=True)
    (kube / "go.mod").write_text("module k8s.io/kubernetes\n\nrequire (\n\tgithub.com/x/y v1.2.3\n"
                                 "\tk8s.io/api v0.0.0\n)\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n)\n")
    calls = []
    monkeypatch.setattr(gobuild, "module_dir", lambda module, version: kube)
    monkeypatch.setattr(gobuild, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(gobuild, "run_logged", lambda argv, log, **kw: calls.append((argv, kw)))
    monkeypatch.delenv("GOCACHE", raising=False)
    out = tmp_path / "bin"

    class Phase:
        def line(self, text):
            pass

    gobuild.build_kubernetes(pins(), out, Phase())
    assert len(calls) == 1, f"one go invocation for every Kubernetes binary, got {len(calls)}"
    argv, kw = calls[0]
    assert argv[:2] == ["go", "build"] and "-trimpath" in argv
    assert argv[argv.index("-o") + 1].endswith(".partial/"), "-o <dir>/: every binary named after its command"
    assert [a for a in argv if a.startswith("k8s.io/kubernetes/cmd/")] == \
        [f"k8s.io/kubernetes/cmd/{c}" for c in gobuild.KUBE_COMMANDS]
    assert argv[-1] == "./cmd/kubelab-cni"
    assert kw["env"] == gobuild.go_env(), "the same environment (and so build cache) as the other Go builds"
    assert Path(kw["cwd"], "go.mod").read_text().startswith("module kubelab.local/kubebuild")
    assert out.is_dir()
