"""Cluster add-ons without a cluster: the registry, and what the NetworkPolicy add-on applies."""

from kubelab.cluster import addons, addons_netpol
from kubelab.cluster.paths import pins


def test_every_addon_module_has_ensure():
    for name in addons.ADDONS:
        assert callable(addons._module(name).ensure), name


def test_netpol_addon_runs_only_the_firewall_controller():
    p = pins()
    assert p.kube_router.startswith("v2.")
    docs = addons_netpol.manifests(p)
    kinds = [d["kind"] for d in docs]
    assert kinds == ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "DaemonSet"]
    ds = docs[-1]
    pod = ds["spec"]["template"]["spec"]
    args = pod["containers"][0]["args"]
    assert {"--run-firewall=true", "--run-router=false", "--run-service-proxy=false"} <= set(args)
    assert pod["hostNetwork"] is True and pod["tolerations"] == [{"operator": "Exists"}]
    assert pod["containers"][0]["image"] == f"docker.io/kubelab/kube-router:{p.kube_router}"
    assert pod["containers"][0]["imagePullPolicy"] == "IfNotPresent"  # no registry: loaded into the nodes
    # it only reads the API
    verbs = {v for r in docs[1]["rules"] for v in r["verbs"]}
    assert verbs <= {"get", "list", "watch"}


def test_netpol_manifest_hash_is_stable_and_follows_the_pin():
    p = pins()
    a = addons_netpol.manifest_hash(addons_netpol.manifests(p))
    assert a == addons_netpol.manifest_hash(addons_netpol.manifests(p))
    import dataclasses

    other = dataclasses.replace(p, kube_router="v2.9.9")
    assert addons_netpol.manifest_hash(addons_netpol.manifests(other)) != a


def test_netpol_image_key_follows_pin_and_recipe_not_the_cache():
    import dataclasses

    p = pins()
    key = addons_netpol.image_spec(p).build_key()
    assert key == addons_netpol.image_spec(p).build_key()
    assert addons_netpol.image_spec(dataclasses.replace(p, kube_router="v2.9.9")).build_key() != key
