"""Scheduling: a node tainted NoSchedule that carries only the pods of a tolerating Deployment."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, placement_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.graders.meaning import toleration_matches
from kubelab.labs.model import Apply, Lab, NodeScope, Params, Run

P = Params(
    namespace="lab-sched-taint",
    node="kubelab-worker2",
    taint_key="dedicated",
    taint_value="gpu",
    effect="NoSchedule",
    deployment="gpu-app",
    labels={"app": "gpu-app"},
    replicas=2,
    tolerate=True,                    # False in a near-miss
    legacy="legacy",                  # seeded: a pod already on the node that does not tolerate the taint
    remove_legacy=True,
    image="web-v1",                   # image catalog key (cluster/images.yaml)
)
IMAGE = lab_image(P.image)
TAINT = f"{P.taint_key}={P.taint_value}:{P.effect}"

lab = Lab(
    id="sched-taint",
    title="A node tainted NoSchedule that only tolerating pods use",
    topic="scheduling",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    node_scope=NodeScope(nodes=(P.node,), taints=(P.taint_key,)),
    task=f"""\
The node `{P.node}` is to be reserved for GPU work. `kubelab lab start` has left a pod `{P.legacy}` running on it
in the namespace `{P.namespace}`.

1. Taint the node `{P.node}` with `{TAINT}`.
2. In `{P.namespace}` create a Deployment `{P.deployment}` ({P.replicas} replicas of `{IMAGE}`, pods labelled
   `app={P.labels['app']}`) whose pods **tolerate** the taint and run on `{P.node}` (pin them with a
   `nodeSelector` on `kubernetes.io/hostname`: a toleration allows a node, it does not attract pods to it).
3. Make sure that, of the pods in `{P.namespace}`, only tolerating pods are left on `{P.node}`. Does the taint
   evict `{P.legacy}` by itself?

Resetting the lab removes the taint (`kubectl taint node {P.node} {P.taint_key}-`).""",
)


@lab.check("node-tainted", f"Node {P.node} has the taint {TAINT}", points=2,
           hint=f"kubectl taint node {P.node} {TAINT} (a wrong one comes off with `kubectl taint node {P.node} "
                f"{P.taint_key}-`)")
def node_tainted(ctx):
    return k8s.node_has_taint(ctx.kube, P.node, P.taint_key, P.effect, P.taint_value)


@lab.check("deployment-tolerates", f"Deployment {P.deployment}'s pods tolerate {P.taint_key}", points=1,
           hint=f"spec.template.spec.tolerations: [{{key: {P.taint_key}, operator: Equal, value: {P.taint_value}, "
                f"effect: {P.effect}}}]")
def deployment_tolerates(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", P.deployment, P.namespace)
    tols = field(dep, "spec.template.spec.tolerations") or []
    if any(toleration_matches(t, P.taint_key, P.taint_value, P.effect) for t in tols):
        return f"deployment {P.deployment} tolerates {TAINT}"
    shown = ", ".join(f"{t.get('key') or '*'}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect') or '*'}"
                      f" ({t.get('operator') or 'Equal'})" for t in tols) or "none"
    raise Failed(f"deployment {P.deployment} tolerations: expected one for {TAINT}, found {shown}",
                 expected=TAINT, found=shown)


@lab.check("pods-on-node", f"{P.replicas} pods of {P.deployment} Running on {P.node}", points=2,
           hint=f"`kubectl get pods -n {P.namespace} -o wide`; without the toleration they stay Pending "
                "(FailedScheduling: untolerated taint)")
def pods_on_node(ctx):
    return placement_extra.pods_all_on_node(ctx.kube, P.namespace, P.labels, P.node, P.replicas)


@lab.check("only-tolerating", f"Only tolerating pods of {P.namespace} are left on {P.node}", points=2,
           requires=["node-tainted"], record_only=True,  # where the seeded pod ran: not replayable
           hint=f"NoSchedule keeps new pods away but does not evict running ones (NoExecute would): "
                f"`kubectl delete pod {P.legacy} -n {P.namespace}`")
def only_tolerating(ctx):
    return placement_extra.only_tolerating_pods_on_node(ctx.kube, P.namespace, P.node, P.taint_key)


@lab.seed
def seed(p):
    legacy = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.legacy, "namespace": p.namespace},
              "spec": {"nodeName": p.node, "terminationGracePeriodSeconds": 0,
                       "containers": [{"name": "web", "image": lab_image(p.image)}]}}
    return [Apply(legacy)]


@lab.solution
def solution(p):
    tol = [{"key": p.taint_key, "operator": "Equal", "value": p.taint_value, "effect": p.effect}] if p.tolerate else []
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": dict(p.labels)},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)},
                    "template": {"metadata": {"labels": dict(p.labels)},
                                 "spec": {"terminationGracePeriodSeconds": 0,
                                          "nodeSelector": {"kubernetes.io/hostname": p.node},
                                          "tolerations": tol,
                                          "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}
    steps = [Run(["kubectl", "taint", "node", p.node, f"{p.taint_key}={p.taint_value}:{p.effect}", "--overwrite"]),
             Apply(dep)]
    if p.remove_legacy:
        steps.append(Run(["kubectl", "delete", "pod", p.legacy, "-n", p.namespace],
                         note="NoSchedule does not evict the pod already there:"))
    if p.tolerate:  # without the toleration the pods stay Pending: do not wait for them
        steps.append(Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace,
                          "--timeout=90s"]))
    return steps


@lab.reset_steps
def reset(p):
    return [Run(["kubectl", "taint", "node", p.node, f"{p.taint_key}-"], ok_codes=(0, 1))]


lab.near_miss("no-toleration", "the Deployment has no toleration: its pods stay Pending",
              params={"tolerate": False}, fails=["deployment-tolerates", "pods-on-node"])
lab.near_miss("legacy-left", f"{P.legacy} is still on the node: NoSchedule did not evict it",
              params={"remove_legacy": False}, fails=["only-tolerating"])
lab.near_miss("prefer", "the taint is PreferNoSchedule, a soft wish",
              params={"effect": "PreferNoSchedule"}, fails=["node-tainted", "deployment-tolerates"],
              changes=["only-tolerating"])


def _rollout(p):
    return Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace, "--timeout=90s"])


@lab.variant("patch-node-exists", "the taint put on with `kubectl patch node`, a toleration `key: dedicated, "
             "operator: Exists` with no effect, the Deployment as `kubectl create deployment --dry-run=client "
             "-o yaml` writes it (short image kubelab/web:v1)")
def patch_node_exists(p):
    taint = json.dumps({"spec": {"taints": [{"key": p.taint_key, "value": p.taint_value, "effect": p.effect}]}})
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"creationTimestamp": None, "labels": dict(p.labels), "name": p.deployment,
                        "namespace": p.namespace},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)}, "strategy": {},
                    "template": {"metadata": {"creationTimestamp": None, "labels": dict(p.labels)},
                                 "spec": {"nodeSelector": {"kubernetes.io/hostname": p.node},
                                          "tolerations": [{"key": p.taint_key, "operator": "Exists"}],
                                          "containers": [{"image": "kubelab/web:v1", "name": "web",
                                                          "resources": {}}]}}},
           "status": {}}
    return [Run(["kubectl", "patch", "node", p.node, "--type=merge", "-p", taint]),
            Apply(dep),
            Run(["kubectl", "delete", "pod", p.legacy, "-n", p.namespace, "--grace-period=0", "--force"]),
            _rollout(p)]


@lab.variant("tolerate-all-affinity", "`kubectl taint nodes`, a tolerate-everything toleration "
             "(`- operator: Exists`), the pods pinned by required node affinity on kubernetes.io/hostname "
             "instead of a nodeSelector, the legacy pod deleted before the Deployment is made")
def tolerate_all(p):
    pin = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [p.node]}]}]}}}
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": p.deployment, "namespace": p.namespace},
           "spec": {"replicas": p.replicas,
                    "selector": {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}
                                                      for k, v in p.labels.items()]},
                    "template": {"metadata": {"labels": dict(p.labels)},
                                 "spec": {"terminationGracePeriodSeconds": 0, "affinity": pin,
                                          "tolerations": [{"operator": "Exists"}],
                                          "containers": [{"name": "gpu", "image": "docker.io/kubelab/web:v1"}]}}}}
    return [Run(["kubectl", "taint", "nodes", p.node, f"{p.taint_key}={p.taint_value}:{p.effect}"]),
            Run(["kubectl", "delete", "pod", p.legacy, "-n", p.namespace]),
            Apply(dep), _rollout(p)]


lab.near_miss("wrong-value", "the toleration is for dedicated=cpu: the pods do not tolerate dedicated=gpu",
              after=lambda p: [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                                    "-p", json.dumps([{"op": "replace", "path": "/spec/template/spec/tolerations/0/value",
                                                       "value": "cpu"}])])],
              fails=["deployment-tolerates", "pods-on-node"])
