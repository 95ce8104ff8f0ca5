"""Scheduling: label a node, place one pod by nodeSelector and one by required node affinity."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, NodeScope, Params, Run

P = Params(
    namespace="lab-sched-node-selector",
    node="kubelab-worker2",
    label_key="disk",
    label_value="ssd",
    selector_key="disk",              # what the pod asks for (a near-miss misspells it)
    affinity_values=["ssd", "nvme"],
    pod="fast-app",
    affine_pod="affine-app",
    image="web-v1",                   # image catalog key (cluster/images.yaml)
)
IMAGE = lab_image(P.image)
LABEL = f"{P.label_key}={P.label_value}"

lab = Lab(
    id="sched-node-selector",
    title="A labelled node, a pod placed by nodeSelector and one by node affinity",
    topic="scheduling",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    node_scope=NodeScope(nodes=(P.node,), labels=(P.label_key,)),
    task=f"""\
1. Label the node `{P.node}` with `{LABEL}`.
2. In the namespace `{P.namespace}` create a pod `{P.pod}` running `{IMAGE}` that may only run on nodes labelled
   `{LABEL}`: use a **nodeSelector**.
3. Create a second pod `{P.affine_pod}` running `{IMAGE}` with a **required node affinity**: the node's label
   `{P.label_key}` must be one of {", ".join(f"`{v}`" for v in P.affinity_values)} (operator `In`).

Both pods must be Running on `{P.node}`. Resetting the lab removes the label again
(`kubectl label node {P.node} {P.label_key}-`).""",
)


@lab.check("node-labelled", f"Node {P.node} has the label {LABEL}", points=1,
           hint=f"kubectl label node {P.node} {LABEL} (add --overwrite to change a wrong value)")
def node_labelled(ctx):
    return k8s.labels_include(ctx.kube, "Node", P.node, None, {P.label_key: P.label_value})


@lab.check("pod-selector", f"Pod {P.pod} has nodeSelector {LABEL}", points=1,
           hint=f"spec.nodeSelector: {{{P.label_key}: {P.label_value}}} (the key must match the node label exactly)")
def pod_selector(ctx):
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, "spec.nodeSelector", {P.label_key: P.label_value})


@lab.check("pod-placed", f"Pod {P.pod} runs on a node labelled {LABEL}", points=2, requires=["pod-selector"],
           hint=f"a pod whose selector no node matches stays Pending (`kubectl describe pod {P.pod} -n {P.namespace}`: "
                "FailedScheduling ... didn't match Pod's node affinity/selector)")
def pod_placed(ctx):
    k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)
    return k8s.pod_on_labeled_node(ctx.kube, P.namespace, P.pod, P.label_key, P.label_value)


@lab.check("affinity-rule", f"Pod {P.affine_pod} requires {P.label_key} In {', '.join(P.affinity_values)}", points=1,
           hint="`kubectl explain pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`: "
                f"nodeSelectorTerms: [{{matchExpressions: [{{key: {P.label_key}, operator: In, values: [...]}}]}}]")
def affinity_rule(ctx):
    pod = k8s.must_get(ctx.kube, "Pod", P.affine_pod, P.namespace)
    terms = field(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms") or []
    exprs = [e for t in terms for e in t.get("matchExpressions") or []]
    for e in exprs:
        if e.get("key") == P.label_key and e.get("operator") == "In" and set(e.get("values") or []) == set(P.affinity_values):
            return f"pod {P.affine_pod} requires {P.label_key} In {', '.join(P.affinity_values)}"
    shown = "; ".join(f"{e.get('key')} {e.get('operator')} {','.join(e.get('values') or [])}" for e in exprs) or "none"
    raise Failed(f"pod {P.affine_pod} required node affinity: expected {P.label_key} In "
                 f"{', '.join(P.affinity_values)}, found {shown}", expected=f"{P.label_key} In ...", found=shown)


@lab.check("affinity-placed", f"Pod {P.affine_pod} runs on {P.node}", points=1, requires=["affinity-rule"],
           hint="required affinity is a hard rule: with no matching node the pod stays Pending")
def affinity_placed(ctx):
    k8s.pod_running_ready(ctx.kube, P.namespace, P.affine_pod)
    return k8s.field_equals(ctx.kube, "Pod", P.affine_pod, P.namespace, "spec.nodeName", P.node)


def pod(p, name, spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "web", "image": lab_image(p.image)}], **spec}}


@lab.solution
def solution(p):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": p.label_key, "operator": "In", "values": list(p.affinity_values)}]}]}}}
    steps = [
        Run(["kubectl", "label", "node", p.node, f"{p.label_key}={p.label_value}", "--overwrite"]),
        Apply([pod(p, p.pod, {"nodeSelector": {p.selector_key: p.label_value}}),
               pod(p, p.affine_pod, {"affinity": affinity})]),
    ]
    if p.label_value == P.label_value and p.selector_key == P.selector_key:  # near-misses stay Pending
        steps.append(Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                          f"pod/{p.affine_pod}", "--timeout=90s"]))
    return steps


@lab.reset_steps
def reset(p):
    return [Run(["kubectl", "label", "node", p.node, f"{p.label_key}-"], ok_codes=(0, 1))]


lab.near_miss("wrong-value", "the node is labelled disk=hdd: no node matches, both pods stay Pending",
              params={"label_value": "hdd"}, fails=["node-labelled", "pod-selector", "affinity-placed"],
              changes=["pod-placed"])
lab.near_miss("selector-typo", "the pod asks for disktype=ssd instead of disk=ssd",
              params={"selector_key": "disktype"}, fails=["pod-selector"], changes=["pod-placed"])
