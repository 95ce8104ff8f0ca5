"""Scheduling: label a node, place one pod by nodeSelector and one by required node affinity."""

import json

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
    # the task fixes disk=ssd; more keys (kubernetes.io/os: linux) narrow the nodes further, still all disk=ssd
    return k8s.field_contains(ctx.kube, "Pod", P.pod, P.namespace, "spec.nodeSelector", {P.label_key: P.label_value})


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
    terms = field(pod, "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms")
    # by what the rule admits, however it is written (values in any order, one term per value, extra
    # expressions the node meets): a node like P.node admitted exactly when its label_key is one of the values
    node = ctx.kube.get("Node", P.node) or {}
    base = {k: v for k, v in (field(node, "metadata.labels") or {}).items() if k != P.label_key}
    admits = {v: node_affinity_admits(terms, {**base, P.label_key: v})
              for v in [*P.affinity_values, "hdd", "other-value"]}
    admits[None] = node_affinity_admits(terms, base)
    wrong = [v for v, ok in admits.items() if ok != (v in P.affinity_values)]
    if terms and not wrong:
        return f"pod {P.affine_pod} requires {P.label_key} In {', '.join(P.affinity_values)}"
    exprs = [e for t in terms or [] for e in t.get("matchExpressions") or []]
    shown = "; ".join(f"{e.get('key')} {e.get('operator')} {','.join(e.get('values') or [])}" for e in exprs) or "none"
    why = ", ".join(f"{'admits' if admits[v] else 'refuses'} {P.label_key}={v}" if v else
                    f"{'admits' if admits[v] else 'refuses'} a node without {P.label_key}" for v in wrong)
    raise Failed(f"pod {P.affine_pod} required node affinity: expected {P.label_key} In "
                 f"{', '.join(P.affinity_values)}, found {shown}" + (f" (it {why})" if terms else ""),
                 expected=f"{P.label_key} In ...", found=shown)


def node_affinity_admits(terms: list | None, labels: dict) -> bool:
    """Do nodeSelectorTerms admit a node with these labels? Terms are ORed, a term's matchExpressions
    ANDed (In, NotIn, Exists, DoesNotExist, Gt, Lt); a term with no expressions admits nothing."""
    def holds(e):
        key, op, values = e.get("key"), e.get("operator"), e.get("values") or []
        have = labels.get(key)
        if op in ("Gt", "Lt"):
            try:
                return have is not None and (int(have) > int(values[0]) if op == "Gt" else int(have) < int(values[0]))
            except (ValueError, IndexError):
                return False
        return {"In": have is not None and have in values, "NotIn": have is None or have not in values,
                "Exists": key in labels, "DoesNotExist": key not in labels}.get(op, False)

    return any(t.get("matchExpressions") and all(holds(e) for e in t["matchExpressions"]) for t in terms or [])


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


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", f"pod/{p.affine_pod}",
                "--timeout=90s"])


@lab.variant("patch-node-run-overrides", "the label set with `kubectl patch node`, the first pod made by "
             "`kubectl run --overrides` with the short image kubelab/web:v1, the second's affinity with the values "
             "in the other order next to a kubernetes.io/os In [linux] expression")
def patch_node_run(p):
    labels = json.dumps({"metadata": {"labels": {p.label_key: p.label_value}}})
    overrides = json.dumps({"apiVersion": "v1", "spec": {"nodeSelector": {p.label_key: p.label_value}}})
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
                              {"key": p.label_key, "operator": "In", "values": list(reversed(p.affinity_values))}]}]}}}
    second = pod(p, p.affine_pod, {"affinity": affinity})
    second["spec"]["containers"][0]["image"] = "kubelab/web:v1"
    return [Run(["kubectl", "patch", "node", p.node, "-p", labels]),
            Run(["kubectl", "run", p.pod, "-n", p.namespace, "--image=kubelab/web:v1", f"--overrides={overrides}"]),
            Apply(second), _wait(p)]


@lab.variant("selector-extra-key-terms", "`kubectl label nodes`, a nodeSelector with kubernetes.io/os: linux "
             "besides disk=ssd, and the affinity as one nodeSelectorTerm per allowed value (terms are ORed)")
def extra_key_terms(p):
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": p.label_key, "operator": "In", "values": [v]}]} for v in p.affinity_values]}}}
    return [Run(["kubectl", "label", "nodes", p.node, f"{p.label_key}={p.label_value}"]),
            Apply([pod(p, p.pod, {"nodeSelector": {"kubernetes.io/os": "linux", p.label_key: p.label_value}}),
                   pod(p, p.affine_pod, {"affinity": affinity})]),
            _wait(p)]


lab.near_miss("affinity-one-value", "the affinity allows only ssd, not nvme",
              params={"affinity_values": ["ssd"]}, fails=["affinity-rule"], changes=["affinity-placed"])
