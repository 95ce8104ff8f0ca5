"""Debian roots begun in the background (cluster/rootfs.begin) while the Go builds run: the phase
that needs a root waits for it, gets its reuse flag, and sees its error."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from kubelab.cluster import rootfs
from kubelab.cluster.progress import Phase


@pytest.fixture
def fake_make(monkeypatch):
    monkeypatch.setattr(rootfs, "_begun", {})
    monkeypatch.setattr(rootfs, "_pool", None)
    made = []

    def make(name, suite, packages, phase):
        time.sleep(0.05)
        made.append((name, threading.current_thread().name))
        if name == "broken":
            raise RuntimeError("debootstrap failed: E: Couldn't download packages")
        return Path("/cache/rootfs") / name, name == "reused"

    monkeypatch.setattr(rootfs, "_make", make)
    return made


def test_a_root_begun_in_the_background_is_waited_for_with_its_reuse_flag(fake_make):
    rootfs.begin("node-base", "bookworm", ["systemd"])
    rootfs.begin("reused", "bookworm", ["nginx-light"])
    rootfs.begin("node-base", "bookworm", ["systemd"])  # begun once
    ph = Phase("node root")
    assert rootfs.debootstrap("node-base", "bookworm", ["systemd"], ph) == Path("/cache/rootfs/node-base")
    assert not ph.cached and "background" in ph.last_line
    ph2 = Phase("nginx root")
    assert rootfs.debootstrap("reused", "bookworm", ["nginx-light"], ph2) == Path("/cache/rootfs/reused")
    assert ph2.cached
    assert [n for n, _ in fake_make] == ["node-base", "reused"]
    assert all(t.startswith("debootstrap") for _, t in fake_make)  # not in the caller's thread


def test_a_background_failure_is_raised_where_the_root_is_needed(fake_make):
    rootfs.begin("broken", "bookworm", ["x"])
    with pytest.raises(RuntimeError, match="Couldn't download"):
        rootfs.debootstrap("broken", "bookworm", ["x"], Phase("broken root"))


def test_a_root_not_begun_is_made_in_the_callers_phase(fake_make):
    ph = Phase("netpol root")
    assert rootfs.debootstrap("netpol", "bookworm", ["ipset"], ph) == Path("/cache/rootfs/netpol")
    assert fake_make[0][1] == threading.current_thread().name
