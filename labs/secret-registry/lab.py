"""Secrets by type: a docker-registry Secret used as an imagePullSecret, and a TLS Secret."""

import base64
import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-secret-registry",
    secret="regcred",
    secret_kind="docker-registry",   # "generic" in a near-miss
    server="registry.kubelab.example:5000",
    username="student",
    password="pull-Me-2026",
    pod="private-web",
    image="web-v1",                  # image catalog key (cluster/images.yaml); already on every node
    pull_secret="regcred",           # what the pod names in imagePullSecrets
    tls_secret="web-tls",
    tls_cn="web.kubelab.example",
    workdir="/tmp/kubelab-secret-registry",
)
IMAGE = lab_image(P.image)
DOCKERCFG_TYPE = "kubernetes.io/dockerconfigjson"

lab = Lab(
    id="secret-registry",
    title="A docker-registry Secret as imagePullSecret, and a TLS Secret",
    topic="config",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    secret_params=("password",),
    task=f"""\
Your team's images live in a private registry `{P.server}` (made up: nothing is pulled in this lab, the image is
already on the nodes). In the namespace `{P.namespace}`:

1. Create a Secret `{P.secret}` of type `{DOCKERCFG_TYPE}` for the server `{P.server}`, user `{P.username}`,
   password `{P.password}` (`kubectl create secret docker-registry`).
2. Create a pod `{P.pod}` running `{IMAGE}` that names `{P.secret}` in its `imagePullSecrets`.
3. Create a self-signed certificate for `{P.tls_cn}` (`openssl req -x509 -nodes -newkey rsa:2048 ...`) and store it
   with its key as a TLS Secret `{P.tls_secret}` (`kubectl create secret tls`).""",
)


@lab.check("secret-type", f"Secret {P.secret} has type {DOCKERCFG_TYPE}", points=1,
           hint=f"kubectl create secret docker-registry {P.secret} -n {P.namespace} --docker-server=... "
                "--docker-username=... --docker-password=... (a generic Secret is type Opaque)")
def secret_type(ctx):
    return k8s.field_equals(ctx.kube, "Secret", P.secret, P.namespace, "type", DOCKERCFG_TYPE)


@lab.check("secret-server", f"Secret {P.secret} holds credentials of {P.username} for {P.server}", points=1,
           hint="--docker-server must be the registry host[:port] exactly as image references name it; "
                f"decode it: kubectl get secret {P.secret} -n {P.namespace} "
                "-o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d")
def secret_server(ctx):
    obj = k8s.must_get(ctx.kube, "Secret", P.secret, P.namespace)
    raw = (obj.get("data") or {}).get(".dockerconfigjson")
    if raw is None:
        raise Failed(f"secret {P.secret}: expected the key .dockerconfigjson, found "
                     f"{', '.join(sorted(obj.get('data') or {})) or 'no keys'}", expected=".dockerconfigjson")
    try:
        auths = json.loads(base64.b64decode(raw)).get("auths") or {}
    except ValueError:
        raise Failed(f"secret {P.secret}: .dockerconfigjson is not JSON", expected="JSON") from None
    if P.server not in auths:
        servers = ", ".join(sorted(auths)) or "none"
        raise Failed(f"secret {P.secret} auths: expected {P.server}, found {servers}", expected=P.server, found=servers)
    if auths[P.server].get("username") != P.username:
        raise Failed(f"secret {P.secret}: expected the user {P.username} for {P.server}, found another user",
                     expected=P.username, found="another user")
    return f"secret {P.secret} has credentials of {P.username} for {P.server}"


@lab.check("pod-pull-secret", f"Pod {P.pod} names {P.secret} in imagePullSecrets", points=1,
           hint=f"spec.imagePullSecrets: [{{name: {P.secret}}}] (pod level, not under the container)")
def pod_pull_secret(ctx):
    names = [s.get("name") for s in k8s.field(k8s.must_get(ctx.kube, "Pod", P.pod, P.namespace),
                                              "spec.imagePullSecrets") or []]
    if P.secret not in names:
        raise Failed(f"pod {P.pod} spec.imagePullSecrets: expected {P.secret}, found {', '.join(names) or 'none'}",
                     expected=P.secret, found=", ".join(names) or "none")
    return f"pod {P.pod} pulls with {P.secret}"


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1,
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}`; use the image reference from the task")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("tls-secret", f"Secret {P.tls_secret} is type kubernetes.io/tls with tls.crt and tls.key", points=1,
           hint=f"kubectl create secret tls {P.tls_secret} -n {P.namespace} --cert=tls.crt --key=tls.key")
def tls_secret(ctx):
    k8s.field_equals(ctx.kube, "Secret", P.tls_secret, P.namespace, "type", "kubernetes.io/tls")
    return k8s.secret_has_keys(ctx.kube, P.namespace, P.tls_secret, ["tls.crt", "tls.key"])


def dockercfg(p) -> str:
    auth = base64.b64encode(f"{p.username}:{p.password}".encode()).decode()
    return json.dumps({"auths": {p.server: {"username": p.username, "password": p.password, "auth": auth}}})


@lab.solution
def solution(p):
    if p.secret_kind == "docker-registry":
        registry = Run(["kubectl", "create", "secret", "docker-registry", p.secret, "-n", p.namespace,
                        f"--docker-server={p.server}", f"--docker-username={p.username}",
                        f"--docker-password={p.password}"])
    else:  # the near-miss: the same data in an Opaque Secret
        registry = Run(["kubectl", "create", "secret", "generic", p.secret, "-n", p.namespace,
                        f"--from-literal=.dockerconfigjson={dockercfg(p)}"])
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": p.pod, "namespace": p.namespace},
           "spec": {"terminationGracePeriodSeconds": 0,
                    "imagePullSecrets": [{"name": p.pull_secret}],
                    "containers": [{"name": "web", "image": lab_image(p.image), "imagePullPolicy": "IfNotPresent"}]}}
    return [
        registry,
        Apply(pod),
        Run(["mkdir", "-p", p.workdir], note="A self-signed certificate and its key, stored as a TLS Secret:"),
        Run(["openssl", "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "30", "-subj", f"/CN={p.tls_cn}",
             "-keyout", f"{p.workdir}/tls.key", "-out", f"{p.workdir}/tls.crt"]),
        Run(["kubectl", "create", "secret", "tls", p.tls_secret, "-n", p.namespace,
             f"--cert={p.workdir}/tls.crt", f"--key={p.workdir}/tls.key"]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"]),
    ]


lab.near_miss("opaque", "the registry credentials in a generic (Opaque) Secret",
              params={"secret_kind": "generic"}, fails=["secret-type"])
lab.near_miss("wrong-server", "credentials for docker.io instead of the private registry",
              params={"server": "docker.io"}, fails=["secret-server"])
lab.near_miss("wrong-pull-secret", "the pod names a Secret that does not exist in imagePullSecrets",
              params={"pull_secret": "registry-credentials"}, fails=["pod-pull-secret"])
