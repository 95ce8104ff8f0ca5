"""Secrets by type: a docker-registry Secret used as an imagePullSecret, and a TLS Secret."""

import base64
import json
import re

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


@lab.check("secret-server", f"Secret {P.secret} holds the credentials of {P.username} for {P.server}", points=1,
           hint="--docker-server must be the registry host[:port] as image references name it; "
                f"decode it: kubectl get secret {P.secret} -n {P.namespace} "
                "-o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d")
def secret_server(ctx):
    obj = k8s.must_get(ctx.kube, "Secret", P.secret, P.namespace)
    ctx.kube.secret_values.add(P.password)
    raw = (obj.get("data") or {}).get(".dockerconfigjson")
    if raw is None:
        raise Failed(f"secret {P.secret}: expected the key .dockerconfigjson, found "
                     f"{', '.join(sorted(obj.get('data') or {})) or 'no keys'}", expected=".dockerconfigjson")
    try:
        auths = json.loads(base64.b64decode(raw)).get("auths") or {}
    except ValueError:
        raise Failed(f"secret {P.secret}: .dockerconfigjson is not JSON", expected="JSON") from None
    if not isinstance(auths, dict):
        raise Failed(f"secret {P.secret}: .dockerconfigjson auths is not a map of servers", expected="auths: {...}")
    entry = next((v for k, v in auths.items() if registry_host(k) == registry_host(P.server)), None)
    if not isinstance(entry, dict):
        servers = ", ".join(sorted(auths)) or "none"
        raise Failed(f"secret {P.secret} auths: expected {P.server}, found {servers}", expected=P.server, found=servers)
    user, password = credentials(entry)
    if user != P.username:
        raise Failed(f"secret {P.secret}: expected the user {P.username} for {P.server}, found another user",
                     expected=P.username, found="another user")
    if password != P.password:
        raise Failed(f"secret {P.secret}: expected the password the task gives for {P.server}, found a different one",
                     expected="the task's password", found="a different password")
    return f"secret {P.secret} has credentials of {P.username} for {P.server}"


def registry_host(key: str) -> str:
    """An auths key as the kubelet matches it against image references: `https://HOST:PORT/v1/` is HOST:PORT."""
    host = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", str(key).strip())
    return host.split("/", 1)[0].lower()


def credentials(entry: dict) -> tuple[str | None, str | None]:
    """(user, password) of an auths entry: its username/password, else its `auth` (base64 of user:password),
    as the kubelet reads it."""
    user, password = entry.get("username"), entry.get("password")
    if not user and entry.get("auth"):
        try:
            user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, None
    return user, password


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


@lab.check("tls-secret", f"Secret {P.tls_secret} is type kubernetes.io/tls with a certificate for {P.tls_cn} and its key",
           points=1,
           hint=f"openssl req -x509 ... -subj /CN={P.tls_cn}, then "
                f"kubectl create secret tls {P.tls_secret} -n {P.namespace} --cert=tls.crt --key=tls.key")
def tls_secret(ctx):
    k8s.field_equals(ctx.kube, "Secret", P.tls_secret, P.namespace, "type", "kubernetes.io/tls")
    k8s.secret_has_keys(ctx.kube, P.namespace, P.tls_secret, ["tls.crt", "tls.key"])
    crt = (k8s.must_get(ctx.kube, "Secret", P.tls_secret, P.namespace).get("data") or {}).get("tls.crt") or ""
    try:
        pem = base64.b64decode(crt)
    except ValueError:
        pem = b""
    if not cert_names(pem, P.tls_cn):
        raise Failed(f"secret {P.tls_secret} tls.crt: expected a certificate for {P.tls_cn} (its CN or a DNS name), "
                     "found a certificate for other names", expected=P.tls_cn, found="other names")
    return f"secret {P.tls_secret} holds a certificate for {P.tls_cn} and its key"


def cert_names(pem: bytes, name: str) -> bool:
    """True when a PEM certificate names `name` as its subject CN or a subjectAltName DNS entry: the DER
    holds the name as a whole string value (UTF8String, PrintableString, IA5String, or SAN dNSName [2])."""
    value = name.encode()
    if len(value) > 127:
        return False
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem, re.S)
    for block in blocks:
        try:
            der = base64.b64decode(b"".join(block.split()))
        except ValueError:
            continue
        if any(bytes([tag, len(value)]) + value in der for tag in (0x0C, 0x13, 0x16, 0x82)):
            return True
    return False


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
lab.near_miss("wrong-cn", "the certificate is made for www.kubelab.example", params={"tls_cn": "www.kubelab.example"},
              fails=["tls-secret"])
lab.near_miss("wrong-password", "the registry password stored with a typo",
              params={"password": "pull-me-2026"}, fails=["secret-server"])


def _short(ref: str) -> str:
    """The image reference as students type it: docker.io/kubelab/web:v1 -> kubelab/web:v1."""
    return ref.removeprefix("docker.io/library/").removeprefix("docker.io/")


def _tls_steps(p, create):
    return [Run(["mkdir", "-p", p.workdir]),
            Run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{p.workdir}/web.key", "-x509",
                 "-days", "365", "-out", f"{p.workdir}/web.crt", "-subj", f"/CN={p.tls_cn}"]),
            create]


@lab.variant("hand-built-dockerconfigjson", "the .dockerconfigjson written by hand (an `https://` server key and "
             "only the `auth` field) in a YAML Secret, the pod in YAML with the short image name, the TLS Secret "
             "as `create secret generic --type=kubernetes.io/tls`")
def hand_built_dockerconfigjson(p):
    auth = base64.b64encode(f"{p.username}:{p.password}".encode()).decode()
    config = json.dumps({"auths": {f"https://{p.server}": {"auth": auth}}})
    secret = {"apiVersion": "v1", "kind": "Secret", "type": DOCKERCFG_TYPE,
              "metadata": {"name": p.secret, "namespace": p.namespace},
              "data": {".dockerconfigjson": base64.b64encode(config.encode()).decode()}}
    pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"namespace": p.namespace, "name": p.pod},
           "spec": {"containers": [{"image": _short(lab_image(p.image)), "name": p.pod}],
                    "imagePullSecrets": [{"name": p.pull_secret}]}}
    return [Apply([secret, pod]),
            *_tls_steps(p, Run(["kubectl", "create", "secret", "generic", p.tls_secret, "--type=kubernetes.io/tls",
                                f"--from-file=tls.crt={p.workdir}/web.crt", f"--from-file=tls.key={p.workdir}/web.key",
                                "-n", p.namespace])),
            Run(["kubectl", "wait", f"pod/{p.pod}", "-n", p.namespace, "--for=condition=Ready", "--timeout=90s"])]


@lab.variant("service-account-pull-secret", "`--docker-server=https://...` with an e-mail, the Secret attached to "
             "the namespace's default ServiceAccount (which adds it to every new pod's imagePullSecrets), the pod "
             "made with `kubectl run`")
def service_account_pull_secret(p):
    return [Run(["kubectl", "create", "secret", "docker-registry", p.secret, f"--docker-server=https://{p.server}",
                 f"--docker-username={p.username}", f"--docker-password={p.password}",
                 f"--docker-email={p.username}@kubelab.example", "-n", p.namespace]),
            *_tls_steps(p, Run(["kubectl", "create", "secret", "tls", p.tls_secret, "-n", p.namespace,
                                f"--key={p.workdir}/web.key", f"--cert={p.workdir}/web.crt"])),
            Run(["kubectl", "wait", "--for=create", "serviceaccount/default", "-n", p.namespace, "--timeout=60s"]),
            Run(["kubectl", "patch", "serviceaccount", "default", "-n", p.namespace,
                 "-p", json.dumps({"imagePullSecrets": [{"name": p.pull_secret}]})]),
            Run(["kubectl", "run", p.pod, "-n", p.namespace, f"--image={_short(lab_image(p.image))}"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]


@lab.variant("from-docker-config", "a `docker login`-style config.json (only `auth`, as docker login writes it) "
             "loaded with `create secret generic --from-file=.dockerconfigjson=... --type=...`, as the Kubernetes "
             "docs show; the pod from YAML with imagePullPolicy Never")
def from_docker_config(p):
    auth = base64.b64encode(f"{p.username}:{p.password}".encode()).decode()
    config = json.dumps({"auths": {p.server: {"auth": auth}}}, indent="\t")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.pod, "namespace": p.namespace,
                                                           "labels": {"app": "private-web"}},
           "spec": {"imagePullSecrets": [{"name": p.pull_secret}],
                    "containers": [{"name": "app", "image": lab_image(p.image), "imagePullPolicy": "Never",
                                    "ports": [{"containerPort": 80}]}]}}
    return [Run(["mkdir", "-p", f"{p.workdir}/docker"]),
            Run(["sh", "-c", f"cat > {p.workdir}/docker/config.json <<'EOF'\n{config}\nEOF"]),
            Run(["kubectl", "create", "secret", "generic", p.secret, "-n", p.namespace,
                 f"--from-file=.dockerconfigjson={p.workdir}/docker/config.json",
                 f"--type={DOCKERCFG_TYPE}"]),
            Run(["rm", "-f", f"{p.workdir}/docker/config.json"]),
            Apply(pod),
            *_tls_steps(p, Run(["kubectl", "create", "secret", "tls", p.tls_secret, "-n", p.namespace,
                                f"--cert={p.workdir}/web.crt", f"--key={p.workdir}/web.key"])),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]
