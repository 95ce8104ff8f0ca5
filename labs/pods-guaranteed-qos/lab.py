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

The pod must be Running and Ready. `kubectl get pod {P.pod} -n {P.namespace} -o jsonpath='{{.status.qosClass}}'`
shows the class Kubernetes gave it.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint=f"`kubectl run {P.pod} --image={IMAGE} --dry-run=client -o yaml > pod.yaml` and add resources:")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("limits", f"Container {P.container} is limited to cpu {P.cpu} and memory {P.memory}", points=1,
           requires=["pod-exists"],
           hint=f"resources: {{limits: {{cpu: {P.cpu}, memory: {P.memory}}}}} under the container; write the "
                "quantities exactly as the task does")
def limits(ctx):
    base = f"spec.containers[name={P.container}].resources.limits"
    k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.cpu", P.cpu)
    k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.memory", P.memory)
    return f"limits cpu={P.cpu}, memory={P.memory}"


@lab.check("requests", f"Container {P.container} requests cpu {P.cpu} and memory {P.memory}", points=1,
           requires=["pod-exists"],
           hint="requests equal to limits (or requests left out: Kubernetes then copies the limits)")
def requests(ctx):
    base = f"spec.containers[name={P.container}].resources.requests"
    k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.cpu", P.cpu)
    k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.memory", P.memory)
    return f"requests cpu={P.cpu}, memory={P.memory}"


@lab.check("qos-class", f"Pod {P.pod} is in the Guaranteed QoS class", points=2, requires=["pod-exists"],
           hint="Guaranteed needs every container to have cpu and memory limits with requests equal to them; "
                "resources cannot be changed on a running pod: delete it and apply again")
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
lab.near_miss("other-memory", "limits memory 128Mi (still Guaranteed, but not what was asked)",
              params={"memory": "128Mi"}, fails=["limits", "requests"])
