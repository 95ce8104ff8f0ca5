"""Troubleshooting: a Deployment Pending because its nodeSelector matches no node."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-pending-nodeselector",
    deployment="api",
    container="web",
    image="web-v1",                   # image catalog key (cluster/images.yaml)
    labels={"app": "api"},
    replicas=2,
    broken_selector={"disktype": "ssd"},         # no node has this label
    selector=None,                    # the reference drops the nodeSelector
    control_plane_label="node-role.kubernetes.io/control-plane",
    control_plane="kubelab-control-plane",
    tolerate_control_plane=False,
)
IMAGE = lab_image(P.image)
NS, D = P.namespace, P.deployment
BROKEN = ", ".join(f"{k}={v}" for k, v in P.broken_selector.items())

lab = Lab(
    id="trouble-pending-nodeselector",
    title="Pods Pending: a nodeSelector no node matches",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` ({P.replicas} replicas of `{IMAGE}`) has no pod running: they all stay
`Pending`. Find out why (`kubectl describe pod`, the Events: `FailedScheduling`; `kubectl get nodes
--show-labels`) and repair **the Deployment** so that:

- all {P.replicas} replicas are Running and Ready;
- they run on **worker** nodes, not on the control plane.

Do not change the nodes (no new labels, no taints removed): the fix belongs in the Deployment. No
node carries the label the Deployment asks for today, and none should be made to.""",
)


def _pods(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    return workloads_extra.pods_matching(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or P.labels)


@lab.check("pods-ready", f"All {P.replicas} replicas of {D} are Running and Ready", points=2,
           hint=f"`kubectl describe pod -n {NS} -l app={P.labels['app']}`: FailedScheduling ... didn't match Pod's "
                f"node affinity/selector; the pod template asks for {BROKEN} (`kubectl get deploy {D} -n {NS} -o yaml`)")
def pods_ready(ctx):
    return workloads_extra.deployment_pods_run(ctx.kube, NS, D, IMAGE, P.replicas)


@lab.check("on-workers", "Every pod runs on a worker node, none on the control plane", points=1,
           hint=f"the control plane carries the label {P.control_plane_label} and a NoSchedule taint: a pod "
                "lands there only if it is made to tolerate it")
def on_workers(ctx):
    pods = _pods(ctx)
    if not pods:
        raise Failed(f"deployment {D}: expected pods on worker nodes, found no pods", expected="pods", found="none")
    placed = []
    for pod in pods:
        name, node_name = pod["metadata"]["name"], field(pod, "spec.nodeName")
        if not node_name:
            found = k8s.pod_phase_text(pod)
            raise Failed(f"pod {name}: expected to run on a worker node, found not scheduled ({found})",
                         expected="a worker node", found="not scheduled")
        node = k8s.must_get(ctx.kube, "Node", node_name)
        if P.control_plane_label in (field(node, "metadata.labels") or {}):
            raise Failed(f"pod {name}: expected to run on a worker node, found it on the control plane {node_name}",
                         expected="a worker node", found=node_name)
        placed.append(node_name)
    return f"{len(pods)} pod(s) on worker nodes ({', '.join(sorted(set(placed)))})"


def deployment(p, selector, tolerate=False):
    spec = {"terminationGracePeriodSeconds": 0,
            "containers": [{"name": p.container, "image": lab_image(p.image), "ports": [{"containerPort": 80}]}]}
    if selector:
        spec["nodeSelector"] = dict(selector)
    if tolerate:
        spec["tolerations"] = [{"key": p.control_plane_label, "operator": "Exists", "effect": "NoSchedule"}]
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": p.replicas,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": spec},
        },
    }


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=90s"])


@lab.seed
def seed(p):
    return [Apply(deployment(p, p.broken_selector))]


@lab.solution
def solution(p):
    steps = [Apply(deployment(p, p.selector, p.tolerate_control_plane),
                   note="The same Deployment without the nodeSelector no node satisfies:")]
    if p.selector != {"disktype": "SSD"}:   # a near-miss that still matches nothing would wait in vain
        steps.append(_rollout(p))
    return steps


lab.near_miss("still-no-match", "the selector changed to disktype=SSD: label values are case-sensitive, still no "
                                "node matches", params={"selector": {"disktype": "SSD"}},
              fails=["pods-ready", "on-workers"])
lab.near_miss("on-control-plane", "the pods pinned to the control plane by hostname, with a toleration for its "
                                  "taint: they run, on the wrong node",
              params={"selector": {"kubernetes.io/hostname": P.control_plane}, "tolerate_control_plane": True},
              fails=["on-workers"])


@lab.variant("json-patch-remove", "`kubectl patch --type=json`: remove /spec/template/spec/nodeSelector")
def json_patch_remove(p):
    ops = [{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]


@lab.variant("os-linux", "`kubectl patch` (strategic merge): the selector replaced by kubernetes.io/os=linux, which "
                         "every node has")
def os_linux(p):
    patch = {"spec": {"template": {"spec": {"nodeSelector": {**{k: None for k in p.broken_selector},
                                                             "kubernetes.io/os": "linux"}}}}}
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "-p", json.dumps(patch)]),
            _rollout(p)]


@lab.variant("affinity-not-control-plane", "the nodeSelector replaced by a required node affinity: the node must "
                                           "not carry the control-plane label (DoesNotExist)")
def affinity(p):
    dep = deployment(p, None)
    dep["spec"]["template"]["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": p.control_plane_label, "operator": "DoesNotExist"}]}]}}}
    return [Apply(dep), _rollout(p)]
