"""storage_extra primitives with a fake exec (no cluster, no Docker)."""

import pytest

from kubelab.graders import k8s, storage_extra as se
from kubelab.graders.errors import Failed, InfraError


class FakeKube(k8s.Kube):
    def __init__(self, result):
        super().__init__()
        self.result = result
        self.calls = []

    def exec(self, namespace, pod, command, container=None, timeout=10.0):
        self.calls.append(command)
        return self.result


def test_file_mode_follows_symlinks_and_shows_octal():
    kube = FakeKube((0, "400\n", ""))
    assert "0400" in se.file_mode_in_container(kube, "lab", "p", "/etc/db/password", 0o400)
    assert kube.calls[0] == ["stat", "-L", "-c", "%a", "/etc/db/password"]
    with pytest.raises(Failed, match="mode: expected 0400, found 0644"):
        se.file_mode_in_container(FakeKube((0, "644\n", "")), "lab", "p", "/f", 0o400)
    with pytest.raises(Failed, match="expected to exist"):
        se.file_mode_in_container(FakeKube((1, "", "stat: can't stat '/f'")), "lab", "p", "/f", 0o400)


def test_lines_in_container():
    kube = FakeKube((0, "boot Mon\nboot Tue\n", ""))
    assert "2 line(s)" in se.lines_in_container(kube, "lab", "p", "/data/boots.log", "boot", 2)
    with pytest.raises(Failed, match="at least 3 line"):
        se.lines_in_container(kube, "lab", "p", "/data/boots.log", "boot", 3)


def test_file_on_node_uses_the_runner():
    assert "with 'hello'" in se.file_on_node("w1", "/kubelab/x", "hello", runner=lambda n, argv: (0, "hello\n"))
    with pytest.raises(Failed, match="expected to exist"):
        se.file_on_node("w1", "/kubelab/x", runner=lambda n, argv: (1, "No such file"))
    with pytest.raises(Failed, match="expected to contain 'hello'"):
        se.file_on_node("w1", "/kubelab/x", "hello", runner=lambda n, argv: (0, "bye"))

    def broken(node, argv):
        raise ConnectionError("docker.sock")

    with pytest.raises(InfraError):
        se.file_on_node("w1", "/kubelab/x", runner=broken)
