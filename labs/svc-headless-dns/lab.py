"""Services: a headless Service that gives every StatefulSet pod its own DNS name."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, service_probe as sp
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-svc-headless-dns",
    statefulset="db",
    labels={"app": "db"},
    replicas=2,
    image="web-v1",
    container_port=80,
    port_name="http",
    service="db",                    # = the StatefulSet's serviceName (seeded)
    selector={"app": "db"},          # what the reference selects (near-misses change it)
    cluster_ip="None",               # headless (a near-miss gives it a virtual IP)
)
NS, SS, S = P.namespace, P.statefulset, P.service
PODS = [f"{SS}-{i}" for i in range(P.replicas)]

lab = Lab(
    id="svc-headless-dns",
    title="A headless Service: one DNS name per StatefulSet pod",
    topic="services",
    shape="course",
    minutes=8,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the StatefulSet `{SS}` runs {P.replicas} pods (`{'`, `'.join(PODS)}`, label `app={P.labels['app']}`,
container port {P.container_port} named `{P.port_name}`). Its `serviceName` is `{S}`, but that Service does
not exist yet, so the pods have no DNS names.

Create the **headless** Service `{S}` that governs them, so that from any pod of the cluster

- `{PODS[0]}.{S}.{NS}.svc.cluster.local` resolves to the IP of pod `{PODS[0]}` (and likewise for
  every replica);
- `{S}.{NS}.svc.cluster.local` resolves to the IPs of all ready pods of `{SS}` (no virtual IP).

Check with `kubectl run dns -n {NS} --rm -it --image={lab_image('busybox')} --restart=Never -- nslookup {PODS[0]}.{S}`.""",
)


@lab.check("service-headless", f"Service {S} is headless (clusterIP: None)", points=1,
           hint=f"`clusterIP: None` in the Service's spec, or `kubectl create service clusterip {S} -n {NS} "
                f"--clusterip=None --tcp={P.container_port}:{P.container_port}`; the field cannot be changed on an "
                "existing Service: delete and re-create it")
def service_headless(ctx):
    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    ip = (svc.get("spec") or {}).get("clusterIP")
    if ip != "None":
        raise Failed(f"service {S} spec.clusterIP: expected None (headless), found {ip}", expected="None",
                     found=str(ip))
    return f"service {S} is headless"


def _pods(ctx):
    ips = sp.ready_pod_ips(ctx.kube, NS, "StatefulSet", SS)
    missing = [p for p in PODS if p not in ips]
    if missing:
        raise Failed(f"statefulset {SS}: expected ready pods {', '.join(PODS)}, missing {', '.join(missing)}",
                     expected=", ".join(PODS), found=", ".join(sorted(ips)) or "none")
    return ips


@lab.check("pod-records", f"Each pod's name {PODS[0]}.{S}.{NS}.svc.cluster.local ... resolves to that pod",
           points=2, timeout=60,
           hint=f"the pod records come from the Service named in the StatefulSet's serviceName ({S}), through its "
                f"endpoints: its selector must pick the pods (`kubectl get endpointslices -n {NS}`)")
def pod_records(ctx):
    ips = _pods(ctx)
    with sp.probe_pod(ctx.kube, NS) as probe:
        seen = [sp.resolves_to(probe, sp.fqdn(ctx.kube, S, NS, pod=pod), {ips[pod]}, f"pod {pod}") for pod in PODS]
    return "; ".join(seen)


@lab.check("service-record", f"{S}.{NS}.svc.cluster.local resolves to every ready pod of {SS}", points=1,
           timeout=60,
           hint=f"a headless Service's own name answers with its ready endpoints' IPs; a ClusterIP Service's with "
                "its one virtual IP")
def service_record(ctx):
    ips = _pods(ctx)
    with sp.probe_pod(ctx.kube, NS) as probe:
        return sp.resolves_to(probe, sp.fqdn(ctx.kube, S, NS), set(ips.values()), "the Service's name")


def statefulset(p):
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": p.statefulset, "namespace": p.namespace},
        "spec": {"serviceName": p.service, "replicas": p.replicas, "podManagementPolicy": "Parallel",
                 "selector": {"matchLabels": dict(p.labels)},
                 "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "web", "image": lab_image(p.image),
                                     "ports": [{"name": p.port_name, "containerPort": p.container_port}]}]}}},
    }


def service(p):
    spec = {"selector": dict(p.selector), "ports": [{"port": p.container_port, "targetPort": p.container_port}]}
    if p.cluster_ip:
        spec["clusterIP"] = p.cluster_ip
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": spec}


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"statefulset/{p.statefulset}",
                 "--timeout=120s"])]


@lab.seed
def seed(p):
    return [Apply(statefulset(p))]


@lab.solution
def solution(p):
    return [Apply(service(p)), *_ready(p)]


lab.near_miss("cluster-ip", "an ordinary ClusterIP Service: its name resolves to one virtual IP, not to the pods "
                            "(CoreDNS still answers the per-pod names, from the endpoints' hostnames)",
              params={"cluster_ip": None}, fails=["service-headless", "service-record"])
lab.near_miss("wrong-selector", "headless, but the selector app=database picks no pod: no endpoints, no records",
              params={"selector": {"app": "database"}}, fails=["pod-records", "service-record"])


@lab.variant("create-service", "`kubectl create service clusterip --clusterip=None`")
def create_service(p):
    return [Run(["kubectl", "create", "service", "clusterip", p.service, "-n", p.namespace, "--clusterip=None",
                 f"--tcp={p.container_port}:{p.container_port}"]), *_ready(p)]


@lab.variant("named-port", "YAML: a named port 8080 whose targetPort is the container port's name, "
                           "publishNotReadyAddresses written out")
def named_port(p):
    m = service(p)
    m["spec"]["ports"] = [{"name": "web", "port": 8080, "targetPort": p.port_name, "protocol": "TCP"}]
    m["spec"]["publishNotReadyAddresses"] = False
    return [Apply(m), *_ready(p)]


@lab.variant("no-ports", "headless without any port: DNS needs no port")
def no_ports(p):
    m = service(p)
    del m["spec"]["ports"]
    return [Apply(m), *_ready(p)]
