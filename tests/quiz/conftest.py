"""Fixtures for the quiz tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty progress folder for this test (KUBELAB_DATA_DIR)."""
    d = tmp_path / "data"
    monkeypatch.setenv("KUBELAB_DATA_DIR", str(d))
    monkeypatch.delenv("KUBELAB_QUESTIONS_DIR", raising=False)
    return d
