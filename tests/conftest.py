"""Shared test set-up.

Live tests (marked `live`) need the course cluster and the Docker engine. With
KUBELAB_LIVE=1 (as `make test` and CI set it) a missing cluster fails them; without
it they are skipped with the reason, so a laptop without a cluster can still run
the fast tests.
"""

from __future__ import annotations

import os
import subprocess
import textwrap

import pytest

collect_ignore = [] if os.environ.get("KUBELAB_AFTER_DOWN") == "1" else ["teardown"]


def _cluster_answers() -> tuple[bool, str]:
    try:
        from kubelab.cluster.lifecycle import api_ready

        return (True, "") if api_ready() else (False, "the course cluster's API does not answer")
    except Exception as exc:  # ClusterError, missing tools ...
        return False, str(exc)


@pytest.fixture(scope="session")
def live_cluster():
    """The course cluster, up and answering (fails under KUBELAB_LIVE=1, skips otherwise)."""
    ok, why = _cluster_answers()
    if not ok:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(f"KUBELAB_LIVE=1 but {why}: run `kubelab cluster up`")
        pytest.skip(f"no live cluster ({why}); set KUBELAB_LIVE=1 to require one")
    from kubelab.cluster.kube import api_client

    return api_client()


@pytest.fixture(scope="session")
def docker_engine():
    proc = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if proc.returncode != 0:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail("KUBELAB_LIVE=1 but Docker is not answering")
        pytest.skip("Docker is not answering")
    import docker

    return docker.from_env()


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
