"""`kubelab course serve` without a cluster: the command, token, banner, and a real server's
start / check / stop (JupyterLab of this venv on a free port; a few seconds)."""

import os
import socket
import stat

import pytest
from typer.testing import CliRunner

from kubelab.course import serve
from kubelab.course.cli import course_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_token_is_made_once_and_private(tmp_path):
    t = serve.course_token(tmp_path)
    assert len(t) == 48 and serve.course_token(tmp_path) == t
    assert stat.S_IMODE((tmp_path / "token").stat().st_mode) == 0o600


def test_command_allows_root_only_as_root_and_keeps_the_token_off_it(tmp_path, monkeypatch):
    srv = serve.server(port=8899, directory=tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cmd = srv.command()
    assert "--allow-root" in cmd and "--port=8899" in cmd and f"--ServerApp.root_dir={srv.root}" in cmd
    assert not any(srv.token in c for c in cmd)
    assert serve.server_env(srv.token)["JUPYTER_TOKEN"] == srv.token
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "--allow-root" not in srv.command()


def test_banner_says_what_to_open_and_do_first(tmp_path):
    srv = serve.server(port=8899, directory=tmp_path)
    text = serve.banner(srv, "pods-basics")
    assert f"http://127.0.0.1:8899/lab/tree/01-docker-basics.ipynb?token={srv.token}" in text
    assert "File > New > Terminal" in text and "kubectl get nodes" in text
    assert "kubelab lab check pods-basics" in text and "make course" in text


def test_check_and_stop_without_a_server(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBELAB_CACHE", str(tmp_path))
    port = str(_free_port())
    res = CliRunner().invoke(course_app, ["serve", "--check", "--port", port])
    assert res.exit_code == 1 and "no course server answering" in res.output
    res = CliRunner().invoke(course_app, ["serve", "--stop", "--port", port])
    assert res.exit_code == 0 and "no course server of ours" in res.output


@pytest.mark.timeout(120)
def test_background_start_check_stop(tmp_path, monkeypatch):
    """What `make course SERVE=background` ends with: returns once /api answers, leaves it running."""
    monkeypatch.setenv("KUBELAB_CACHE", str(tmp_path))
    port = str(_free_port())
    runner = CliRunner()
    try:
        res = runner.invoke(course_app, ["serve", "--background", "--port", port, "--lab", "pods-basics"])
        assert res.exit_code == 0, res.output
        token = (tmp_path / "jupyter" / "token").read_text().strip()
        assert f"?token={token}" in res.output and "running in the background" in res.output
        assert runner.invoke(course_app, ["serve", "--check", "--port", port]).exit_code == 0
        again = runner.invoke(course_app, ["serve", "--background", "--port", port])
        assert again.exit_code == 0 and "(already running)" in again.output
    finally:
        res = runner.invoke(course_app, ["serve", "--stop", "--port", port])
    assert "stopped JupyterLab" in res.output
    assert runner.invoke(course_app, ["serve", "--check", "--port", port]).exit_code == 1

