"""Troubleshooting: a Deployment Pending because it requests more than any node has."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, meaning, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-pending-resources",
    deployment="report",
    container="web",
    image="web-v1",                   # image catalog key (cluster/images.yaml)
    labels={"app": "report"},
    replicas=2,
    max_memory="128Mi",               # the bound the task states
    max_cpu="250m",
    broken_memory="64Gi",             # what the seed asks for: more than any node has
    broken_cpu="4",
    memory="64Mi",                    # what the reference asks for
    cpu="100m",
)
IMAGE = lab_image(P.image)
NS, D = P.namespace, P.deployment

lab = Lab(
    id="trouble-pending-resources",
    title="Pods Pending: a request no node can satisfy",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` ({P.replicas} replicas of `{IMAGE}`) never gets a pod running: they all stay
`Pending`. Find out why (`kubectl describe pod`, the Events: `FailedScheduling`; compare with what the
nodes can offer, `kubectl describe node`) and repair the Deployment so that:

- all {P.replicas} replicas are Running and Ready;
- every container still **requests** memory and CPU (do not just delete the requests), at most
  **{P.max_memory}** of memory and at most **{P.max_cpu}** of CPU.

Any amount in any unit within those bounds is right.""",
)


def _pods(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    pods = workloads_extra.pods_matching(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or P.labels)
    if not pods:
        raise Failed(f"deployment {D}: expected {P.replicas} pod(s), found none", expected=str(P.replicas), found="0")
    return pods


def _requests_within(ctx, resource, bound):
    """What the student's pod template requests: its request, or else its limit (the API server copies
    a limit into an unset request). Read from the Deployment, not its pods: a namespace's LimitRange
    (an autograde replay has one) would give pods a default request the student never wrote."""
    limit = meaning.parse_quantity(bound)
    seen = []
    _pods(ctx)
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    for c in field(dep, "spec.template.spec.containers") or []:
        raw = field(c, f"resources.requests.{resource}")
        if raw is None:
            raw = field(c, f"resources.limits.{resource}")
        amount = meaning.parse_quantity(raw)
        where = f"deployment {D} container {c.get('name')}"
        if raw is None or amount is None or amount <= 0:
            raise Failed(f"{where} requests.{resource}: expected a request of at most {bound}, found "
                         f"{'none' if raw is None else raw}", expected=f"0 < {resource} <= {bound}",
                         found="none" if raw is None else str(raw))
        if amount > limit:
            raise Failed(f"{where} requests.{resource}: expected at most {bound}, found {raw}",
                         expected=f"<= {bound}", found=str(raw))
        seen.append(str(raw))
    return f"every container requests {resource} within {bound} ({', '.join(sorted(set(seen)))})"


@lab.check("pods-ready", f"All {P.replicas} replicas of {D} are Running and Ready", points=2,
           hint=f"`kubectl describe pod -n {NS} -l app={P.labels['app']}`: FailedScheduling says "
                "`Insufficient memory`/`Insufficient cpu`; `kubectl describe node` shows Allocatable")
def pods_ready(ctx):
    return workloads_extra.deployment_pods_run(ctx.kube, NS, D, IMAGE, P.replicas)


@lab.check("memory-request", f"Every container requests memory, at most {P.max_memory}", points=1,
           hint=f"resources.requests.memory in the pod template: a quantity such as 64Mi (at most {P.max_memory}); "
                f"`kubectl set resources deploy/{D} -n {NS} --requests=memory=...`")
def memory_request(ctx):
    return _requests_within(ctx, "memory", P.max_memory)


@lab.check("cpu-request", f"Every container requests CPU, at most {P.max_cpu}", points=1,
           hint=f"resources.requests.cpu: 100m is a tenth of a core, 1 is a whole one (at most {P.max_cpu})")
def cpu_request(ctx):
    return _requests_within(ctx, "cpu", P.max_cpu)


def deployment(p, resources):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": p.replicas,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": lab_image(p.image), "ports": [{"containerPort": 80}],
                                "resources": resources}],
            }},
        },
    }


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=90s"])


@lab.seed
def seed(p):
    return [Apply(deployment(p, {"requests": {"memory": p.broken_memory, "cpu": p.broken_cpu}}))]


@lab.solution
def solution(p):
    requests = {k: v for k, v in (("memory", p.memory), ("cpu", p.cpu)) if v is not None}
    return [Apply(deployment(p, {"requests": requests} if requests else {}),
                  note="Ask for what the app needs, well within a node:"), _rollout(p)]


lab.near_miss("requests-deleted", "the requests deleted: the pods run, but request nothing",
              params={"memory": None, "cpu": None}, fails=["memory-request", "cpu-request"])
lab.near_miss("cpu-too-big", "memory fixed, CPU lowered to 500m only: it schedules, above the bound",
              params={"cpu": "500m"}, fails=["cpu-request"])
lab.near_miss("memory-too-big", "memory lowered to 256Mi: it schedules, above the bound",
              params={"memory": "256Mi"}, fails=["memory-request"])


@lab.variant("set-resources-bytes", "`kubectl set resources` with the memory in bytes (134217728 = 128Mi) and "
                                    "the CPU as a fraction (0.25 = 250m)")
def set_resources(p):
    return [Run(["kubectl", "set", "resources", f"deployment/{p.deployment}", "-n", p.namespace,
                 "--requests=memory=134217728,cpu=0.25"]), _rollout(p)]


@lab.variant("limits-only", "`kubectl patch --type=json`: the requests replaced by limits of 100Mi / 200m only "
                            "(the API server sets the requests to the limits)")
def limits_only(p):
    ops = [{"op": "replace", "path": "/spec/template/spec/containers/0/resources",
            "value": {"limits": {"memory": "100Mi", "cpu": "200m"}}}]
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]


lab.variant("kilobytes-millicores", "the reference with 65536Ki and 0.1 CPU", params={"memory": "65536Ki", "cpu": "0.1"})
