"""Docker and Linux primitives against the real engine: ports, volumes, networks, fixed IPs,
cgroup limits (v1 on this machine, v2 on most laptops) and shared namespaces."""

import uuid

import pytest

from kubelab.graders import cgroups, docker_engine as de, namespaces
from kubelab.graders.errors import Failed

pytestmark = [pytest.mark.docker, pytest.mark.live]


@pytest.fixture
def env(docker_image):
    import docker

    client = docker.from_env()
    tag = uuid.uuid4().hex[:6]
    label = {"kubelab.lab": f"test-graders-{tag}"}
    net = client.networks.create(f"kltest-net-{tag}", labels=label,
                                 ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="172.31.249.0/24")]))
    vol = client.volumes.create(f"kltest-vol-{tag}", labels=label)
    created = []

    def run(name, **kw):
        c = client.containers.run(docker_image, ["sleep", "600"], name=f"kltest-{name}-{tag}", detach=True,
                                  labels=label, **kw)
        created.append(c)
        return c.name

    yield {"client": client, "run": run, "net": net.name, "vol": vol.name, "tag": tag}
    for c in created:
        c.remove(force=True)
    net.remove()
    vol.remove(force=True)


def test_volume_network_fixed_ip(env):
    name = env["run"]("a", network=env["net"], volumes={env["vol"]: {"bind": "/data", "mode": "rw"}})
    env["client"].api.disconnect_container_from_network(name, env["net"])
    env["client"].api.connect_container_to_network(name, env["net"], ipv4_address="172.31.249.10")
    d = de.Docker()
    assert de.container_running(d, name)
    assert de.volume_mounted(d, name, "/data", source=env["vol"], kind="volume")
    assert de.on_network(d, name, env["net"])
    assert "172.31.249.10" in de.fixed_ip(d, name, env["net"], "172.31.249.10")
    with pytest.raises(Failed, match="expected fixed IP 172.31.249.11"):
        de.fixed_ip(d, name, env["net"], "172.31.249.11")
    rc, out = d.exec(name, ["sh", "-c", "echo hi > /data/x && cat /data/x"])
    assert (rc, out.strip()) == (0, "hi")


def test_cgroup_limits_host_and_inside(env):
    name = env["run"]("lim", mem_limit="64m", nano_cpus=500_000_000)
    d = de.Docker()
    limits = cgroups.docker_container_limits(d, name)  # host files via State.Pid
    assert "64Mi" in cgroups.memory_limit_is(limits, "64Mi")
    assert "0.5 CPU" in cgroups.cpu_limit_is(limits, 0.5)
    inside = cgroups.read_limits(cgroups.exec_reader(lambda argv: d.exec(name, argv)))
    assert (inside.memory_bytes, inside.cpus) == (limits.memory_bytes, limits.cpus)
    with pytest.raises(Failed, match="expected 128Mi, found 64Mi"):
        cgroups.memory_limit_is(limits, "128Mi")
    free = env["run"]("free")
    assert cgroups.docker_container_limits(de.Docker(), free).memory_bytes is None


def test_shared_namespaces(env):
    a = env["run"]("ns-a")
    b = env["run"]("ns-b", network_mode=f"container:kltest-ns-a-{env['tag']}")
    c = env["run"]("ns-c")
    d = de.Docker()
    assert "share the net namespace" in namespaces.docker_share_namespace(d, a, b, "net")
    assert namespaces.docker_share_namespace(d, a, b, "pid", shared=False)
    with pytest.raises(Failed, match="net namespace of .* expected the same"):
        namespaces.docker_share_namespace(d, a, c, "net")
    # the same answer read from inside the containers
    ia = namespaces.exec_inode(lambda argv: d.exec(a, argv), "net")
    ib = namespaces.exec_inode(lambda argv: d.exec(b, argv), "net")
    assert ia == ib == namespaces.host_inode(de.container_pid(d, a), "net")
