"""Controllers: a DaemonSet on every node, the control plane included."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.graders.meaning import toleration_matches
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
    if any(toleration_matches(t, P.taint_key, "", "NoSchedule") for t in tols):
        return f"tolerates {P.taint_key}:NoSchedule"
    found = ", ".join(_show_toleration(t) for t in tols) or "no tolerations"
    raise Failed(f"spec.template.spec.tolerations: expected one for {P.taint_key}:NoSchedule, found {found}",
                 expected=f"{P.taint_key}:NoSchedule", found=found)


def _show_toleration(t: dict) -> str:
    value = f"={t['value']}" if t.get("value") else ""
    return f"{t.get('key') or '*'}{value}:{t.get('effect') or '*'} ({t.get('operator') or 'Equal'})"


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


TOLERATION = {"key": P.taint_key, "operator": "Exists", "effect": "NoSchedule"}


def daemonset(p, tolerations=(TOLERATION,)):
    spec = {
        "terminationGracePeriodSeconds": 0,
        "containers": [{"name": p.container, "image": lab_image(p.image), "command": ["sh", "-c", "exec sleep 3600"]}],
    }
    if tolerations:
        spec["tolerations"] = [dict(t, key=p.taint_key) if t.get("key") else dict(t) for t in tolerations]
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": p.daemonset, "namespace": p.namespace},
        "spec": {
            "selector": {"matchLabels": dict(p.labels)},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": p.max_unavailable}},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": spec},
        },
    }


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"ds/{p.daemonset}", "--timeout=120s"])


@lab.solution
def solution(p):
    return [Apply(daemonset(p)), _rollout(p)]


lab.near_miss("no-toleration", "no toleration: the control plane gets no pod",
              after=lambda p: [Apply(daemonset(p, tolerations=())), _rollout(p)],
              fails=["tolerates-control-plane", "on-every-node"])
lab.near_miss("wrong-effect", "the toleration is for NoExecute, the taint is NoSchedule",
              after=lambda p: [Apply(daemonset(p, tolerations=({"key": p.taint_key, "operator": "Exists",
                                                                "effect": "NoExecute"},))), _rollout(p)],
              fails=["tolerates-control-plane", "on-every-node"])
lab.near_miss("wrong-value", "operator Equal with value \"true\": the taint has no value, so it is not tolerated",
              after=lambda p: [Apply(daemonset(p, tolerations=({"key": p.taint_key, "operator": "Equal",
                                                                "value": "true", "effect": "NoSchedule"},))),
                               _rollout(p)],
              fails=["tolerates-control-plane", "on-every-node"])
lab.near_miss("wrong-unavailable", "maxUnavailable 2", params={"max_unavailable": 2}, fails=["update-strategy"])


@lab.variant("from-create-deploy", "`kubectl create deploy --dry-run=client -o yaml` turned into a DaemonSet: "
             "short image busybox:1.35.0, no updateStrategy (the API server fills in RollingUpdate, "
             "maxUnavailable 1), a toleration with operator Exists and no effect")
def from_create_deploy(p):
    ds = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"creationTimestamp": None, "labels": dict(p.labels), "name": p.daemonset,
                     "namespace": p.namespace},
        "spec": {
            "selector": {"matchLabels": dict(p.labels)},
            "template": {
                "metadata": {"creationTimestamp": None, "labels": dict(p.labels)},
                "spec": {
                    "tolerations": [{"key": p.taint_key, "operator": "Exists"}],
                    "containers": [{"image": "busybox:1.35.0", "name": p.container, "resources": {},
                                    "command": ["sh", "-c", "exec sleep 3600"]}],
                },
            },
        },
        "status": {},
    }
    return [Apply(ds), _rollout(p)]


@lab.variant("tolerate-all-expressions", "a tolerate-everything toleration (`- operator: Exists`, as kube-proxy "
             "has), a matchExpressions selector, updateStrategy without its type, image docker.io/busybox:1.35.0, "
             "the command as args to sh")
def tolerate_all(p):
    ds = {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": p.daemonset, "namespace": p.namespace},
        "spec": {
            "selector": {"matchExpressions": [{"key": k, "operator": "In", "values": [v]}
                                              for k, v in p.labels.items()]},
            "updateStrategy": {"rollingUpdate": {"maxUnavailable": p.max_unavailable}},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "tolerations": [{"operator": "Exists"}],
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": "docker.io/busybox:1.35.0",
                                "imagePullPolicy": "IfNotPresent", "command": ["sh"],
                                "args": ["-c", "exec sleep 3600"],
                                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}],
            }},
        },
    }
    return [Apply(ds), _rollout(p)]


lab.variant("equal-no-value", "the toleration written with operator Equal and no value "
            "(the control-plane taint has none)",
            after=lambda p: [Apply(daemonset(p, tolerations=({"key": p.taint_key, "operator": "Equal",
                                                             "effect": "NoSchedule"},))), _rollout(p)])
