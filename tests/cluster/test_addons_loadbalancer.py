"""cluster/addons_loadbalancer.py: the address pool and the manifest rewrite (pure, offline)."""

from __future__ import annotations

import ipaddress

import pytest

from kubelab.cluster import addons_loadbalancer as lb
from kubelab.cluster.api import ClusterError
from kubelab.cluster.paths import pins

NATIVE = """apiVersion: v1
kind: Namespace
metadata: {name: metallb-system}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: controller, namespace: metallb-system}
spec:
  template:
    spec:
      containers:
      - name: controller
        image: quay.io/metallb/controller:v0.15.2
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: speaker, namespace: metallb-system}
spec:
  template:
    spec:
      containers:
      - name: speaker
        image: quay.io/metallb/speaker:v0.15.2
"""


def test_pool_is_at_the_top_of_the_subnet():
    assert lb.pool_range("10.210.1.0/24") == "10.210.1.201-10.210.1.250"
    first, last = lb.pool_range("172.18.0.0/16").split("-")
    assert int(ipaddress.ip_address(last)) - int(ipaddress.ip_address(first)) == lb.POOL_SIZE - 1
    assert ipaddress.ip_address(last) in ipaddress.ip_network("172.18.0.0/16")
    with pytest.raises(ClusterError, match="too small"):
        lb.pool_range("10.0.0.0/28")
    with pytest.raises(ClusterError):
        lb.pool_range("fc00:f853:ccd:e793::/64")


def test_manifests_use_kubelabs_images_and_add_the_pool():
    p = pins()
    docs = lb.manifests(p, NATIVE, "10.210.1.0/24")
    by_kind = {d["kind"]: d for d in docs}
    ctl = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    spk = by_kind["DaemonSet"]["spec"]["template"]["spec"]["containers"][0]
    assert ctl["image"] == f"docker.io/kubelab/metallb-controller:{p.metallb}" and ctl["imagePullPolicy"] == "IfNotPresent"
    assert spk["image"] == f"docker.io/kubelab/metallb-speaker:{p.metallb}"
    assert by_kind["IPAddressPool"]["spec"]["addresses"] == ["10.210.1.201-10.210.1.250"]
    assert by_kind["L2Advertisement"]["spec"]["ipAddressPools"] == [lb.POOL]
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {lb.NAMESPACE}


def test_image_keys_follow_the_pin():
    p = pins()
    other = p.__class__(**{**p.__dict__, "metallb": "v0.15.3"})
    assert [s.build_key() for s in lb.image_specs(p)] != [s.build_key() for s in lb.image_specs(other)]
