"""Troubleshooting: a Service whose targetPort points where the container does not listen."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-svc-targetport",
    deployment="api",
    labels={"app": "api"},
    replicas=2,
    image="web-v2",                    # busybox httpd on port 80, answers 'kubelab web v2'
    answer="kubelab web v2",
    container_port=80,
    port_name="http",                  # the container port's name (so `targetPort: http` works too)
    service="api",
    service_port=8080,                 # what clients call: http://api:8080/
    target_port=80,                    # what the repair sets (near-misses change it)
    broken_target=8080,                # the seeded mistake: targetPort copied from port
    client="client",
    client_image="busybox",
)
NS, D, S = P.namespace, P.deployment, P.service
URL = f"http://{S}:{P.service_port}/"

lab = Lab(
    id="trouble-svc-targetport",
    title="A Service that forwards to the wrong port",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{D}` runs {P.replicas} pods of `{lab_image(P.image)}`: an HTTP server
listening on port **{P.container_port}** (the container port is named `{P.port_name}`), answering
`{P.answer}`. Clients reach it through the Service `{S}` on port **{P.service_port}**, but every
request fails. Find out why (`kubectl describe svc {S} -n {NS}`, `kubectl get endpointslices -n {NS}`,
`kubectl get pods -n {NS} -o wide`) and repair the Service so that:

- it keeps listening on port {P.service_port} (clients call `{URL}`);
- from the pod `{P.client}` (there for you to test from, leave it running),
  `kubectl exec -n {NS} {P.client} -- timeout 5 wget -qO- {URL}` prints `{P.answer}`.

Leave the Deployment as it is: the server is right, the Service is wrong.""",
)


@lab.check("endpoints-port", f"Service {S}: {P.replicas} ready endpoints on the container's port {P.container_port}",
           points=1,
           hint=f"`kubectl get endpointslices -n {NS} -l kubernetes.io/service-name={S}` shows the port traffic "
                f"goes to: the Service's targetPort, which must be the port the container listens on "
                f"({P.container_port}, or its name)")
def endpoints_port(ctx):
    return k8s.service_endpoints(ctx.kube, NS, S, minimum=P.replicas, port=P.container_port)


@lab.check("answers-from-client", f"From pod {P.client}, {URL} answers {P.answer}", points=2,
           hint=f"`kubectl exec -n {NS} {P.client} -- timeout 5 wget -qO- {URL}`; `port` is what clients call, "
                "`targetPort` is where the pod listens")
def answers_from_client(ctx):
    k8s.pod_running_ready(ctx.kube, NS, P.client)
    rc, out, err = ctx.kube.exec(NS, P.client, ["timeout", "5", "wget", "-qO-", URL])
    body = out.strip()
    if rc != 0 or P.answer not in body:
        found = repr(body[:80]) if rc == 0 else f"no answer (wget exit {rc}: {(err or out).strip()[:80]})"
        raise Failed(f"{URL} from pod {P.client}: expected {P.answer!r}, found {found}",
                     expected=P.answer, found=found)
    return f"{URL} from pod {P.client} answers {body[:40]!r}"


def deployment(p):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": p.replicas,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": "web", "image": lab_image(p.image),
                                "ports": [{"containerPort": p.container_port, "name": p.port_name}]}],
            }},
        },
    }


def service(p, port, target):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": {"selector": dict(p.labels), "ports": [{"port": port, "targetPort": target}]}}


def client_pod(p):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.client, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [
                {"name": "client", "image": lab_image(p.client_image), "command": ["sleep", "3600"]}]}}


@lab.seed
def seed(p):
    return [Apply([deployment(p), service(p, p.service_port, p.broken_target), client_pod(p)])]


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.client}", "--timeout=120s"])]


def _json_patch(p, ops):
    return Run(["kubectl", "patch", "service", p.service, "-n", p.namespace, "--type=json", "-p", json.dumps(ops)])


@lab.solution
def solution(p):
    return [_json_patch(p, [{"op": "replace", "path": "/spec/ports/0/targetPort", "value": p.target_port}]),
            *_ready(p)]


lab.near_miss("port-changed-too", f"set targetPort to {P.target_port} and `port` to {P.target_port} as well: the "
                                  f"Service listens on {P.target_port}, not on the stated {P.service_port}",
              after=lambda p: [_json_patch(p, [{"op": "replace", "path": "/spec/ports/0/port",
                                                "value": p.target_port}])],
              fails=["answers-from-client"])
lab.near_miss("unknown-port-name", "targetPort: web, a name no container port has (no endpoints at all)",
              params={"target_port": "web"}, fails=["endpoints-port", "answers-from-client"])


@lab.variant("named-port", f"`kubectl patch` (strategic merge, ports merged by `port`): targetPort: {P.port_name}")
def named_port(p):
    patch = {"spec": {"ports": [{"port": p.service_port, "targetPort": p.port_name}]}}
    return [Run(["kubectl", "patch", "service", p.service, "-n", p.namespace, "-p", json.dumps(patch)]),
            *_ready(p)]


@lab.variant("reapply-yaml", "the Service applied again as YAML with a port name and protocol TCP")
def reapply(p):
    m = service(p, p.service_port, p.target_port)
    m["spec"]["ports"][0].update({"name": "web", "protocol": "TCP"})
    return [Apply(m), *_ready(p)]


@lab.variant("edit-as-replace", "what `kubectl edit` does: get the Service, fix targetPort with sed, "
                                "`kubectl replace`")
def edit_replace(p):
    script = (f"kubectl get svc {p.service} -n {p.namespace} -o json | "
              f"sed 's/\"targetPort\": {p.broken_target}/\"targetPort\": {p.target_port}/' | kubectl replace -f -")
    return [Run(["sh", "-c", script]), *_ready(p)]
