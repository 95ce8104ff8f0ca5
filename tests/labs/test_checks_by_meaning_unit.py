"""Lab checks that grade meaning, on fakes of the real readers: the forms a correct student writes pass,
the near-misses fail, and no message shows a secret."""

import base64
import json
from types import SimpleNamespace

import pytest

from kubelab.graders import docker_engine as de
from kubelab.graders.errors import Failed
from kubelab.labs.registry import get_lab
from tests.graders.fakes import FakeKube


def check(lab_id, check_id):
    return get_lab(lab_id).check_by_id(check_id).fn


# ---- secret-registry: the .dockerconfigjson as the kubelet reads it --------------------------------

REG = get_lab("secret-registry").params


def registry_secret(auths):
    raw = base64.b64encode(json.dumps({"auths": auths}).encode()).decode()
    return {"kind": "Secret", "apiVersion": "v1", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": REG.secret, "namespace": REG.namespace}, "data": {".dockerconfigjson": raw}}


def auth(user, password):
    return base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("auths", [
    {REG.server: {"username": REG.username, "password": REG.password, "auth": auth(REG.username, REG.password)}},
    {f"https://{REG.server}": {"username": REG.username, "password": REG.password}},   # --docker-server=https://...
    {f"https://{REG.server}/v1/": {"auth": auth(REG.username, REG.password)}},        # hand-built, auth only
    {REG.server.upper(): {"auth": auth(REG.username, REG.password)}},                  # docker login's config.json
], ids=["kubectl", "https-key", "v1-path-auth-only", "upper-case-host"])
def test_registry_credentials_in_any_form(auths):
    kube = FakeKube([registry_secret(auths)])
    assert "credentials of student" in check("secret-registry", "secret-server")(SimpleNamespace(kube=kube))


@pytest.mark.parametrize("auths,message", [
    ({"docker.io": {"auth": auth(REG.username, REG.password)}}, "expected registry.kubelab.example:5000, found docker.io"),
    ({REG.server: {"auth": auth("someone", REG.password)}}, "expected the user student"),
    ({REG.server: {"username": REG.username, "password": "pull-me-2026"}}, "found a different one"),
    ({REG.server: {"auth": "not base64!"}}, "expected the user student"),
], ids=["other-server", "other-user", "other-password", "broken-auth"])
def test_registry_credentials_wrong(auths, message):
    kube = FakeKube([registry_secret(auths)])
    with pytest.raises(Failed, match=message) as exc:
        check("secret-registry", "secret-server")(SimpleNamespace(kube=kube))
    assert REG.password not in str(exc.value)


# ---- pods-poststart-hook: a preStop hook that quits nginx, however it is spelled -----------------------

HOOK = get_lab("pods-poststart-hook").params


def hooked_pod(command):
    lifecycle = {"preStop": {"exec": {"command": command}}} if command is not None else {}
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": HOOK.pod, "namespace": HOOK.namespace},
            "spec": {"containers": [{"name": HOOK.container, "image": "nginx:1.22.1", "lifecycle": lifecycle}]}}


@pytest.mark.parametrize("command", [
    ["sh", "-c", "nginx -s quit; sleep 1"],
    ["/bin/bash", "-c", "sleep 1 && /usr/sbin/nginx -s quit"],
    ["/bin/sh", "-c", "nginx -s quit\nsleep 1\n"],
    ["/usr/sbin/nginx", "-s", "quit"],
    ["nginx", "-squit"],
])
def test_prestop_quits_nginx(command):
    kube = FakeKube([hooked_pod(command)])
    assert check("pods-poststart-hook", "prestop-declared")(SimpleNamespace(kube=kube))


@pytest.mark.parametrize("command", [["sh", "-c", "sleep 1"], ["nginx", "-s", "stop"], ["sh", "-c", "nginx -s reload"],
                                     ["sh", "-c", "mynginx -s quit"], [], None])
def test_prestop_that_does_not_quit_nginx_fails(command):
    kube = FakeKube([hooked_pod(command)])
    with pytest.raises(Failed, match="expected a command that runs `nginx -s quit`"):
        check("pods-poststart-hook", "prestop-declared")(SimpleNamespace(kube=kube))


# ---- docker-image-commit: the author as docker's own example writes it -------------------------------

IMG = get_lab("docker-image-commit").params


class ImageDocker(de.Docker):
    def __init__(self, author):
        super().__init__()
        self._cache[("image-inspect", IMG.tag)] = {"Id": "sha256:" + "0" * 64, "Author": author}


@pytest.mark.parametrize("author", [IMG.author, f"{IMG.author} <{IMG.author}@example.com>", f" {IMG.author} "])
def test_author_named(author):
    assert check("docker-image-commit", "author")(SimpleNamespace(docker=ImageDocker(author)))


@pytest.mark.parametrize("author", ["", "kubelab2", "someone <kubelab@example.com>", "kubelab <a> <b>"])
def test_author_other(author):
    with pytest.raises(Failed, match="author"):
        check("docker-image-commit", "author")(SimpleNamespace(docker=ImageDocker(author)))


# ---- secret-registry: the TLS Secret holds a certificate for the task's name -------------------------

def _cert(tmp_path, subject, *extra):
    import shutil
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    key, crt = tmp_path / "k.pem", tmp_path / "c.pem"
    subprocess.run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "1", "-subj", subject,
                    *extra, "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return {"kind": "Secret", "apiVersion": "v1", "type": "kubernetes.io/tls",
            "metadata": {"name": REG.tls_secret, "namespace": REG.namespace},
            "data": {"tls.crt": base64.b64encode(crt.read_bytes()).decode(),
                     "tls.key": base64.b64encode(key.read_bytes()).decode()}}


@pytest.mark.parametrize("subject,extra", [
    (f"/CN={REG.tls_cn}", ()),
    (f"/O=kubelab/CN={REG.tls_cn}", ()),
    ("/CN=web", ("-addext", f"subjectAltName=DNS:{REG.tls_cn},DNS:web")),
], ids=["cn", "cn-with-org", "san-only"])
def test_tls_certificate_for_the_name(tmp_path, subject, extra):
    kube = FakeKube([_cert(tmp_path, subject, *extra)])
    assert check("secret-registry", "tls-secret")(SimpleNamespace(kube=kube))


@pytest.mark.parametrize("subject", ["/CN=www.kubelab.example", f"/CN={REG.tls_cn}.org", f"/CN=x{REG.tls_cn}"])
def test_tls_certificate_for_another_name(tmp_path, subject):
    kube = FakeKube([_cert(tmp_path, subject)])
    with pytest.raises(Failed, match=f"expected a certificate for {REG.tls_cn}"):
        check("secret-registry", "tls-secret")(SimpleNamespace(kube=kube))
