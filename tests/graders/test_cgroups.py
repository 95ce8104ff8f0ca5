from pathlib import Path

import pytest

from kubelab.graders import cgroups
from kubelab.graders.errors import Failed

FIX = Path(__file__).parent / "fixtures"


def test_parse_proc_cgroup_v1_and_v2():
    text = (FIX / "cgroup-v1/proc/4242/cgroup").read_text()
    cg = cgroups.parse_proc_cgroup(text)
    assert cg["memory"] == "/docker/abc123"
    assert cg["cpu"] == cg["cpuacct"] == "/docker/abc123"
    assert cg["systemd"] == "/docker/abc123"
    assert cgroups.parse_proc_cgroup("0::/system.slice/docker-x.scope\n") == {"": "/system.slice/docker-x.scope"}


def test_v1_limits_of_pid():
    limits = cgroups.limits_of_pid(4242, cgroups.file_reader(FIX / "cgroup-v1"))
    assert limits.version == 1
    assert limits.memory_bytes == 128 * 1024**2
    assert limits.cpus == 0.5
    assert "128Mi" in cgroups.memory_limit_is(limits, "128Mi")
    assert cgroups.memory_limit_is(limits, "128m")  # docker's m is MiB
    assert "0.5 CPU" in cgroups.cpu_limit_is(limits, "500m")


def test_v1_unlimited_reads_as_none():
    read = cgroups.file_reader(FIX / "cgroup-v1")
    limits = cgroups.read_limits(read, cgroup={"memory": "/docker/unlimited", "cpu": "/docker/none"})
    assert limits.memory_bytes is None and limits.cpus is None
    with pytest.raises(Failed, match=r"memory limit \(cgroup v1\): expected 64Mi, found no limit"):
        cgroups.memory_limit_is(limits, "64Mi")


def test_v2_limits_of_pid():
    limits = cgroups.limits_of_pid(4242, cgroups.file_reader(FIX / "cgroup-v2"))
    assert limits.version == 2
    assert limits.memory_bytes == 64 * 1024**2
    assert limits.cpus == 1.5
    with pytest.raises(Failed, match=r"CPU limit \(cgroup v2\): expected 1 CPU, found 1.5 CPU"):
        cgroups.cpu_limit_is(limits, 1)


def test_v2_max_means_no_limit():
    read = cgroups.file_reader(FIX / "cgroup-v2")
    limits = cgroups.read_limits(read, cgroup={"": "/system.slice/docker-free.scope"})
    assert limits.memory_bytes is None and limits.cpu_quota_us is None and limits.cpu_period_us == 100000


def test_inside_container_view_reads_root():
    # inside a container (or pod exec) the own cgroup is the root of the view: no /proc path needed
    files = {"/sys/fs/cgroup/cgroup.controllers": "memory cpu", "/sys/fs/cgroup/memory.max": "33554432\n",
             "/sys/fs/cgroup/cpu.max": "25000 100000\n"}
    limits = cgroups.read_limits(files.get)
    assert (limits.version, limits.memory_bytes, limits.cpus) == (2, 32 * 1024**2, 0.25)


def test_no_cgroup_files_fails_clearly():
    with pytest.raises(Failed, match="no cgroup"):
        cgroups.read_limits(lambda path: None)
    with pytest.raises(Failed, match="expected to exist"):
        cgroups.limits_of_pid(1, lambda path: None)


@pytest.mark.parametrize("text,expected", [("64Mi", 64 * 1024**2), ("64m", 64 * 1024**2), ("1G", 10**9),
                                           ("1g", 1024**3), ("512k", 512 * 1024), ("100M", 100 * 10**6),
                                           (1000, 1000), ("2048", 2048)])
def test_parse_bytes(text, expected):
    assert cgroups.parse_bytes(text) == expected
