import os
import textwrap

import pytest


@pytest.fixture
def dead_kubeconfig(tmp_path, monkeypatch):
    """A kubeconfig whose kind-kubelab context points at a port nothing listens on."""
    path = tmp_path / "kubeconfig"
    path.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Config
        clusters:
        - name: dead
          cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
        users:
        - name: dead
          user: {token: "not-a-token"}
        contexts:
        - name: kind-kubelab
          context: {cluster: dead, user: dead}
        current-context: kind-kubelab
        """))
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBELAB_CONTEXT", raising=False)
    return path


@pytest.fixture
def dead_docker(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/kubelab-test/docker.sock")
