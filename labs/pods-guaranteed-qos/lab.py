"""Pods: requests equal to limits give the Guaranteed QoS class."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-pods-guaranteed-qos",
    pod="critical",
    container="app",
    image="nginx",
    cpu="100m",
    memory="64Mi",
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="pods-guaranteed-qos",
    title="A pod in the Guaranteed QoS class",
    topic="pods",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}` with one container `{P.container}`
running `{IMAGE}` that Kubernetes places in the **Guaranteed** QoS class: the container's CPU
limit is `{P.cpu}` and its memory limit `{P.memory}`, and its requests are exactly the same.

Any unit that means the same amount counts (`{P.memory}` is also `67108864` or `65536Ki`). The pod must
be Running and Ready. `kubectl get pod {P.pod} -n {P.namespace} -o jsonpath='{{.status.qosClass}}'`
shows the class Kubernetes gave it.

Since Kubernetes 1.33 the CPU and memory of a running pod can be resized in place
(`kubectl patch pod ... --subresource resize`), but its QoS class can never change: the API server
refuses a resize that would change it, so a pod created Burstable stays Burstable. Get the class
right when you create the pod.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint=f"`kubectl run {P.pod} --image={IMAGE} --dry-run=client -o yaml > pod.yaml` and add resources:")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("limits", f"Container {P.container} is limited to cpu {P.cpu} and memory {P.memory}", points=1,
           requires=["pod-exists"],
           hint=f"resources: {{limits: {{cpu: {P.cpu}, memory: {P.memory}}}}} under the container (any unit "
                "for the same amount)")
def limits(ctx):
    base = f"spec.containers[name={P.container}].resources.limits"
    k8s.quantity_is(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.cpu", P.cpu)
    k8s.quantity_is(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.memory", P.memory)
    return f"limits cpu={P.cpu}, memory={P.memory}"


@lab.check("requests", f"Container {P.container} requests cpu {P.cpu} and memory {P.memory}", points=1,
           requires=["pod-exists"],
           hint="requests equal to limits (or requests left out: Kubernetes then copies the limits)")
def requests(ctx):
    base = f"spec.containers[name={P.container}].resources.requests"
    k8s.quantity_is(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.cpu", P.cpu)
    k8s.quantity_is(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.memory", P.memory)
    return f"requests cpu={P.cpu}, memory={P.memory}"


@lab.check("qos-class", f"Pod {P.pod} is in the Guaranteed QoS class", points=2, requires=["pod-exists"],
           hint="Guaranteed needs every container to have cpu and memory limits with requests equal to them; "
                "the QoS class of a pod never changes (an in-place resize keeps it): delete the pod and apply again")
def qos_class(ctx):
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, "status.qosClass", "Guaranteed")


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, requires=["pod-exists"],
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}` (Events) says why it does not start")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


def pod_manifest(p, requests=None):
    limits = {"cpu": p.cpu, "memory": p.memory}
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": p.container, "image": lab_image(p.image),
                            "resources": {"limits": limits, "requests": dict(requests or limits)}}],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"]),
    ]


def _burstable(p):
    return [Run(["kubectl", "delete", "pod", "-n", p.namespace, p.pod, "--wait=true"]),
            Apply(pod_manifest(p, requests={"cpu": "50m", "memory": p.memory})),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])]


lab.near_miss("smaller-cpu-request", "requests cpu 50m below the 100m limit: Burstable", after=_burstable,
              fails=["requests", "qos-class"])
lab.near_miss("decimal-megabytes", "memory 64M (64 000 000 bytes, not 64Mi): still Guaranteed, but not the amount asked",
              params={"memory": "64M"}, fails=["limits", "requests"])
lab.near_miss("other-memory", "limits memory 128Mi (still Guaranteed, but not what was asked)",
              params={"memory": "128Mi"}, fails=["limits", "requests"])


SHORT_IMAGE = IMAGE.removeprefix("docker.io/library/")


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])


@lab.variant("bytes-and-cores", "memory written in bytes (\"67108864\"), cpu as \"0.1\" cores, short image name")
def bytes_and_cores(p):
    m = pod_manifest(p)
    c = m["spec"]["containers"][0]
    c["image"] = SHORT_IMAGE
    amounts = {"cpu": "0.1", "memory": "67108864"}
    c["resources"] = {"limits": dict(amounts), "requests": dict(amounts)}
    return [Apply(m), _wait(p)]


@lab.variant("limits-only-ki", "only limits (65536Ki): the API server copies them into the requests")
def limits_only(p):
    m = pod_manifest(p)
    m["spec"]["containers"][0]["resources"] = {"limits": {"memory": "65536Ki", "cpu": "100m"}}
    return [Apply(m), _wait(p)]


@lab.variant("resized-in-place", "created Guaranteed with 200m/128Mi, then resized in place to 100m/64Mi "
                                 "(`kubectl patch --subresource resize`, Kubernetes >= 1.33): the class stays")
def resized_in_place(p):
    import json

    big = p.replace(cpu="200m", memory="128Mi")
    patch = {"spec": {"containers": [{"name": p.container, "resources": {
        "limits": {"cpu": p.cpu, "memory": p.memory}, "requests": {"cpu": p.cpu, "memory": p.memory}}}]}}
    return [Apply(pod_manifest(big)), _wait(p),
            Run(["kubectl", "patch", "pod", p.pod, "-n", p.namespace, "--subresource", "resize",
                 "--patch", json.dumps(patch)])]
