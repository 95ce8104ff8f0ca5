import pytest


@pytest.fixture
def dead_docker(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/kubelab-test/docker.sock")
