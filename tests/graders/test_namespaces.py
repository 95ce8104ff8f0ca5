import os

import pytest

from kubelab.graders import namespaces as ns
from kubelab.graders.errors import Failed


def test_parse_ns_link():
    assert ns.parse_ns_link("net:[4026532561]") == ("net", 4026532561)
    with pytest.raises(ValueError):
        ns.parse_ns_link("/proc/1/ns/net")


def test_host_inode_same_process_shares():
    a = ns.host_inode(os.getpid(), "net")
    assert a == ns.host_inode(os.getpid(), "net")
    assert "share the net namespace" in ns.expect_shared("net", ("me", a), ("me again", a))


def test_expect_shared_messages():
    with pytest.raises(Failed, match=r"net namespace of a and b: expected the same, found a net:\[1\], b net:\[2\]"):
        ns.expect_shared("net", ("a", 1), ("b", 2))
    assert "do not share" in ns.expect_shared("pid", ("a", 1), ("b", 2), shared=False)
    with pytest.raises(Failed, match="expected different"):
        ns.expect_shared("pid", ("a", 1), ("b", 1), shared=False)


def test_exec_inode_reads_inside():
    assert ns.exec_inode(lambda argv: (0, "ipc:[4026531839]\n"), "ipc") == 4026531839
    with pytest.raises(Failed):
        ns.exec_inode(lambda argv: (1, "readlink: not found"), "ipc")


def test_missing_process_fails():
    with pytest.raises(Failed, match="expected to exist"):
        ns.host_inode(2**22 + 12345, "net")
