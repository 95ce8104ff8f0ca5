"""Services: a Deployment behind a ClusterIP Service that a pod reaches by its DNS name."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, service_probe as sp
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-svc-clusterip-dns",
    deployment="web",
    labels={"app": "web"},
    replicas=2,
    image="web-v1",                  # answers 'kubelab web v1' on port 80
    answer="kubelab web v1",
    container_port=80,
    port_name="http",                # the container port's name
    service="web",
    port=8080,                       # the Service's port (what the task states)
    target_port=80,                  # what the reference writes (near-misses change it)
    cluster_ip=None,                 # None: allocated; "None": headless (a near-miss)
)
NS, D, S = P.namespace, P.deployment, P.service

lab = Lab(
    id="svc-clusterip-dns",
    title="A ClusterIP Service reached by its DNS name",
    topic="services",
    shape="course",
    minutes=8,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{D}` runs {P.replicas} pods of `{lab_image(P.image)}`; each answers
`{P.answer}` on container port {P.container_port} (named `{P.port_name}`).

Give it a stable address: a Service `{S}` of type **ClusterIP** that listens on port **{P.port}**
and forwards to the pods' port {P.container_port}, so that any pod in `{NS}` gets `{P.answer}` from
`http://{S}:{P.port}/` and from the full name `http://{S}.{NS}.svc.cluster.local:{P.port}/`.

Test it from a pod of your own, for example
`kubectl run client -n {NS} --rm -it --image={lab_image('busybox')} --restart=Never -- wget -qO- http://{S}:{P.port}/`.
Graded is what a pod in the namespace gets, whichever way you write the Service.""",
)


@lab.check("service-clusterip", f"Service {S} is a ClusterIP Service with a virtual IP", points=1,
           hint=f"`kubectl expose deployment {D} -n {NS} --port={P.port} --target-port={P.container_port}`; "
                "`kubectl get svc` shows its CLUSTER-IP (not `None`: a headless Service has no virtual IP)")
def service_clusterip(ctx):
    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    if kind != "ClusterIP":
        raise Failed(f"service {S} spec.type: expected ClusterIP, found {kind}", expected="ClusterIP", found=kind)
    ip = spec.get("clusterIP")
    if not ip or ip == "None":
        raise Failed(f"service {S} spec.clusterIP: expected a virtual IP, found {ip or 'nothing'} (headless)",
                     expected="an IP", found=str(ip))
    return f"service {S}: ClusterIP {ip}"


@lab.check("endpoints", f"Its endpoints are the ready pods of {D}, on port {P.container_port}", points=1,
           hint=f"`kubectl get endpointslices -n {NS} -l kubernetes.io/service-name={S}`: the selector must pick "
                f"the pods of {D} (`kubectl get pods -n {NS} --show-labels`) and targetPort must be "
                f"{P.container_port} or the name `{P.port_name}`")
def endpoints(ctx):
    from kubelab.graders import workloads_extra

    ready, _ = workloads_extra.endpoints_split(ctx.kube, NS, S)
    want = set(sp.ready_pod_ips(ctx.kube, NS, "Deployment", D).values())
    if not want or ready != want:
        raise Failed(f"service {S} endpoints: expected the ready pods of {D} ({', '.join(sorted(want)) or 'none'}), "
                     f"found {', '.join(sorted(ready)) or 'none'}", expected=", ".join(sorted(want)),
                     found=", ".join(sorted(ready)) or "none")
    ports = {n for _, n in sp.endpoint_ports(ctx.kube, NS, S)}
    if ports != {P.container_port}:
        shown = ", ".join(str(p) for p in sorted(ports)) or "none"
        raise Failed(f"service {S} endpoints: expected target port {P.container_port}, found {shown}",
                     expected=str(P.container_port), found=shown)
    return f"service {S} -> {', '.join(sorted(ready))} port {P.container_port}"


@lab.check("answers-by-name", f"From a pod in {NS}, http://{S}:{P.port}/ and the full name answer {P.answer}",
           points=2, timeout=60,
           hint=f"`kubectl run client -n {NS} --rm -it --image={lab_image('busybox')} --restart=Never -- "
                f"wget -qO- http://{S}:{P.port}/`; no answer: compare the Service's port/targetPort with the "
                "container port; `bad address`: the Service is missing or named otherwise")
def answers_by_name(ctx):
    with sp.probe_pod(ctx.kube, NS) as probe:
        short = sp.http_answers(probe, f"http://{S}:{P.port}/", P.answer)
        full = sp.http_answers(probe, f"http://{sp.fqdn(ctx.kube, S, NS)}:{P.port}/", P.answer)
    return f"{short}; {full}"


def deployment(p):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                 "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "web", "image": lab_image(p.image),
                                     "ports": [{"name": p.port_name, "containerPort": p.container_port}]}]}}},
    }


def service(p, target=None):
    spec = {"selector": dict(p.labels),
            "ports": [{"port": p.port, "targetPort": p.target_port if target is None else target}]}
    if p.cluster_ip:
        spec["clusterIP"] = p.cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": spec}


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])]


@lab.seed
def seed(p):
    return [Apply(deployment(p))]


@lab.solution
def solution(p):
    return [Apply(service(p)), *_ready(p)]


lab.near_miss("target-is-port", "targetPort left at the Service's port 8080: the pods listen on 80",
              params={"target_port": 8080}, fails=["endpoints", "answers-by-name"])
lab.near_miss("port-80", "the Service listens on 80, not the 8080 the task states",
              params={"port": 80}, fails=["answers-by-name"])
lab.near_miss("headless", "clusterIP: None: no virtual IP, the name resolves to the pods, which do not listen on 8080",
              params={"cluster_ip": "None"}, fails=["service-clusterip", "answers-by-name"])


@lab.variant("expose", "`kubectl expose deployment` with --port and --target-port")
def expose(p):
    return [Run(["kubectl", "expose", "deployment", p.deployment, "-n", p.namespace, f"--port={p.port}",
                 f"--target-port={p.target_port}"]), *_ready(p)]


@lab.variant("named-target-port", "YAML: targetPort by the container port's name, a port name, protocol written out")
def named_target(p):
    m = service(p, target=p.port_name)
    m["spec"]["ports"][0].update({"name": "web", "protocol": "TCP"})
    m["spec"]["type"] = "ClusterIP"
    return [Apply(m), *_ready(p)]


@lab.variant("create-service", "`kubectl create service clusterip` (selector app=<name>, port named 8080-80)")
def create_service(p):
    return [Run(["kubectl", "create", "service", "clusterip", p.service, "-n", p.namespace,
                 f"--tcp={p.port}:{p.target_port}"]), *_ready(p)]
