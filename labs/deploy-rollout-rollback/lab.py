"""Controllers: scale a Deployment, roll it to a new image, roll it back to a named revision."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-deploy-rollout-rollback",
    deployment="web",
    container="web",
    labels={"app": "web"},
    image_v1="web-v1",
    image_v2="web-v2",
    start_replicas=2,
    replicas=3,
    max_surge=1,
    max_unavailable=0,
    back_to=1,
)
V1, V2 = lab_image(P.image_v1), lab_image(P.image_v2)
NS, D = P.namespace, P.deployment

lab = Lab(
    id="deploy-rollout-rollback",
    title="Scale, roll out and roll back a Deployment",
    topic="controllers",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
The namespace `{NS}` holds a Deployment `{D}` ({P.start_replicas} replicas of `{V1}`, container
`{P.container}`). Work through a release the way you would in production:

1. set its rolling-update strategy to **maxSurge {P.max_surge}, maxUnavailable {P.max_unavailable}**
   (one extra pod at a time, never fewer ready pods than asked for);
2. scale it to **{P.replicas}** replicas;
3. roll it out to the image `{V2}` (`kubectl set image ...`) and wait for the rollout to finish;
4. the new version is bad: roll back **to revision {P.back_to}** by its number
   (`kubectl rollout history` lists them; `kubectl rollout undo ... --to-revision=N`).

At the end {P.replicas} ready pods run `{V1}`, the history shows `{V2}` followed by `{V1}`, and
the Deployment's revision number has moved past 2 (a rollback is a new revision).""",
)


@lab.check("strategy", f"Rolling update with maxSurge {P.max_surge} and maxUnavailable {P.max_unavailable}",
           points=1,
           hint=f"`kubectl edit deploy {D} -n {NS}` or `kubectl patch deploy {D} -n {NS} -p "
                f"'{{\"spec\":{{\"strategy\":{{\"rollingUpdate\":{{\"maxSurge\":{P.max_surge},"
                f"\"maxUnavailable\":{P.max_unavailable}}}}}}}}}'`")
def strategy(ctx):
    k8s.field_equals(ctx.kube, "Deployment", D, NS, "spec.strategy.rollingUpdate.maxSurge", P.max_surge)
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, "spec.strategy.rollingUpdate.maxUnavailable",
                            P.max_unavailable)


@lab.check("scaled", f"Deployment {D} asks for {P.replicas} replicas", points=1,
           hint=f"`kubectl scale deploy {D} -n {NS} --replicas={P.replicas}`")
def scaled(ctx):
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, "spec.replicas", P.replicas)


@lab.check("rolled-out", f"The history shows {V2}, then {V1} again", points=2, record_only=True,  # history
           hint=f"`kubectl set image deploy/{D} -n {NS} {P.container}={V2}`, "
                f"`kubectl rollout status deploy/{D} -n {NS}`, then the rollback")
def rolled_out(ctx):
    return k8s.image_history_includes(ctx.kube, NS, D, [V2, V1])


@lab.check("rolled-back", f"Rolled back to revision {P.back_to}: revision 3 or later, template runs {V1}",
           points=2, requires=["rolled-out"], record_only=True,  # the revision number is history too
           hint=f"`kubectl rollout history deploy/{D} -n {NS}` then "
                f"`kubectl rollout undo deploy/{D} -n {NS} --to-revision={P.back_to}`")
def rolled_back(ctx):
    k8s.rollout_revision_at_least(ctx.kube, NS, D, 3)
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, f"spec.template.spec.containers[name={P.container}].image",
                            V1)


@lab.check("pods-run", f"{P.replicas} ready pods, all running {V1}", points=2, requires=["scaled"],
           hint=f"`kubectl rollout status deploy/{D} -n {NS}` waits until the rollout is done; "
                f"`kubectl get pods -n {NS} -o wide` shows the pods")
def pods_run(ctx):
    return workloads_extra.deployment_pods_run(ctx.kube, NS, D, V1, P.replicas)


def deployment(p, replicas, image, strategy=None):
    spec = {
        "replicas": replicas,
        "selector": {"matchLabels": dict(p.labels)},
        "template": {
            "metadata": {"labels": dict(p.labels)},
            "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{
                    "name": p.container, "image": image, "ports": [{"containerPort": 80}],
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 1},
                }],
            },
        },
    }
    if strategy:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": dict(p.labels)}, "spec": spec}


@lab.seed
def seed(p):
    return [Apply(deployment(p, p.start_replicas, lab_image(p.image_v1))),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])]


def _status(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])


@lab.solution
def solution(p):
    dep = f"deploy/{p.deployment}"
    patch = ('{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":'
             f'{{"maxSurge":{p.max_surge},"maxUnavailable":{p.max_unavailable}}}}}}}}}')
    return [
        Run(["kubectl", "patch", "-n", p.namespace, dep, "-p", patch]),
        Run(["kubectl", "scale", "-n", p.namespace, dep, f"--replicas={p.replicas}"]),
        _status(p),
        Run(["kubectl", "set", "image", "-n", p.namespace, dep, f"{p.container}={lab_image(p.image_v2)}"]),
        _status(p),
        Run(["kubectl", "rollout", "history", "-n", p.namespace, dep]),
        Run(["kubectl", "rollout", "undo", "-n", p.namespace, dep, f"--to-revision={p.back_to}"]),
        _status(p),
    ]


lab.near_miss("not-scaled", "left at 2 replicas", params={"replicas": 2}, fails=["scaled"],
              changes=["pods-run"])
lab.near_miss("no-rollback", "rolled out to v2 and never rolled back", params={"back_to": 2},
              fails=["rolled-out", "pods-run"], changes=["rolled-back"])
lab.near_miss("surge-2", "maxSurge 2 instead of 1", params={"max_surge": 2}, fails=["strategy"])
