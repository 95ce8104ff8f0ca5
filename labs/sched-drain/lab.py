"""Scheduling: drain a node for maintenance (cordoned, no evictable pods left) while the app stays up."""

from kubelab.cluster.api import lab_image
from kubelab.graders import placement_extra
from kubelab.labs.model import Apply, Lab, NodeScope, Params, Run

P = Params(
    namespace="lab-sched-drain",
    node="kubelab-worker2",
    deployment="web",
    labels={"app": "web"},
    group={"kubelab.io/lab": "sched-drain"},   # on every seeded pod: the drain evicts only these
    replicas=2,
    scratch="scratch",                # a bare pod (no controller) on the node: drain needs --force for it
    image="web-v1",                   # image catalog key (cluster/images.yaml)
    drain=True,                       # False: cordon only (a near-miss)
    uncordon_early=False,             # True: uncordoned before the check (a near-miss)
)
IMAGE = lab_image(P.image)
GROUP = ",".join(f"{k}={v}" for k, v in P.group.items())

lab = Lab(
    id="sched-drain",
    title="Drain a node for maintenance while the Deployment stays available",
    topic="scheduling",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    node_scope=NodeScope(nodes=(P.node,), cordon=True),
    task=f"""\
`kubelab lab start` runs, in the namespace `{P.namespace}`, a Deployment `{P.deployment}` ({P.replicas} replicas,
spread over both workers) and a bare pod `{P.scratch}` (no controller) on `{P.node}`.

The node `{P.node}` needs maintenance. **Drain** it: no new pods may be scheduled on it, and every pod of
`{P.namespace}` must leave it (DaemonSet pods may stay), while `{P.deployment}` keeps all {P.replicas} replicas
ready on the other worker. Find out which flags `kubectl drain` needs here and why.

The course cluster is shared by the other labs of this notebook, whose pods may run on `{P.node}` too: evict
only this lab's pods, which carry the label `{GROUP}` (`--pod-selector`). In the exam you drain the whole node.

Check while the node is drained. Then return it to service with `kubectl uncordon {P.node}` and look where the
pods of `{P.deployment}` run now. (`kubelab lab reset sched-drain` uncordons the node too.)""",
)


@lab.check("node-cordoned", f"Node {P.node} is cordoned (SchedulingDisabled)", points=1,
           hint=f"kubectl drain {P.node} ... cordons the node first (`kubectl cordon` alone does only that)")
def node_cordoned(ctx):
    return placement_extra.node_schedulable(ctx.kube, P.node, expected=False)


@lab.check("node-empty", f"No pod of {P.namespace} left on {P.node} (DaemonSet pods excepted)", points=2,
           requires=["node-cordoned"], record_only=True,  # a drain moves pods: a replay cannot re-create that
           hint=f"cordoning does not move running pods; kubectl drain {P.node} --ignore-daemonsets "
                f"--delete-emptydir-data --force --pod-selector={GROUP} (--force: also delete pods no controller "
                "re-creates)")
def node_empty(ctx):
    return placement_extra.no_evictable_pods_on_node(ctx.kube, P.namespace, P.node)


@lab.check("app-available", f"Deployment {P.deployment} has {P.replicas} ready replicas", points=2,
           requires=["node-empty"],
           hint=f"the evicted replicas are re-created on the other worker: `kubectl get pods -n {P.namespace} -o wide`")
def app_available(ctx):
    return placement_extra.deployment_available(ctx.kube, P.namespace, P.deployment, P.replicas)


@lab.seed
def seed(p):
    labels = {**p.labels, **p.group}
    spread = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": labels},
                                            "topologyKey": "kubernetes.io/hostname"}}]}}
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": labels},
           "spec": {"replicas": p.replicas, "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels},
                                 "spec": {"terminationGracePeriodSeconds": 0, "affinity": spread,
                                          "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}
    scratch = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": p.scratch, "namespace": p.namespace, "labels": dict(p.group)},
               "spec": {"nodeName": p.node, "terminationGracePeriodSeconds": 0,
                        "containers": [{"name": "web", "image": lab_image(p.image)}]}}
    return [Apply([dep, scratch])]


@lab.solution
def solution(p):
    if p.drain:
        group = ",".join(f"{k}={v}" for k, v in p.group.items())
        steps = [Run(["kubectl", "drain", p.node, "--ignore-daemonsets", "--delete-emptydir-data", "--force",
                      f"--pod-selector={group}", "--timeout=90s"])]
    else:
        steps = [Run(["kubectl", "cordon", p.node])]
    if p.uncordon_early:
        steps.append(Run(["kubectl", "uncordon", p.node]))
    steps.append(Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace,
                      "--timeout=90s"]))
    return steps


@lab.reset_steps
def reset(p):
    return [Run(["kubectl", "uncordon", p.node], ok_codes=(0, 1))]


lab.near_miss("cordon-only", "kubectl cordon without drain: the pods stay on the node",
              params={"drain": False}, fails=["node-empty"], changes=["app-available"])
lab.near_miss("uncordoned", "the node was uncordoned before the check",
              params={"uncordon_early": True}, fails=["node-cordoned"], changes=["node-empty", "app-available"])


def _rollout(p):
    return Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace, "--timeout=90s"])


@lab.variant("cordon-then-drain", "`kubectl cordon` first, then `kubectl drain` with a set-based --pod-selector, "
             "--disable-eviction and --grace-period=0 (no --delete-emptydir-data: no pod here has an emptyDir)")
def cordon_then_drain(p):
    key, value = next(iter(p.group.items()))
    return [Run(["kubectl", "cordon", p.node]),
            Run(["kubectl", "drain", p.node, "--ignore-daemonsets", "--force", "--disable-eviction",
                 "--grace-period=0", f"--pod-selector={key} in ({value})", "--timeout=90s"]),
            _rollout(p)]


@lab.variant("patch-unschedulable-delete", "the node marked unschedulable with `kubectl patch node`, then the "
             "lab's pods on it deleted by a field selector (what drain does, by hand)")
def patch_and_delete(p):
    return [Run(["kubectl", "patch", "node", p.node, "-p", '{"spec":{"unschedulable":true}}']),
            Run(["kubectl", "delete", "pods", "-n", p.namespace, f"--field-selector=spec.nodeName={p.node}",
                 "--wait=true"]),
            _rollout(p)]
