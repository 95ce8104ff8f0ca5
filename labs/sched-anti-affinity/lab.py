"""Scheduling: a Deployment whose replicas never share a node (required pod anti-affinity)."""

import json

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
    # by what the term selects, however its selector is written: it must repel the pods labelled LABELS
    # (matchLabels, matchExpressions In/Exists/NotIn ..., in this namespace)
    pods = field(dep, "spec.template.metadata.labels") or {}
    for t in terms:
        if t.get("topologyKey") == P.topology_key and selects(t.get("labelSelector"), pods) \
                and _in_namespace(t, P.namespace):
            return f"required anti-affinity on {LABELS} per {P.topology_key}"
    shown = "; ".join(f"{_show_selector(t.get('labelSelector'))} per {t.get('topologyKey')}" for t in terms)
    raise Failed(f"deployment {P.deployment} anti-affinity: expected a term selecting {LABELS} per {P.topology_key}, "
                 f"found {shown}", expected=f"{LABELS} per {P.topology_key}", found=shown)


def selects(selector: dict | None, labels: dict) -> bool:
    """Does a LabelSelector select an object with these labels? (a missing selector selects nothing,
    `{}` everything; the requirements of matchLabels and matchExpressions all hold)"""
    if selector is None:
        return False
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        ok = {"In": key in labels and labels[key] in values,
              "NotIn": key not in labels or labels[key] not in values,
              "Exists": key in labels, "DoesNotExist": key not in labels}.get(op, False)
        if not ok:
            return False
    return True


def _in_namespace(term: dict, namespace: str) -> bool:
    """The term looks at pods of this namespace (the default), by `namespaces` or by a namespaceSelector."""
    names, ns_sel = term.get("namespaces") or [], term.get("namespaceSelector")
    if not names and ns_sel is None:
        return True
    return namespace in names or (ns_sel is not None and selects(ns_sel, {"kubernetes.io/metadata.name": namespace}))


def _show_selector(selector: dict | None) -> str:
    if selector is None:
        return "no labelSelector"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    parts += [f"{e.get('key')} {e.get('operator')} {','.join(e.get('values') or [])}".strip()
              for e in selector.get("matchExpressions") or []]
    return ", ".join(parts) or "{} (everything)"


@lab.check("pods-spread", f"{P.replicas} pods {LABELS} run on {P.replicas} different nodes", points=2,
           hint=f"`kubectl get pods -n {P.namespace} -o wide` shows the NODE column")
def pods_spread(ctx):
    return placement_extra.pods_on_distinct_nodes(ctx.kube, P.namespace, P.labels, P.replicas)


def deployment(p, selector=None):
    term = {"labelSelector": selector or {"matchLabels": dict(p.selector_labels)}, "topologyKey": p.topology_key}
    anti = ({"requiredDuringSchedulingIgnoredDuringExecution": [term]} if p.rule == "required"
            else {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": dict(p.labels)},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                    "template": {"metadata": {"labels": dict(p.labels)},
                                 "spec": {"terminationGracePeriodSeconds": 0,
                                          "affinity": {"podAntiAffinity": anti},
                                          "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}
    return dep


@lab.solution
def solution(p):
    steps = [Apply(deployment(p))]
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


def _rollout(p):
    return Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace, "--timeout=90s"])


@lab.variant("create-dry-run-expressions", "the YAML of `kubectl create deployment --dry-run=client -o yaml` "
             "(short image kubelab/web:v1, empty strategy and resources) with the term's selector as "
             "matchExpressions app In [spread]")
def create_dry_run(p):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"creationTimestamp": None, "labels": dict(p.labels), "name": p.deployment,
                        "namespace": p.namespace},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)}, "strategy": {},
                    "template": {"metadata": {"creationTimestamp": None, "labels": dict(p.labels)},
                                 "spec": {"affinity": {"podAntiAffinity": {
                                     "requiredDuringSchedulingIgnoredDuringExecution": [{
                                         "labelSelector": {"matchExpressions": [
                                             {"key": k, "operator": "In", "values": [v]}
                                             for k, v in p.selector_labels.items()]},
                                         "topologyKey": p.topology_key}]}},
                                     "containers": [{"image": "kubelab/web:v1", "name": "web", "resources": {}}]}}},
           "status": {}}
    return [Apply(dep), _rollout(p)]


@lab.variant("create-patch-scale", "`kubectl create deployment --replicas=0`, the anti-affinity added with "
             "`kubectl patch` (a term naming its namespace, next to a preferred one), then `kubectl scale`")
def create_patch_scale(p):
    term = {"labelSelector": {"matchLabels": dict(p.selector_labels)}, "topologyKey": p.topology_key,
            "namespaces": [p.namespace]}
    patch = {"spec": {"template": {"spec": {"affinity": {"podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [term],
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 50, "podAffinityTerm": {"labelSelector": {"matchLabels": dict(p.selector_labels)},
                                               "topologyKey": "topology.kubernetes.io/zone"}}]}}}}}}
    return [Run(["kubectl", "create", "deployment", p.deployment, "--image=kubelab/web:v1", "--replicas=0",
                 "-n", p.namespace]),
            Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "-p", json.dumps(patch)]),
            Run(["kubectl", "scale", "deployment", p.deployment, f"--replicas={p.replicas}", "-n", p.namespace]),
            _rollout(p)]


lab.near_miss("contradicting-selector", "the term's selector has matchLabels app=other and matchExpressions "
              "app In [spread]: both must hold, so it selects no pod and repels nothing",
              after=lambda p: [Run(["kubectl", "delete", "deployment", p.deployment, "-n", p.namespace,
                                    "--cascade=foreground", "--wait=true"]),
                               Apply(deployment(p, {"matchLabels": {"app": "other"},
                                                    "matchExpressions": [{"key": k, "operator": "In", "values": [v]}
                                                                         for k, v in p.labels.items()]})),
                               _rollout(p)],
              fails=["anti-affinity-rule"], changes=["pods-spread"])
