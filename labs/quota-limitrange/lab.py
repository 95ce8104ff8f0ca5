"""Security: a LimitRange that gives every container default requests and limits, and caps memory."""

from kubelab.cluster.api import lab_image
from kubelab.graders import access, k8s, meaning
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-quota-limitrange",
    limitrange="container-defaults",   # the reference's name (the task fixes none)
    request={"cpu": "100m", "memory": "64Mi"},
    limit={"cpu": "200m", "memory": "128Mi"},
    max_memory="256Mi",
    pod="plain",
    image="busybox",
)
NS = P.namespace


def _q(d):
    return ", ".join(f"{k} {v}" for k, v in d.items())


lab = Lab(
    id="quota-limitrange",
    title="A LimitRange that gives containers default requests and limits",
    topic="security",
    shape="course",
    minutes=10,
    params=P,
    namespace=NS,
    task=f"""\
Developers in `{NS}` forget to size their containers. Make the namespace do it for them with a
**LimitRange** (any name): every container that states nothing gets

- requests: {_q(P.request)};
- limits: {_q(P.limit)};

and no container may have a memory limit above **{P.max_memory}**.

Then create a pod `{P.pod}` running `{lab_image(P.image)}` with `sleep 3600` and **no** `resources` at all, and look
at what admission gave it: `kubectl get pod {P.pod} -n {NS} -o jsonpath='{{.spec.containers[0].resources}}'`.

Graded by admission: a server-side dry-run create of a pod without resources must come back with exactly these
values, one asking for a larger memory limit must be refused, and `{P.pod}` must carry the defaults.""",
)

BARE = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-bare"},
        "spec": {"containers": [{"name": "c", "image": lab_image(P.image), "command": ["sleep", "5"]}]}}
BIG = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-big"},
       "spec": {"containers": [{"name": "c", "image": lab_image(P.image), "command": ["sleep", "5"],
                                "resources": {"limits": {"memory": "512Mi"}, "requests": {"memory": "64Mi"}}}]}}


def resources_are(resources: dict, what: str) -> str:
    """requests and limits (cpu, memory) equal the task's, by quantity (`0.1` is `100m`, `64Mi` is `67108864`)."""
    wrong = []
    for part, want in (("requests", P.request), ("limits", P.limit)):
        got = (resources or {}).get(part) or {}
        for key, value in want.items():
            if not meaning.same_quantity(value, got.get(key)):
                wrong.append(f"{part}.{key}: expected {value}, found {got.get(key, 'nothing')}")
    if wrong:
        raise Failed(f"{what}: " + "; ".join(wrong), expected=f"requests {_q(P.request)}; limits {_q(P.limit)}",
                     found="; ".join(wrong))
    return f"{what}: requests {_q(P.request)}, limits {_q(P.limit)}"


@lab.check("defaults-given", "a pod that states no resources gets the default requests and limits", points=2,
           hint="spec.limits: [{type: Container, defaultRequest: {...}, default: {...}, max: {...}}]; `default` is "
                "the limit, `defaultRequest` the request (without it the request copies the limit). Keep the max "
                "in the same LimitRange: the API makes a max with no default the default, and with two "
                "LimitRanges which default a pod gets is not fixed")
def defaults_given(ctx):
    ok, why, obj = access.dry_run_create(ctx.kube, NS, BARE)
    if not ok:
        raise Failed(f"a pod without resources (`kubectl run --dry-run=server`): expected admitted, found refused ({why})",
                     expected="admitted", found=why)
    return resources_are(field(obj, "spec.containers[0].resources"), "a pod without resources")


@lab.check("max-memory", f"a container asking for a memory limit above {P.max_memory} is refused", points=1,
           hint=f"max: {{memory: {P.max_memory}}} in the Container limit")
def max_memory(ctx):
    return access.refused(ctx.kube, NS, BIG, "a pod with a 512Mi memory limit", because="maximum memory")


@lab.check("pod-has-defaults", f"Pod {P.pod} runs and carries the defaults", points=1,
           hint=f"create {P.pod} after the LimitRange: admission sets the values when a pod is created, never later")
def pod_has_defaults(ctx):
    k8s.pod_running_ready(ctx.kube, NS, P.pod)
    pod = k8s.must_get(ctx.kube, "Pod", P.pod, NS)
    return resources_are(field(pod, "spec.containers[0].resources"), f"pod {P.pod}")


def limitrange(p, request=None, limit=None, max_memory=None, name=None):
    item = {"type": "Container", "defaultRequest": dict(request or p.request), "default": dict(limit or p.limit),
            "max": {"memory": max_memory or p.max_memory}}
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": name or p.limitrange, "namespace": p.namespace},
            "spec": {"limits": [item]}}


def plain_pod(p):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image), "command": ["sleep", "3600"]}]}}


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])


@lab.solution
def solution(p):
    return [Apply(limitrange(p)), Apply(plain_pod(p)), _wait(p)]


def _no_default_request(p):
    lr = limitrange(p)
    del lr["spec"]["limits"][0]["defaultRequest"]
    return [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true", "--grace-period=0"]),
            Apply(lr), Apply(plain_pod(p)), _wait(p)]


lab.near_miss("no-default-request", "only `default` given: requests copy the limits (200m, 128Mi)",
              after=_no_default_request, fails=["defaults-given", "pod-has-defaults"])
lab.near_miss("max-too-high", "max memory 1Gi: a 512Mi limit is admitted", params={"max_memory": "1Gi"},
              fails=["max-memory"])


def _pod_first(p):
    return [Apply(plain_pod(p)), _wait(p), Apply(limitrange(p))]


lab.near_miss("pod-before-limits", "the pod was created before the LimitRange: it has no resources",
              after=lambda p: [Run(["kubectl", "delete", "limitrange", p.limitrange, "-n", p.namespace]),
                               Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true",
                                    "--grace-period=0"]), *_pod_first(p)],
              fails=["pod-has-defaults"])


@lab.variant("other-units", "cpu as 0.1 and 0.2, memory in bytes (67108864, 134217728) and the max as 0.25Gi; "
                            "the pod made with `kubectl run`")
def other_units(p):
    lr = limitrange(p, {"cpu": "0.1", "memory": "67108864"}, {"cpu": "0.2", "memory": "134217728"}, "0.25Gi",
                    name="sizes")
    return [Apply(lr),
            Run(["kubectl", "run", p.pod, "-n", p.namespace, "--image=busybox:1.35.0", "--restart=Never",
                 "--command", "--", "sleep", "3600"]),
            _wait(p)]


@lab.variant("generated-yaml", "the pod from `kubectl run --dry-run=client -o yaml`, which writes `resources: {}`; "
                               "the LimitRange under another name")
def generated_yaml(p):
    pod = plain_pod(p)
    pod["metadata"]["labels"] = {"run": p.pod}
    pod["spec"].update({"dnsPolicy": "ClusterFirst", "restartPolicy": "Always"})
    pod["spec"]["containers"][0]["resources"] = {}
    return [Apply(limitrange(p, name="mem-cpu-defaults")), Apply(pod), _wait(p)]
