"""Scheduling: a Deployment whose replicas never share a node (required pod anti-affinity)."""

from kubelab.cluster.api import lab_image
from kubelab.graders import placement_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-sched-anti-affinity",
    deployment="spread",
    labels={"app": "spread"},
    selector_labels={"app": "spread"},   # what the anti-affinity term selects (a near-miss selects other pods)
    replicas=2,
    rule="required",                     # "preferred" in a near-miss
    topology_key="kubernetes.io/hostname",
    image="web-v1",                      # image catalog key (cluster/images.yaml)
)
IMAGE = lab_image(P.image)
LABELS = ",".join(f"{k}={v}" for k, v in P.labels.items())

lab = Lab(
    id="sched-anti-affinity",
    title="Replicas spread across nodes by pod anti-affinity",
    topic="scheduling",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a Deployment `{P.deployment}` with **{P.replicas}** replicas of `{IMAGE}`
whose pods carry the label `{LABELS}`. No two of its pods may ever run on the same node: give the pod template a
**required** pod anti-affinity against pods labelled `{LABELS}` with the topologyKey `{P.topology_key}`.

All {P.replicas} replicas must be ready, each on its own worker. (Think about it: what would a third replica do
on this cluster with two schedulable workers?)""",
)


@lab.check("deployment-ready", f"Deployment {P.deployment} has {P.replicas} ready replicas", points=1,
           hint=f"`kubectl get deploy,pods -n {P.namespace} -o wide`; a replica that cannot find a free node stays "
                "Pending (FailedScheduling: didn't match pod anti-affinity rules)")
def deployment_ready(ctx):
    return placement_extra.deployment_available(ctx.kube, P.namespace, P.deployment, P.replicas)


@lab.check("anti-affinity-rule", f"Required pod anti-affinity on {LABELS} per {P.topology_key}", points=2,
           hint="spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution: "
                f"[{{labelSelector: {{matchLabels: {{{LABELS.replace('=', ': ')}}}}}, topologyKey: {P.topology_key}}}] "
                "(preferred... is only a wish)")
def anti_affinity_rule(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", P.deployment, P.namespace)
    anti = field(dep, "spec.template.spec.affinity.podAntiAffinity") or {}
    terms = anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
    if not terms:
        found = "only preferred terms" if anti.get("preferredDuringSchedulingIgnoredDuringExecution") else "none"
        raise Failed(f"deployment {P.deployment}: expected a required pod anti-affinity term, found {found}",
                     expected="requiredDuringSchedulingIgnoredDuringExecution", found=found)
    for t in terms:
        match = (t.get("labelSelector") or {}).get("matchLabels") or {}
        exprs = (t.get("labelSelector") or {}).get("matchExpressions") or []
        selects = (match and all(P.labels.get(k) == v for k, v in match.items())) or any(
            e.get("key") in P.labels and e.get("operator") == "In" and P.labels[e["key"]] in (e.get("values") or [])
            for e in exprs)
        if t.get("topologyKey") == P.topology_key and selects:
            return f"required anti-affinity on {LABELS} per {P.topology_key}"
    shown = "; ".join(f"{(t.get('labelSelector') or {}).get('matchLabels')} per {t.get('topologyKey')}" for t in terms)
    raise Failed(f"deployment {P.deployment} anti-affinity: expected a term selecting {LABELS} per {P.topology_key}, "
                 f"found {shown}", expected=f"{LABELS} per {P.topology_key}", found=shown)


@lab.check("pods-spread", f"{P.replicas} pods {LABELS} run on {P.replicas} different nodes", points=2,
           hint=f"`kubectl get pods -n {P.namespace} -o wide` shows the NODE column")
def pods_spread(ctx):
    return placement_extra.pods_on_distinct_nodes(ctx.kube, P.namespace, P.labels, P.replicas)


@lab.solution
def solution(p):
    term = {"labelSelector": {"matchLabels": dict(p.selector_labels)}, "topologyKey": p.topology_key}
    anti = ({"requiredDuringSchedulingIgnoredDuringExecution": [term]} if p.rule == "required"
            else {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": dict(p.labels)},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                    "template": {"metadata": {"labels": dict(p.labels)},
                                 "spec": {"terminationGracePeriodSeconds": 0,
                                          "affinity": {"podAntiAffinity": anti},
                                          "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}
    steps = [Apply(dep)]
    if p.replicas == P.replicas:  # a third replica stays Pending: do not wait for it
        steps.append(Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace,
                          "--timeout=90s"]))
    return steps


lab.near_miss("preferred", "preferred instead of required anti-affinity: spreading is only a wish",
              params={"rule": "preferred"}, fails=["anti-affinity-rule"], changes=["pods-spread"])
lab.near_miss("wrong-selector", "the anti-affinity term selects app=other, so it never repels the replicas",
              params={"selector_labels": {"app": "other"}}, fails=["anti-affinity-rule"], changes=["pods-spread"])
lab.near_miss("three-replicas", "3 replicas: the third finds no free worker and stays Pending",
              params={"replicas": 3}, fails=["deployment-ready"])
