"""Run by scripts/test.sh after `kubelab cluster down` (KUBELAB_AFTER_DOWN=1):
nothing of the cluster is left in Docker."""

import subprocess


def docker_lines(*args):
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout.split()


def test_down_leaves_no_containers():
    assert docker_lines("ps", "-aq", "--filter", "label=io.x-k8s.kind.cluster=kubelab") == []


def test_down_leaves_no_kind_network():
    assert "kind" not in docker_lines("network", "ls", "--format", "{{.Name}}")
