"""Security: a ResourceQuota that lets three pods run and stops the fourth."""

from kubelab.cluster.api import lab_image
from kubelab.graders import access, k8s, meaning, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-quota-pods",
    quota="pod-cap",           # the reference's name (the task fixes none)
    pods=3,
    key="pods",                # or count/pods: the same count
    deployment="web",
    image="web-v1",
)
NS, D = P.namespace, P.deployment

lab = Lab(
    id="quota-pods",
    title="A ResourceQuota that stops the fourth pod",
    topic="security",
    shape="course",
    minutes=10,
    params=P,
    namespace=NS,
    task=f"""\
The team sharing `{NS}` may run at most **{P.pods} pods** there, whoever creates them.

1. Create a **ResourceQuota** (any name) in `{NS}` that caps the number of pods at {P.pods}, for every pod.
2. The Deployment `{D}` runs one replica of `{lab_image(P.image)}`: scale it to {P.pods} and make sure all {P.pods} run.

Then try a fourth: `kubectl run extra -n {NS} --image={lab_image(P.image)} --dry-run=server` must be refused
with `exceeded quota`, and `kubectl scale deploy/{D} -n {NS} --replicas={P.pods + 1}` leaves the fourth replica
uncreated (`kubectl describe rs -n {NS}` shows FailedCreate). Scale back to {P.pods} when you are done.

Graded by admission: {P.pods} pods of `{D}` run and a server-side dry-run create of one more pod is refused by
the quota.""",
)

EXTRA = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-fourth"},
         "spec": {"containers": [{"name": "c", "image": lab_image(P.image)}]}}


def pod_cap(quota: dict) -> int | None:
    """The pod count a quota caps (its `pods` or `count/pods`, whichever is lower), None when it caps none
    or counts only some pods (scopes, a scopeSelector)."""
    spec = quota.get("spec") or {}
    if spec.get("scopes") or spec.get("scopeSelector"):
        return None
    hard = spec.get("hard") or {}
    caps = []
    for key in ("pods", "count/pods"):
        if key in hard:
            try:
                caps.append(int(meaning.parse_quantity(hard[key])))
            except Exception:
                continue
    return min(caps) if caps else None


@lab.check("quota-caps-pods", f"a ResourceQuota caps every pod of {NS} at {P.pods}", points=1,
           hint=f"kubectl create quota NAME -n {NS} --hard=pods={P.pods} (or count/pods={P.pods} in YAML)")
def quota_caps_pods(ctx):
    quotas = ctx.kube.list("ResourceQuota", NS)
    caps = {q["metadata"]["name"]: pod_cap(q) for q in quotas}
    limits = [c for c in caps.values() if c is not None]
    found = min(limits) if limits else None
    if found != P.pods:
        shown = ", ".join(f"{n}: {c if c is not None else 'no cap on every pod'}" for n, c in caps.items()) or "no quota"
        raise Failed(f"pods in {NS}: expected capped at {P.pods}, found {shown}", expected=str(P.pods), found=shown)
    return f"pods in {NS} capped at {found}"


@lab.check("three-run", f"{P.pods} pods of {D} run", points=1,
           hint=f"`kubectl get deploy {D} -n {NS}`; a quota below {P.pods} or one made while more pods were wanted "
                "leaves replicas uncreated")
def three_run(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    pods = workloads_extra.pods_matching(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or {})
    ready = [p for p in pods if k8s._ready(p)]
    if len(ready) != P.pods:
        raise Failed(f"deployment {D}: expected {P.pods} ready pods, found {len(ready)}",
                     expected=str(P.pods), found=str(len(ready)))
    return f"deployment {D}: {len(ready)} ready pods"


@lab.check("fourth-refused", "one more pod is refused by the quota", points=2, requires=["three-run"],
           hint=f"the quota counts pods: `kubectl describe quota -n {NS}` shows used {P.pods} of hard {P.pods}")
def fourth_refused(ctx):
    return access.refused(ctx.kube, NS, EXTRA, "a fourth pod", because="exceeded quota")


def deployment(p, replicas=None):
    labels = {"app": p.deployment}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
            "spec": {"replicas": replicas or p.pods, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {
                         "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}


@lab.seed
def seed(p):
    return [Apply(deployment(p, 1))]


def quota(p, name=None, hard=None):
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name or p.quota, "namespace": p.namespace},
            "spec": {"hard": hard or {p.key: str(p.pods)}}}


def _scale(p):
    return Run(["kubectl", "scale", f"deploy/{p.deployment}", "-n", p.namespace, f"--replicas={P.pods}"])  # the task's 3


def _ready(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])


@lab.solution
def solution(p):
    return [Apply([quota(p), deployment(p, P.pods)]), _ready(p)]  # P: the task's 3, whatever the quota says


lab.near_miss("cap-four", "hard pods: 4: the fourth pod is admitted", params={"pods": 4},
              fails=["quota-caps-pods", "fourth-refused"], changes=["three-run"])
lab.near_miss("caps-services", "the quota caps services at 3, not pods",
              after=lambda p: [Run(["kubectl", "delete", "resourcequota", p.quota, "-n", p.namespace]),
                               Apply(quota(p, hard={"services": "3"}))],
              fails=["quota-caps-pods", "fourth-refused"])


@lab.variant("kubectl-create", "`kubectl create quota --hard=pods=3`")
def kubectl_create(p):
    return [Run(["kubectl", "create", "quota", "max-pods", "-n", p.namespace, f"--hard=pods={p.pods}"]),
            _scale(p), _ready(p)]


@lab.variant("count-pods", "scaled first, then hard count/pods: 3 beside other caps (configmaps, services) in one quota")
def count_pods(p):
    return [_scale(p),
            Apply(quota(p, "team-quota", {"count/pods": str(p.pods), "configmaps": "10", "services": "5"})), _ready(p)]
