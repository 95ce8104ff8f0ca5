"""Probes: repair a Deployment whose broken probes keep its pod restarting and out of service."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-probes-repair",
    deployment="shop",
    container="web",
    image="web-v1",
    labels={"app": "shop"},
    port=80,
    health_path="/healthz",
    broken_port=8080,
    broken_path="/health",
)
IMAGE = lab_image(P.image)
NS, D = P.namespace, P.deployment

lab = Lab(
    id="probes-repair",
    title="Repair broken probes",
    topic="probes",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` runs `{IMAGE}` (an HTTP server on port {P.port} whose health
endpoint is `{P.health_path}`), but its pod never becomes Ready and keeps restarting. Find out why
(`kubectl describe pod`, the Events at the bottom) and repair the **Deployment** so that:

- its liveness probe asks `{P.health_path}` on port **{P.port}**;
- its readiness probe asks `{P.health_path}` on port **{P.port}**;
- the new pod is Ready and does not restart.

Change the Deployment, not the pod: probes of a running pod cannot be edited, and the Deployment
would recreate the broken pod anyway (`kubectl edit deploy {D} -n {NS}`).""",
)


@lab.check("liveness-fixed", f"Liveness probe: httpGet {P.health_path} on port {P.port}", points=1,
           hint=f"the seeded liveness probe asks port {P.broken_port}, where nothing listens")
def liveness_fixed(ctx):
    base = f"spec.template.spec.containers[name={P.container}].livenessProbe.httpGet"
    k8s.probe_port_is(ctx.kube, NS, D, P.container, "livenessProbe", P.port, kind="Deployment")  # a named port too
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, f"{base}.path", P.health_path)


@lab.check("readiness-fixed", f"Readiness probe: httpGet {P.health_path} on port {P.port}", points=1,
           hint=f"the seeded readiness probe asks {P.broken_path}, which answers 404")
def readiness_fixed(ctx):
    base = f"spec.template.spec.containers[name={P.container}].readinessProbe.httpGet"
    k8s.probe_port_is(ctx.kube, NS, D, P.container, "readinessProbe", P.port, kind="Deployment")
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, f"{base}.path", P.health_path)


@lab.check("pod-ready", "Its one pod is Running and Ready", points=2, requires=["readiness-fixed"],
           hint=f"`kubectl rollout status deploy/{D} -n {NS}`; `kubectl describe pod -n {NS} -l app={P.labels['app']}`")
def pod_ready(ctx):
    pod = workloads_extra.only_pod(ctx.kube, NS, P.labels)
    return k8s.pod_running_ready(ctx.kube, NS, pod["metadata"]["name"])


@lab.check("no-restarts", "The pod has not restarted and does not restart", points=2,
           requires=["liveness-fixed", "pod-ready"],
           hint="a liveness probe that fails restarts the container: RESTARTS in `kubectl get pods` grows")
def no_restarts(ctx):
    pod = workloads_extra.only_pod(ctx.kube, NS, P.labels)
    return k8s.restarts_stable(ctx.kube, NS, pod["metadata"]["name"], window=3, maximum=0)


def deployment(p, live_port, live_path, ready_port, ready_path):
    probe = {"periodSeconds": 1, "failureThreshold": 2, "timeoutSeconds": 1}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{
                    "name": p.container, "image": lab_image(p.image), "ports": [{"containerPort": p.port}],
                    "livenessProbe": {"httpGet": {"path": live_path, "port": live_port}, **probe},
                    "readinessProbe": {"httpGet": {"path": ready_path, "port": ready_port}, **probe},
                }],
            }},
        },
    }


@lab.seed
def seed(p):
    return [Apply(deployment(p, p.broken_port, p.health_path, p.port, p.broken_path))]


@lab.solution
def solution(p):
    return [
        Apply(deployment(p, p.port, p.health_path, p.port, p.health_path)),
        Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"]),
    ]


lab.near_miss("readiness-only", "fixed the readiness probe, left liveness on port 8080",
              after=lambda p: [Apply(deployment(p, p.broken_port, p.health_path, p.port, p.health_path)),
                               Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}",
                                    "--timeout=120s"]),
                               Run(["sleep", "5"])],
              fails=["liveness-fixed"], changes=["pod-ready", "no-restarts"])
lab.near_miss("liveness-only", "fixed the liveness probe, left readiness on /health",
              after=lambda p: [Apply(deployment(p, p.port, p.health_path, p.port, p.broken_path)),
                               Run(["sleep", "5"])],
              fails=["readiness-fixed"], changes=["pod-ready", "no-restarts"])


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])


@lab.variant("json-patch", "`kubectl patch --type=json`: replace the liveness port and the readiness path in place")
def json_patch(p):
    import json

    base = "/spec/template/spec/containers/0"
    ops = [{"op": "replace", "path": f"{base}/livenessProbe/httpGet/port", "value": p.port},
           {"op": "replace", "path": f"{base}/readinessProbe/httpGet/path", "value": p.health_path}]
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]


@lab.variant("named-port-strategic", "`kubectl patch` (strategic merge): the container port named http, both "
                                     "probes on `port: http`")
def named_port(p):
    import json

    patch = {"spec": {"template": {"spec": {"containers": [{
        "name": p.container,
        "ports": [{"containerPort": p.port, "name": "http"}],
        "livenessProbe": {"httpGet": {"path": p.health_path, "port": "http"}},
        "readinessProbe": {"httpGet": {"path": p.health_path, "port": "http"}},
    }]}}}}
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "-p", json.dumps(patch)]),
            _rollout(p)]


@lab.variant("edit-as-replace", "what `kubectl edit` does, spelled out: get the object, change the port and "
                                "the path with sed, `kubectl replace` it")
def edit_replace(p):
    # the deployment controller may write the status in between: a Conflict is retried, as by hand
    script = (f"for try in 1 2 3 4 5; do kubectl get deploy {p.deployment} -n {p.namespace} -o json | "
              f"sed -e 's/\"port\": {p.broken_port}/\"port\": {p.port}/' "
              f"-e 's#\"path\": \"{p.broken_path}\"#\"path\": \"{p.health_path}\"#' | "
              f"kubectl replace -f - && exit 0; sleep 1; done; exit 1")
    return [Run(["sh", "-c", script]), _rollout(p)]
