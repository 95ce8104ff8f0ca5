"""Services: a NodePort Service on a fixed port, reached from outside the cluster at every node's IP."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-svc-nodeport-host",
    deployment="hello",
    labels={"app": "hello"},
    replicas=2,
    image="web-v2",                  # answers 'kubelab web v2' on port 80
    answer="kubelab web v2",
    container_port=80,
    port_name="http",
    service="hello",
    port=80,
    target_port=80,
    node_port=30917,                 # stated by the task (near-misses leave it out)
    type="NodePort",
    client_node="kubelab-control-plane",   # the node container the requests are sent from (outside any pod)
)
NS, D, S = P.namespace, P.deployment, P.service

lab = Lab(
    id="svc-nodeport-host",
    title="A NodePort Service reached from the host",
    topic="services",
    shape="course",
    minutes=8,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{D}` runs {P.replicas} pods of `{lab_image(P.image)}` answering `{P.answer}` on
port {P.container_port}. Make it reachable from **outside** the cluster: a Service `{S}` of type
**NodePort**, port {P.port}, forwarding to the pods' port {P.container_port}, on the fixed node port
**{P.node_port}**.

From your machine (the host of the kind nodes), every node's address must answer:
`kubectl get nodes -o wide` shows their INTERNAL-IP, and `curl http://<node-ip>:{P.node_port}/` prints
`{P.answer}`, on the control-plane node too, whether a pod of `{D}` runs there or not.

The check sends its requests from the node network (from the node container `{P.client_node}`, outside
every pod), as your host does.""",
)


@lab.check("node-port-fixed", f"Service {S} is a NodePort Service with port {P.port} on node port {P.node_port}",
           points=1, record_only=True,  # a class replay opens no port on the nodes
           hint=f"`kubectl create service nodeport {S} -n {NS} --tcp={P.port}:{P.container_port} "
                f"--node-port={P.node_port}`, or `nodePort: {P.node_port}` in the port of a YAML Service")
def node_port_fixed(ctx):
    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    kind = field(svc, "spec.type") or "ClusterIP"
    if kind != "NodePort":
        raise Failed(f"service {S} spec.type: expected NodePort, found {kind}", expected="NodePort", found=kind)
    ports = {int(p["port"]): p.get("nodePort") for p in field(svc, "spec.ports") or [] if p.get("port")}
    if P.port not in ports:
        raise Failed(f"service {S}: expected port {P.port}, found {', '.join(map(str, ports)) or 'none'}",
                     expected=str(P.port), found=", ".join(map(str, ports)) or "none")
    return k8s.expect_equal(f"service {S} port {P.port} nodePort", P.node_port, ports[P.port])


def node_ips(kube) -> dict[str, str]:
    out = {}
    for node in kube.list("Node"):
        for a in field(node, "status.addresses") or []:
            if a.get("type") == "InternalIP":
                out[node["metadata"]["name"]] = a["address"]
    return out


@lab.check("answers-on-every-node", f"Every node's IP answers {P.answer} on port {P.node_port}, from outside the pods",
           points=2, record_only=True, timeout=60,
           hint=f"`curl http://<node-ip>:{P.node_port}/` from the host; no answer while the node port differs, "
                f"the Service has no endpoints (`kubectl get endpointslices -n {NS}`) or its targetPort is not "
                f"{P.container_port}")
def answers_on_every_node(ctx):
    ips = node_ips(ctx.kube)
    if not ips:
        raise Failed("no node with an InternalIP found", expected="the nodes' addresses", found="none")
    seen = []
    for node, ip in sorted(ips.items()):
        url = f"http://{ip}:{P.node_port}/"
        rc, out = ctx.kube.node_exec(P.client_node, ["curl", "-s", "-m", "5", url])
        body = out.strip()
        if rc != 0 or P.answer not in body:
            found = repr(body[:60]) if rc == 0 else f"no answer (curl exit {rc}{': timeout' if rc == 28 else ''}" \
                                                     f"{': refused' if rc == 7 else ''})"
            raise Failed(f"{url} (node {node}): expected {P.answer!r}, found {found}", expected=P.answer, found=found)
        seen.append(f"{node} {ip}")
    return f"{P.answer!r} at :{P.node_port} of {', '.join(seen)}"


def deployment(p):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                 "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "web", "image": lab_image(p.image),
                                     "ports": [{"name": p.port_name, "containerPort": p.container_port}]}]}}},
    }


def service(p):
    port = {"port": p.port, "targetPort": p.target_port}
    if p.node_port and p.type != "ClusterIP":
        port["nodePort"] = p.node_port
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": {"type": p.type, "selector": dict(p.labels), "ports": [port]}}


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])]


@lab.seed
def seed(p):
    return [Apply(deployment(p))]


@lab.solution
def solution(p):
    return [Apply(service(p)), *_ready(p)]


lab.near_miss("random-node-port", "type NodePort, but the node port left to the API server (30000-32767, "
                                  "not the one stated)",
              params={"node_port": None}, fails=["node-port-fixed", "answers-on-every-node"])
lab.near_miss("wrong-target-port", "node port right, targetPort 8080: the pods listen on 80",
              params={"target_port": 8080}, fails=["answers-on-every-node"])
lab.near_miss("cluster-ip", "a ClusterIP Service: nothing listens on the nodes",
              params={"type": "ClusterIP"}, fails=["node-port-fixed", "answers-on-every-node"])


@lab.variant("create-service", "`kubectl create service nodeport --node-port` (port named 80-80)")
def create_service(p):
    return [Run(["kubectl", "create", "service", "nodeport", p.service, "-n", p.namespace,
                 f"--tcp={p.port}:{p.target_port}", f"--node-port={p.node_port}"]), *_ready(p)]


@lab.variant("expose-then-patch", "`kubectl expose --type=NodePort`, then the node port patched in")
def expose_patch(p):
    patch = {"spec": {"ports": [{"port": p.port, "nodePort": p.node_port}]}}
    return [Run(["kubectl", "expose", "deployment", p.deployment, "-n", p.namespace, "--type=NodePort",
                 f"--port={p.port}"]),
            Run(["kubectl", "patch", "service", p.service, "-n", p.namespace, "-p", json.dumps(patch)]), *_ready(p)]


@lab.variant("named-target-port", "YAML: targetPort by the container port's name, externalTrafficPolicy Cluster "
                                  "written out")
def named_target(p):
    m = service(p)
    m["spec"]["ports"][0].update({"targetPort": p.port_name, "name": "web", "protocol": "TCP"})
    m["spec"]["externalTrafficPolicy"] = "Cluster"
    return [Apply(m), *_ready(p)]
