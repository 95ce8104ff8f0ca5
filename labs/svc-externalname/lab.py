"""Services: an ExternalName Service, a DNS alias (CNAME) for another name."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, service_probe as sp
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-svc-externalname",
    service="kube-api",
    target="kubernetes.default.svc.cluster.local",    # the API server's Service, there in every cluster
    target_service="kubernetes",
    target_namespace="default",
    external_name="kubernetes.default.svc.cluster.local",   # what the reference writes (near-misses change it)
    type="ExternalName",
)
NS, S = P.namespace, P.service

lab = Lab(
    id="svc-externalname",
    title="An ExternalName Service: a DNS alias",
    topic="services",
    shape="course",
    minutes=6,
    params=P,
    namespace=P.namespace,
    task=f"""\
The applications in `{NS}` are configured to call the Kubernetes API as `https://{S}/`. Make that name
an **alias**: a Service `{S}` of type **ExternalName** whose DNS answer is a CNAME to
`{P.target}` (the Service `{P.target_service}` of the namespace `{P.target_namespace}`), so that from a pod
in `{NS}`

- `nslookup {S}` shows the canonical name `{P.target}`, and
- the name resolves to the cluster IP of that Service (`kubectl get svc {P.target_service} -n {P.target_namespace}`).

No selector, no endpoints, no proxying: only the cluster DNS answers. Check with
`kubectl run dns -n {NS} --rm -it --image={lab_image('busybox')} --restart=Never -- nslookup {S}`.""",
)


@lab.check("service-externalname", f"Service {S} is of type ExternalName", points=1,
           hint=f"`kubectl create service externalname {S} -n {NS} --external-name {P.target}`")
def service_externalname(ctx):
    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    kind = field(svc, "spec.type") or "ClusterIP"
    if kind != "ExternalName":
        raise Failed(f"service {S} spec.type: expected ExternalName, found {kind}", expected="ExternalName", found=kind)
    return f"service {S}: ExternalName {field(svc, 'spec.externalName')}"


@lab.check("cname-resolves", f"{S} answers with a CNAME to {P.target} and resolves to its cluster IP", points=2,
           timeout=60,
           hint=f"the externalName must be the full name {P.target}: a short name such as "
                f"`{P.target_service}.{P.target_namespace}` is returned as it is, and nothing resolves it")
def cname_resolves(ctx):
    target = k8s.must_get(ctx.kube, "Service", P.target_service, P.target_namespace)
    ip = field(target, "spec.clusterIP")
    with sp.probe_pod(ctx.kube, NS) as probe:
        got = sp.dns_lookup(probe, sp.fqdn(ctx.kube, S, NS))
    if P.target not in got.cnames:
        found = ", ".join(got.cnames) or ("NXDOMAIN" if got.nxdomain else "no CNAME")
        raise Failed(f"{S}: expected a CNAME to {P.target}, found {found}"
                     + (f" (addresses {', '.join(got.addresses)})" if got.addresses else ""),
                     expected=P.target, found=found)
    if got.addresses != [ip]:
        found = ", ".join(got.addresses) or "no address"
        raise Failed(f"{S} -> {' -> '.join(got.cnames)}: expected the address {ip}, found {found}",
                     expected=ip, found=found)
    return f"{S} -> CNAME {' -> '.join(got.cnames)} -> {ip}"


def service(p):
    spec = {"type": "ExternalName", "externalName": p.external_name}
    if p.type == "ClusterIP":  # the near-miss: a Service of its own instead of an alias
        spec = {"type": "ClusterIP", "selector": {"component": "apiserver"}, "ports": [{"port": 443}]}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": spec}


@lab.seed
def seed(p):
    return []


@lab.solution
def solution(p):
    return [Apply(service(p))]


lab.near_miss("short-name", "externalName kubernetes.default: the CNAME is returned as written and does not resolve",
              params={"external_name": "kubernetes.default"}, fails=["cname-resolves"])
lab.near_miss("cluster-ip", "a ClusterIP Service named kube-api (selector component=apiserver): a virtual IP of "
                            "its own, no alias", params={"type": "ClusterIP"},
              fails=["service-externalname", "cname-resolves"])


@lab.variant("create-service", "`kubectl create service externalname`")
def create_service(p):
    return [Run(["kubectl", "create", "service", "externalname", p.service, "-n", p.namespace,
                 f"--external-name={p.external_name}"])]


@lab.variant("with-port", "YAML listing a port (443, harmless: an ExternalName Service does not proxy)")
def with_port(p):
    m = service(p)
    m["spec"]["ports"] = [{"name": "https", "port": 443, "protocol": "TCP"}]
    return [Apply(m)]
