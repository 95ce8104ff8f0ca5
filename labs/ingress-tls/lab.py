"""Ingress with TLS: HTTPS for a host name, with the certificate from a Secret."""

from kubelab.cluster.api import lab_image
from kubelab.graders import http_probe, k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-ingress-tls",
    host="secure.kubelab.test",
    service="secure",                   # Service (and Deployment) behind the Ingress
    port=80,
    container_port=8080,
    secret="secure-tls",
    secret_type="kubernetes.io/tls",
    workdir="/tmp/kubelab-ingress-tls",  # where `start` writes the certificate and key for you
    cert_configmap="secure-cert",       # the same certificate (public part only), for reference
    ingress_class="traefik",
    tls=True,                           # near-misses turn these off
    client="client",
    image="busybox",
)
NS = P.namespace
CRT, KEY = f"{P.workdir}/tls.crt", f"{P.workdir}/tls.key"

lab = Lab(
    id="ingress-tls",
    title="HTTPS through an Ingress, with the certificate from a Secret",
    topic="services",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{P.service}` runs behind the Service `{P.service}` (port {P.port}); its page
says `{P.service} in {NS}`. `kubelab lab start` wrote a certificate for `{P.host}` and its private
key on this machine: `{CRT}` and `{KEY}` (the certificate alone is also in the ConfigMap
`{P.cert_configmap}`).

1. Create the TLS Secret `{P.secret}` in `{NS}` from these two files.
2. Create an Ingress that serves `https://{P.host}/` with that certificate and sends the requests to
   the Service `{P.service}`; plain `http://{P.host}/` keeps working too.

The cluster's controller (Traefik, IngressClass `{P.ingress_class}`, the default) answers HTTPS on
node port 32443 of every node. Test from this machine with
`curl -vk --resolve {P.host}:32443:<a node's IP> https://{P.host}:32443/` (`-k`: the certificate is
self-signed; `-v` shows which certificate came back).""",
)


def _ns(ctx) -> str:
    return ctx.kube.namespaces.get(NS, NS)


def _secret_cert(ctx) -> bytes:
    """The first certificate of the Secret's tls.crt (DER). Failed when the Secret has none."""
    import base64

    secret = k8s.must_get(ctx.kube, "Secret", P.secret, NS)
    raw = (field(secret, "data") or {}).get("tls.crt")
    certs = http_probe.pem_certificates(base64.b64decode(raw).decode(errors="replace")) if raw else []
    if not certs:
        raise Failed(f"secret {P.secret}: expected a PEM certificate under the key tls.crt, found "
                     f"keys {', '.join(sorted((field(secret, 'data') or {}))) or 'none'}",
                     expected="tls.crt", found=", ".join(sorted(field(secret, "data") or {})) or "none")
    return certs[0]


@lab.check("secret-tls", f"Secret {P.secret} is a TLS Secret holding the certificate for {P.host}", points=1,
           hint=f"`kubectl create secret tls {P.secret} -n {NS} --cert={CRT} --key={KEY}` makes a Secret of type "
                f"{P.secret_type} with the keys tls.crt and tls.key")
def secret_tls(ctx):
    secret = k8s.must_get(ctx.kube, "Secret", P.secret, NS)
    kind = field(secret, "type") or "Opaque"
    if kind != P.secret_type:
        raise Failed(f"secret {P.secret} type: expected {P.secret_type}, found {kind}",
                     expected=P.secret_type, found=kind)
    if not (field(secret, "data") or {}).get("tls.key"):
        raise Failed(f"secret {P.secret}: expected the key tls.key, found none", expected="tls.key", found="none")
    given = k8s.must_get(ctx.kube, "ConfigMap", P.cert_configmap, NS)
    want = http_probe.pem_certificates((field(given, "data") or {}).get("tls.crt", ""))
    have = _secret_cert(ctx)
    if not want or have != want[0]:
        raise Failed(f"secret {P.secret} tls.crt: expected the certificate in {CRT} "
                     f"({http_probe.cert_fingerprint(want[0] if want else b'')}), found "
                     f"{http_probe.cert_fingerprint(have)}",
                     expected=http_probe.cert_fingerprint(want[0] if want else b""),
                     found=http_probe.cert_fingerprint(have))
    return f"secret {P.secret}: {P.secret_type}, tls.crt = {http_probe.cert_fingerprint(have)}, tls.key present"


def _https(ctx) -> tuple[http_probe.Answer, http_probe.Controller]:
    ctl = http_probe.controller(ctx.kube)
    # the certificate is chosen by the TLS server name, the route by the Host header (a replay renames hosts)
    return http_probe.https_from_host(ctl, P.host, "/", host=http_probe.lab_host(ctx.kube, NS, P.host)), ctl


@lab.check("https-certificate", f"https://{P.host}/ presents the certificate of Secret {P.secret}", points=2,
           hint=f"the Ingress needs `tls: [{{hosts: [{P.host}], secretName: {P.secret}}}]`; without it the controller "
                "answers with its own default certificate (`curl -vk` shows `TRAEFIK DEFAULT CERT`)")
def https_certificate(ctx):
    want = _secret_cert(ctx)
    answer, ctl = _https(ctx)
    where = f"https://{P.host}/ via {ctl.node_address}:{ctl.https_port} (SNI {P.host})"
    if answer.certificate != want:
        raise Failed(f"{where}: expected the certificate of secret {P.secret} "
                     f"({http_probe.cert_fingerprint(want)}), found {http_probe.cert_fingerprint(answer.certificate)}",
                     expected=http_probe.cert_fingerprint(want), found=http_probe.cert_fingerprint(answer.certificate))
    return f"{where}: certificate {http_probe.cert_fingerprint(want)} (secret {P.secret})"


@lab.check("https-backend", f"https://{P.host}/ reaches Service {P.service}", points=2,
           hint=f"a rule for host {P.host}, path `/` (Prefix), to service {P.service} port {P.port}")
def https_backend(ctx):
    answer, ctl = _https(ctx)
    return http_probe.expect_body(answer, f"{P.service} in {_ns(ctx)}",
                                  f"https://{P.host}/ via {ctl.node_address}:{ctl.https_port}")


@lab.check("http-from-pod", f"From pod {P.client}: http://{P.host}/ reaches Service {P.service}", points=1,
           hint=f"`kubectl exec -n {NS} {P.client} -- wget -qO- --header 'Host: {P.host}' http://traefik.kube-system/`")
def http_from_pod(ctx):
    ctl = http_probe.controller(ctx.kube)
    answer = http_probe.from_pod(ctx.kube, NS, P.client, ctl, http_probe.lab_host(ctx.kube, NS, P.host), "/")
    return http_probe.expect_body(answer, f"{P.service} in {_ns(ctx)}", f"http://{P.host}/ from pod {P.client}")


# ---- seed ----------------------------------------------------------------------------------

def backend(p):
    labels = {"app": p.service}
    script = f'mkdir -p /www && echo "$APP in $NAMESPACE" > /www/index.html && exec httpd -f -p {p.container_port} -h /www'
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.service, "namespace": p.namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "terminationGracePeriodSeconds": 0,
                      "containers": [{
                          "name": p.service, "image": lab_image(p.image), "command": ["sh", "-c", script],
                          "env": [{"name": "APP", "value": p.service},
                                  {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
                          "ports": [{"name": "http", "containerPort": p.container_port}],
                          "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 2},
                      }]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": p.port, "targetPort": "http"}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.client, "namespace": p.namespace},
         "spec": {"terminationGracePeriodSeconds": 0, "containers": [
             {"name": "client", "image": lab_image(p.image), "command": ["sleep", "86400"]}]}},
    ]


@lab.seed
def seed(p):
    cert = (f"rm -rf {p.workdir} && mkdir -p {p.workdir} && chmod 700 {p.workdir} && "
            f"openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN={p.host} "
            f"-addext subjectAltName=DNS:{p.host} -keyout {p.workdir}/tls.key -out {p.workdir}/tls.crt 2>/dev/null")
    return [Run(["sh", "-c", cert]),
            Run(["kubectl", "create", "configmap", p.cert_configmap, "-n", p.namespace,
                 f"--from-file=tls.crt={p.workdir}/tls.crt"]),
            Apply(backend(p))]


@lab.reset_steps
def reset_steps(p):
    # the key written by `start` goes with the lab. (Reset steps also make a class replay of this lab
    # run one record at a time: the controller keeps one certificate per host name for the whole
    # cluster, so two replays holding certificates for the same host would see each other's.)
    return [Run(["rm", "-rf", p.workdir])]


# ---- solution, variants, near-misses -------------------------------------------------------

def ingress(p, tls_hosts=True, ingress_class=True):
    spec = {"rules": [{"host": p.host, "http": {"paths": [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": p.service, "port": {"number": p.port}}}}]}}]}
    if p.tls:
        spec["tls"] = [{"hosts": [p.host], "secretName": p.secret} if tls_hosts else {"secretName": p.secret}]
    if ingress_class:
        spec = {"ingressClassName": p.ingress_class, **spec}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": p.service, "namespace": p.namespace}, "spec": spec}


def _secret(p):
    kind = "tls" if p.secret_type == "kubernetes.io/tls" else "generic"
    files = [f"--cert={p.workdir}/tls.crt", f"--key={p.workdir}/tls.key"] if kind == "tls" else [
        f"--from-file=tls.crt={p.workdir}/tls.crt", f"--from-file=tls.key={p.workdir}/tls.key"]
    return Run(["kubectl", "create", "secret", kind, p.secret, "-n", p.namespace, *files])


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.service}", "--timeout=120s"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.client}", "--timeout=120s"])]


@lab.solution
def solution(p):
    return [_secret(p), Apply(ingress(p)), *_ready(p)]


@lab.variant("kubectl-create", "`kubectl create ingress --rule='host/*=svc:80,tls=secret'`, the default class")
def kubectl_create(p):
    return [_secret(p),
            Run(["kubectl", "create", "ingress", p.service, "-n", p.namespace,
                 f"--rule={p.host}/*={p.service}:{p.port},tls={p.secret}"]), *_ready(p)]


@lab.variant("yaml-secret-no-tls-hosts", "the Secret written as YAML first (`--dry-run=client -o yaml`), then "
                                         "applied; a tls entry without hosts, no ingressClassName")
def yaml_secret(p):
    manifest = f"{p.workdir}/secret.yaml"
    make = (f"kubectl create secret tls {p.secret} -n {p.namespace} --cert={p.workdir}/tls.crt "
            f"--key={p.workdir}/tls.key --dry-run=client -o yaml > {manifest}")
    return [Run(["sh", "-c", make]), Run(["kubectl", "apply", "-f", manifest]),
            Apply(ingress(p, tls_hosts=False, ingress_class=False)), *_ready(p)]


lab.near_miss("no-tls", "the Secret exists but the Ingress has no tls section: the controller's default "
                        "certificate comes back", params={"tls": False}, fails=["https-certificate"])
lab.near_miss("generic-secret", "a generic (Opaque) Secret with the same two keys: served, but not a TLS Secret",
              params={"secret_type": "Opaque"}, fails=["secret-tls"])
lab.near_miss("wrong-host", "the rule names www.kubelab.test: the certificate is served, the route is not",
              after=lambda p: [Apply({**ingress(p), "spec": {**ingress(p)["spec"], "rules": [
                  {**ingress(p)["spec"]["rules"][0], "host": "www.kubelab.test"}]}})],
              fails=["https-backend", "http-from-pod"])
