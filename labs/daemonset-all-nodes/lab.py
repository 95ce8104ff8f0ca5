"""Controllers: a DaemonSet on every node, the control plane included."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-daemonset-all-nodes",
    daemonset="node-agent",
    container="agent",
    image="busybox",
    labels={"app": "node-agent"},
    taint_key="node-role.kubernetes.io/control-plane",
    max_unavailable=1,
)
IMAGE = lab_image(P.image)
NS, DS = P.namespace, P.daemonset

lab = Lab(
    id="daemonset-all-nodes",
    title="A DaemonSet on every node, the control plane included",
    topic="controllers",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{NS}` create a DaemonSet `{DS}` (pod label `app={P.labels['app']}`) whose container
`{P.container}` runs `{IMAGE}` with `sh -c "exec sleep 3600"` - a stand-in for a log or metrics agent
that must run once on **every** node.

- The control-plane node carries the taint `{P.taint_key}:NoSchedule`; give the pods a toleration
  for it so they run there too.
- Updates roll node by node: `updateStrategy` RollingUpdate with `maxUnavailable: {P.max_unavailable}`.

`kubectl get ds {DS} -n {NS}` must show as many ready pods as `kubectl get nodes` lists nodes.""",
)


@lab.check("ds-exists", f"DaemonSet {DS} exists in {NS}", points=1,
           hint=f"no `kubectl create daemonset`: take `kubectl create deploy {DS} --image={IMAGE} --dry-run=client "
                "-o yaml`, change the kind to DaemonSet and drop replicas and strategy")
def ds_exists(ctx):
    return k8s.exists(ctx.kube, "DaemonSet", DS, NS)


@lab.check("tolerates-control-plane", f"Its pods tolerate {P.taint_key}:NoSchedule", points=1,
           requires=["ds-exists"],
           hint=f"tolerations: [{{key: {P.taint_key}, operator: Exists, effect: NoSchedule}}] in the pod template")
def tolerates(ctx):
    ds = k8s.must_get(ctx.kube, "DaemonSet", DS, NS)
    tols = field(ds, "spec.template.spec.tolerations") or []
    for t in tols:
        key_ok = t.get("key") == P.taint_key or (not t.get("key") and t.get("operator") == "Exists")
        if key_ok and t.get("effect") in (None, "", "NoSchedule"):
            return f"tolerates {P.taint_key}:NoSchedule"
    found = ", ".join(f"{t.get('key', '*')}:{t.get('effect', '*')}" for t in tols) or "no tolerations"
    raise Failed(f"spec.template.spec.tolerations: expected one for {P.taint_key}:NoSchedule, found {found}",
                 expected=f"{P.taint_key}:NoSchedule", found=found)


@lab.check("update-strategy", f"RollingUpdate with maxUnavailable {P.max_unavailable}", points=1,
           requires=["ds-exists"],
           hint=f"spec.updateStrategy: {{type: RollingUpdate, rollingUpdate: {{maxUnavailable: {P.max_unavailable}}}}}")
def update_strategy(ctx):
    k8s.field_equals(ctx.kube, "DaemonSet", DS, NS, "spec.updateStrategy.type", "RollingUpdate")
    return k8s.field_equals(ctx.kube, "DaemonSet", DS, NS, "spec.updateStrategy.rollingUpdate.maxUnavailable",
                            P.max_unavailable)


@lab.check("on-every-node", "A ready pod on every node", points=2, requires=["ds-exists"],
           hint=f"`kubectl get pods -n {NS} -o wide` shows the nodes; a node with no pod usually has a taint the "
                "pods do not tolerate (`kubectl describe node ... | grep Taints`)")
def on_every_node(ctx):
    return workloads_extra.daemonset_on_every_node(ctx.kube, NS, DS)


def daemonset(p, tolerate=True):
    spec = {
        "terminationGracePeriodSeconds": 0,
        "containers": [{"name": p.container, "image": lab_image(p.image), "command": ["sh", "-c", "exec sleep 3600"]}],
    }
    if tolerate:
        spec["tolerations"] = [{"key": p.taint_key, "operator": "Exists", "effect": "NoSchedule"}]
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": p.daemonset, "namespace": p.namespace},
        "spec": {
            "selector": {"matchLabels": dict(p.labels)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": p.max_unavailable}},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": spec},
        },
    }


@lab.solution
def solution(p):
    return [Apply(daemonset(p)),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"ds/{p.daemonset}", "--timeout=120s"])]


lab.near_miss("no-toleration", "no toleration: the control plane gets no pod",
              after=lambda p: [Apply(daemonset(p, tolerate=False)),
                               Run(["kubectl", "rollout", "status", "-n", p.namespace, f"ds/{p.daemonset}",
                                    "--timeout=120s"])],
              fails=["tolerates-control-plane", "on-every-node"])
lab.near_miss("wrong-unavailable", "maxUnavailable 2", params={"max_unavailable": 2}, fails=["update-strategy"])
