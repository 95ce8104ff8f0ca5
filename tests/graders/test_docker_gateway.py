"""network_gateway(effective=True): a subnet created without --gateway has the gateway Docker gives it."""

import pytest

from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.graders.errors import Failed


class FakeDocker(de.Docker):
    """Networks and containers as `docker network inspect` / `docker inspect` return them."""

    def __init__(self, networks, containers=None):
        super().__init__()
        self.containers = containers or {}
        for name, net in networks.items():
            self._cache[("network", name)] = net

    def inspect(self, name):
        return self.containers.get(name)


def net(config, members=()):
    return {"Driver": "bridge", "IPAM": {"Config": config},
            "Containers": {f"id-{m}": {"Name": m} for m in members}}


def attached(network, gateway):
    return {"NetworkSettings": {"Networks": {network: {"Gateway": gateway, "IPAddress": "x"}}}}


def test_configured_gateway_counts_as_before():
    d = FakeDocker({"kl-net": net([{"Subnet": "172.30.10.0/24", "Gateway": "172.30.10.254"}])})
    assert dx.network_gateway(d, "kl-net", "172.30.10.254", effective=True)
    with pytest.raises(Failed, match=r"network kl-net gateway: expected 172.30.10.1, found 172.30.10.254"):
        dx.network_gateway(d, "kl-net", "172.30.10.1", effective=True)


def test_no_gateway_given_is_the_first_host_without_containers():
    d = FakeDocker({"kl-net": net([{"Subnet": "172.30.10.0/24"}])})
    with pytest.raises(Failed, match="found none set"):
        dx.network_gateway(d, "kl-net", "172.30.10.1")  # the configured gateway only: none
    assert dx.network_gateway(d, "kl-net", "172.30.10.1", effective=True)
    with pytest.raises(Failed, match=r"expected 172.30.10.254, found 172.30.10.1"):
        dx.network_gateway(d, "kl-net", "172.30.10.254", effective=True)


def test_no_gateway_given_is_what_the_containers_use():
    d = FakeDocker({"kl-net": net([{"Subnet": "10.9.0.0/16"}], members=["kl-app", "kl-other"])},
                   containers={"kl-app": attached("kl-net", "10.9.0.1"), "kl-other": attached("kl-net", "10.9.0.1")})
    assert dx.network_gateway(d, "kl-net", "10.9.0.1", effective=True)
    # a gateway outside the subnet (another network's) is not this subnet's
    d = FakeDocker({"kl-net": net([{"Subnet": "10.9.0.0/16"}], members=["kl-app"])},
                   containers={"kl-app": attached("kl-net", "172.17.0.1")})
    assert dx.network_gateway(d, "kl-net", "10.9.0.1", effective=True)


def test_subnet_by_meaning():
    d = FakeDocker({"kl-net": net([{"Subnet": "172.30.10.5/24"}])})  # docker network create stores it as typed
    assert dx.network_subnet(d, "kl-net", "172.30.10.0/24")
    with pytest.raises(Failed, match=r"expected 172.30.10.0/25, found 172.30.10.5/24"):
        dx.network_subnet(d, "kl-net", "172.30.10.0/25")
    with pytest.raises(Failed, match=r"expected 172.30.20.0/24"):
        dx.network_subnet(d, "kl-net", "172.30.20.0/24")
