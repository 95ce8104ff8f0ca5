"""cluster/addons_ingress.py: the wrapper module and the manifests (pure, offline)."""

from __future__ import annotations

from pathlib import Path

from kubelab.cluster import addons_ingress as ai
from kubelab.cluster.paths import pins

GOMOD = """module github.com/traefik/traefik/v3

go 1.24.0

require (
	github.com/a/b v1.0.0
)

replace (
	github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e // indirect
	github.com/traefik/traefik/dynamic/ext => ./pkg/config/dynamic/ext
)

replace github.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59

// tencentcloud ships incomplete go.mod files
exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
"""


def test_wrapper_gomod_repeats_replaces_and_excludes():
    out = ai.wrapper_gomod("v3.5.4", GOMOD, Path("/mod/traefik@v3.5.4"))
    assert out.startswith("module kubelab.local/traefikbuild\n")
    assert "require github.com/traefik/traefik/v3 v3.5.4" in out
    assert "\tgithub.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e\n" in out
    assert "\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.0-20250523120546-41b6ec3aed59\n" in out
    # a local replace points into traefik's own directory in the module cache
    assert "\tgithub.com/traefik/traefik/dynamic/ext => /mod/traefik@v3.5.4/pkg/config/dynamic/ext\n" in out
    assert "\tgithub.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible\n" in out
    assert "github.com/a/b" not in out and "//" not in out


def test_wrapper_gomod_without_directives():
    out = ai.wrapper_gomod("v3.5.4", "module x\n\ngo 1.24\n", Path("/m"))
    assert "replace" not in out and "exclude" not in out


def test_manifests_default_class_node_ports_and_gateway():
    p = pins()
    docs = ai.manifests(p, gateway=True)
    by_kind = {d["kind"]: d for d in docs}
    ic = by_kind["IngressClass"]
    assert ic["metadata"]["name"] == "traefik"
    assert ic["metadata"]["annotations"]["ingressclass.kubernetes.io/is-default-class"] == "true"
    assert ic["spec"]["controller"] == ai.INGRESS_CONTROLLER
    svc = by_kind["Service"]
    assert {x["name"]: x["nodePort"] for x in svc["spec"]["ports"]} == {"web": 32080, "websecure": 32443}
    assert by_kind["GatewayClass"]["spec"]["controllerName"] == ai.GATEWAY_CONTROLLER
    c = by_kind["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == ai.image_ref(p) == f"docker.io/kubelab/traefik:{p.traefik}"
    assert "--providers.kubernetesgateway=true" in c["args"]
    assert "--global.sendanonymoususage=false" in c["args"]   # offline: it must not phone home
    assert all(d["metadata"].get("namespace", ai.NAMESPACE) == ai.NAMESPACE for d in docs)


def test_manifests_without_gateway_and_hash_is_stable():
    p = pins()
    docs = ai.manifests(p, gateway=False)
    assert "GatewayClass" not in {d["kind"] for d in docs}
    args = next(d for d in docs if d["kind"] == "Deployment")["spec"]["template"]["spec"]["containers"][0]["args"]
    assert not any("kubernetesgateway" in a for a in args)
    assert ai.manifest_hash(docs) == ai.manifest_hash(ai.manifests(p, gateway=False))
    assert ai.manifest_hash(docs) != ai.manifest_hash(ai.manifests(p, gateway=True))


def test_image_key_depends_on_the_pin_not_on_the_binary():
    p = pins()
    assert ai.image_spec(p).build_key() == ai.image_spec(p).build_key()
    other = p.__class__(**{**p.__dict__, "traefik": "v3.5.5"})
    assert ai.image_spec(other).build_key() != ai.image_spec(p).build_key()
