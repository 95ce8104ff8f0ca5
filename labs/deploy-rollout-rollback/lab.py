"""Controllers: scale a Deployment, roll it to a new image, roll it back to a named revision."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, meaning, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
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
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    k8s.field_equals(ctx.kube, "Deployment", D, NS, "spec.strategy.type", "RollingUpdate")
    for name, want in (("maxSurge", P.max_surge), ("maxUnavailable", P.max_unavailable)):
        found = field(dep, f"spec.strategy.rollingUpdate.{name}")
        if not _same_int_or_percent(found, want):
            raise Failed(f"spec.strategy.rollingUpdate.{name}: expected {want}, found {found}",
                         expected=str(want), found=str(found))
    return f"rolling update with maxSurge {P.max_surge}, maxUnavailable {P.max_unavailable}"


def _same_int_or_percent(found, want: int) -> bool:
    """An IntOrString equal to `want` whatever the replica count: the number, or "0%" for 0. (The
    defaults, 25%/25%, round to 1/0 at 2-3 replicas, but they are not what the task asks to set.)"""
    return found == want or (want == 0 and isinstance(found, str) and found.strip() in ("0%", "0"))


@lab.check("scaled", f"Deployment {D} asks for {P.replicas} replicas", points=1,
           hint=f"`kubectl scale deploy {D} -n {NS} --replicas={P.replicas}`")
def scaled(ctx):
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, "spec.replicas", P.replicas)


@lab.check("rolled-out", f"The history shows {V2}, then {V1} again", points=2, record_only=True,  # history
           hint=f"`kubectl set image deploy/{D} -n {NS} {P.container}={V2}`, "
                f"`kubectl rollout status deploy/{D} -n {NS}`, then the rollback")
def rolled_out(ctx):
    history = k8s.rollout_history(ctx.kube, NS, D)
    want, pos = [V2, V1], 0
    for _, images in history:
        if pos < len(want) and any(meaning.same_image(img, want[pos]) for img in images):
            pos += 1
    if pos < len(want):
        shown = " -> ".join(f"r{r}:{','.join(i)}" for r, i in history) or "none"
        raise Failed(f"deployment {D} history: expected images {V2} -> {V1}, found {shown}",
                     expected=f"{V2} -> {V1}", found=shown)
    return f"deployment {D} history has {V2} -> {V1}"


@lab.check("rolled-back", f"Rolled back to revision {P.back_to}: revision 3 or later, template runs {V1}",
           points=2, requires=["rolled-out"], record_only=True,  # the revision number is history too
           hint=f"`kubectl rollout history deploy/{D} -n {NS}` then "
                f"`kubectl rollout undo deploy/{D} -n {NS} --to-revision={P.back_to}`")
def rolled_back(ctx):
    k8s.rollout_revision_at_least(ctx.kube, NS, D, 3)
    return k8s.field_equals(ctx.kube, "Deployment", D, NS, f"spec.template.spec.containers[name={P.container}].image",
                            V1, compare=meaning.same_image)


@lab.check("pods-run", f"{P.replicas} ready pods, all running {V1}", points=2, requires=["scaled"],
           hint=f"`kubectl rollout status deploy/{D} -n {NS}` waits until the rollout is done; "
                f"`kubectl get pods -n {NS} -o wide` shows the pods")
def pods_run(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    pods = workloads_extra.pods_matching(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or {})
    images = sorted({c.get("image") for p in pods for c in field(p, "spec.containers") or []})
    ready = sum(1 for p in pods if k8s._ready(p))
    if len(pods) != P.replicas or ready != len(pods) or not all(meaning.same_image(i, V1) for i in images):
        found = f"{len(pods)} pod(s), {ready} ready, images {', '.join(images) or 'none'}"
        raise Failed(f"deployment {D} pods: expected {P.replicas} ready pod(s) running {V1}, found {found}",
                     expected=f"{P.replicas} x {V1}", found=found)
    return f"{P.replicas} ready pod(s) of {D}, all running {V1}"


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


@lab.variant("set-image-short-undo", "scale first, patch the strategy without its type, `kubectl set image` with "
             "the short name kubelab/web:v2, then `kubectl rollout undo` without --to-revision (the previous "
             "revision is revision 1)")
def set_image_short_undo(p):
    dep = f"deploy/{p.deployment}"
    patch = f'{{"spec":{{"strategy":{{"rollingUpdate":{{"maxSurge":{p.max_surge},"maxUnavailable":{p.max_unavailable}}}}}}}}}'
    return [
        Run(["kubectl", "scale", dep, f"--replicas={p.replicas}", "-n", p.namespace]),
        Run(["kubectl", "patch", dep, "-n", p.namespace, "--type=merge", "-p", patch]),
        Run(["kubectl", "set", "image", dep, f"{p.container}=kubelab/web:v2", "-n", p.namespace]),
        _status(p),
        Run(["kubectl", "rollout", "undo", dep, "-n", p.namespace]),
        _status(p),
    ]


@lab.variant("apply-manifest-undo-number", "one edited manifest applied (3 replicas, the strategy with "
             "maxUnavailable \"0%\", image docker.io/kubelab/web:v2, no grace period, resources), "
             "then `kubectl rollout undo --to-revision=1`")
def apply_manifest(p):
    dep = deployment(p, p.replicas, "docker.io/kubelab/web:v2",
                     strategy={"type": "RollingUpdate",
                               "rollingUpdate": {"maxSurge": p.max_surge, "maxUnavailable": f"{p.max_unavailable}%"}})
    pod = dep["spec"]["template"]["spec"]
    del pod["terminationGracePeriodSeconds"]
    pod["containers"][0]["resources"] = {"requests": {"cpu": "10m", "memory": "16Mi"}}
    return [
        Apply(dep),
        _status(p),
        Run(["kubectl", "rollout", "history", f"deployment.apps/{p.deployment}", "-n", p.namespace]),
        Run(["kubectl", "rollout", "undo", f"deployment.apps/{p.deployment}", "-n", p.namespace,
             f"--to-revision={p.back_to}"]),
        _status(p),
    ]


@lab.variant("json-patch-image", "the image changed by a JSON patch (`kubectl patch --type=json`, as "
             "`kubectl edit` would), replicas by a merge patch")
def json_patch_image(p):
    dep = f"deployment/{p.deployment}"
    image = '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"kubelab/web:v2"}]'
    strategy = ('[{"op":"replace","path":"/spec/strategy/rollingUpdate",'
                f'"value":{{"maxSurge":{p.max_surge},"maxUnavailable":{p.max_unavailable}}}}}]')
    return [
        Run(["kubectl", "patch", dep, "-n", p.namespace, "--type=json", "-p", strategy]),
        Run(["kubectl", "patch", dep, "-n", p.namespace, "-p", f'{{"spec":{{"replicas":{p.replicas}}}}}']),
        _status(p),
        Run(["kubectl", "patch", dep, "-n", p.namespace, "--type=json", "-p", image]),
        _status(p),
        Run(["kubectl", "rollout", "undo", dep, "-n", p.namespace, f"--to-revision={p.back_to}"]),
        _status(p),
    ]
