"""Services: one Service, two named ports, each forwarded to its own container port."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, service_probe as sp, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-svc-multi-port",
    deployment="shop",
    labels={"app": "shop"},
    replicas=2,
    image="web-v1",                     # answers 'kubelab web v1' on port 80
    answer="kubelab web v1",
    metrics_image="busybox",            # busybox httpd serving /metrics on 8081
    metrics_text="shop_orders_total 7",
    web_port=80, web_port_name="http",
    metrics_port=8081, metrics_port_name="metrics",
    service="shop",
    ports={"http": 80, "metrics": 9100},               # the Service's port names and numbers (task)
    targets={"http": 80, "metrics": 8081},             # what the reference writes (near-misses change it)
)
NS, D, S = P.namespace, P.deployment, P.service
METRICS = f"mkdir -p /www && echo '{P.metrics_text}' > /www/metrics && exec httpd -f -p {P.metrics_port} -h /www"

lab = Lab(
    id="svc-multi-port",
    title="One Service, two named ports",
    topic="services",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` each pod of the Deployment `{D}` has two containers: `web` answers `{P.answer}` on container
port {P.web_port} (named `{P.web_port_name}`), and `metrics` serves `/metrics` on container port
{P.metrics_port} (named `{P.metrics_port_name}`).

Create one Service `{S}` (ClusterIP) with **two ports**:

| Service port name | port | forwards to |
|---|---|---|
| `http` | {P.ports['http']} | the `web` container's port {P.web_port} |
| `metrics` | {P.ports['metrics']} | the `metrics` container's port {P.metrics_port} |

so that from a pod in `{NS}`, `http://{S}/` answers `{P.answer}` and
`http://{S}:{P.ports['metrics']}/metrics` answers `{P.metrics_text}`.""",
)


@lab.check("ports-named", f"Service {S} has the ports http={P.ports['http']} and metrics={P.ports['metrics']}",
           points=1,
           hint="a Service with more than one port must name each: `ports: [{name: http, port: 80, targetPort: ...}, "
                "{name: metrics, ...}]`; `kubectl get svc " + S + " -n " + NS + " -o yaml`")
def ports_named(ctx):
    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    want = set(P.ports.items())
    found = sp.service_ports(svc)
    if found != want:
        raise Failed(f"service {S} ports: expected {sp.show_ports(want)}, found {sp.show_ports(found)}",
                     expected=sp.show_ports(want), found=sp.show_ports(found))
    return f"service {S} ports {sp.show_ports(found)}"


@lab.check("endpoints-ports", f"Its endpoints are the ready pods of {D}, http on {P.web_port} and metrics on "
                              f"{P.metrics_port}", points=1,
           hint=f"`kubectl describe svc {S} -n {NS}` shows each port's TargetPort and Endpoints; a targetPort left "
                "out defaults to the Service's port, which the metrics container does not listen on")
def endpoints_ports(ctx):
    ready, _ = workloads_extra.endpoints_split(ctx.kube, NS, S)
    want = set(sp.ready_pod_ips(ctx.kube, NS, "Deployment", D).values())
    if not want or ready != want:
        raise Failed(f"service {S} endpoints: expected the ready pods of {D} ({', '.join(sorted(want)) or 'none'}), "
                     f"found {', '.join(sorted(ready)) or 'none'}", expected=", ".join(sorted(want)),
                     found=", ".join(sorted(ready)) or "none")
    want_ports = {("http", P.web_port), ("metrics", P.metrics_port)}
    found = sp.endpoint_ports(ctx.kube, NS, S)
    if found != want_ports:
        raise Failed(f"service {S} endpoint ports: expected {sp.show_ports(want_ports)}, found {sp.show_ports(found)}",
                     expected=sp.show_ports(want_ports), found=sp.show_ports(found))
    return f"service {S} -> {', '.join(sorted(ready))} ports {sp.show_ports(found)}"


@lab.check("answers-on-both", f"From a pod in {NS}: http://{S}/ and http://{S}:{P.ports['metrics']}/metrics answer",
           points=2, timeout=60,
           hint=f"`kubectl run c -n {NS} --rm -it --image={lab_image('busybox')} --restart=Never -- "
                f"wget -qO- http://{S}:{P.ports['metrics']}/metrics`")
def answers_on_both(ctx):
    with sp.probe_pod(ctx.kube, NS) as probe:
        web = sp.http_answers(probe, f"http://{S}:{P.ports['http']}/", P.answer)
        metrics = sp.http_answers(probe, f"http://{S}:{P.ports['metrics']}/metrics", P.metrics_text)
    return f"{web}; {metrics}"


def deployment(p):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                 "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [
                         {"name": "web", "image": lab_image(p.image),
                          "ports": [{"name": p.web_port_name, "containerPort": p.web_port}]},
                         {"name": "metrics", "image": lab_image(p.metrics_image),
                          "command": ["sh", "-c", METRICS],
                          "ports": [{"name": p.metrics_port_name, "containerPort": p.metrics_port}]},
                     ]}}},
    }


def service(p, targets=None):
    targets = targets or p.targets
    ports = [{"name": name, "port": port, **({"targetPort": targets[name]} if targets.get(name) else {})}
             for name, port in p.ports.items()]
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": {"selector": dict(p.labels), "ports": ports}}


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])]


@lab.seed
def seed(p):
    return [Apply(deployment(p))]


@lab.solution
def solution(p):
    return [Apply(service(p)), *_ready(p)]


lab.near_miss("metrics-target-left-out", "metrics without targetPort: it defaults to 9100, where nothing listens",
              params={"targets": {"http": 80}}, fails=["endpoints-ports", "answers-on-both"])
lab.near_miss("names-swapped", "the same traffic, but the names swapped: metrics is port 80, http is 9100",
              params={"ports": {"metrics": 80, "http": 9100}, "targets": {"metrics": 80, "http": 8081}},
              fails=["ports-named", "endpoints-ports"])
lab.near_miss("one-port", "only the http port", params={"ports": {"http": 80}},
              fails=["ports-named", "endpoints-ports", "answers-on-both"])


@lab.variant("named-targets", "YAML: targetPorts by the container ports' names, metrics listed first")
def named_targets(p):
    m = service(p, {"http": p.web_port_name, "metrics": p.metrics_port_name})
    m["spec"]["ports"].reverse()
    return [Apply(m), *_ready(p)]


@lab.variant("expose-then-edit", "`kubectl expose --dry-run=client -o yaml` (ports port-1/port-2 copied from the "
                                 "containers), edited with sed and applied")
def expose_edit(p):
    kubectl = 'kubectl --context "${KUBELAB_CONTEXT:-kind-kubelab}"'
    script = (f"{kubectl} expose deployment {p.deployment} -n {p.namespace} --dry-run=client -o yaml"
              f" | sed -e 's/port-1/http/' -e 's/port-2/metrics/'"
              f" -e 's/ port: {p.metrics_port}$/ port: {p.ports['metrics']}/'"
              f" | {kubectl} apply -f -")
    return [Run(["sh", "-c", script]), *_ready(p)]
