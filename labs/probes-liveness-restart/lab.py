"""Probes: an exec liveness probe restarts a container whose health file disappears."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-probes-liveness-restart",
    pod="liveness-exec",
    container="app",
    image="busybox",
    health_file="/tmp/healthy",
    healthy_for=5,
    period=1,
    failure_threshold=2,
)
IMAGE = lab_image(P.image)
NS, POD = P.namespace, P.pod
COMMAND = f"touch {P.health_file}; sleep {P.healthy_for}; rm -f {P.health_file}; exec sleep 3600"

lab = Lab(
    id="probes-liveness-restart",
    title="An exec liveness probe restarts a container",
    topic="probes",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    settle=P.healthy_for + 4 * P.period * P.failure_threshold + 20,  # a replay waits for the first restart
    task=f"""\
In the namespace `{NS}` create a pod named `{POD}` with one container `{P.container}` running
`{IMAGE}` with the command

    sh -c "{COMMAND}"

It is healthy for {P.healthy_for} seconds, then its health file disappears while the process keeps
running - a hung application that only a liveness probe can catch. Give it an **exec liveness probe**
running `cat {P.health_file}` every **{P.period}** second(s), failing after **{P.failure_threshold}**
consecutive failures.

Watch it with `kubectl get pod {POD} -n {NS} -w`: RESTARTS grows, and `kubectl describe pod` shows
`Liveness probe failed` and `Container app failed liveness probe, will be restarted`.""",
)


@lab.check("pod-exists", f"Pod {POD} exists in {NS}", points=1,
           hint=f"`kubectl run {POD} -n {NS} --image={IMAGE} --dry-run=client -o yaml -- sh -c '...'`, then add the probe")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", POD, NS)


@lab.check("probe-exec", f"Liveness probe runs cat {P.health_file}", points=1, requires=["pod-exists"],
           hint=f"livenessProbe: {{exec: {{command: [cat, {P.health_file}]}}}} under the container")
def probe_exec(ctx):
    return k8s.field_equals(ctx.kube, "Pod", POD, NS, f"spec.containers[name={P.container}].livenessProbe.exec.command",
                            ["cat", P.health_file])


@lab.check("probe-timing", f"periodSeconds {P.period}, failureThreshold {P.failure_threshold}", points=1,
           requires=["pod-exists"],
           hint="livenessProbe.periodSeconds (default 10) and livenessProbe.failureThreshold (default 3)")
def probe_timing(ctx):
    base = f"spec.containers[name={P.container}].livenessProbe"
    k8s.field_equals(ctx.kube, "Pod", POD, NS, f"{base}.periodSeconds", P.period)
    return k8s.field_equals(ctx.kube, "Pod", POD, NS, f"{base}.failureThreshold", P.failure_threshold)


@lab.check("restarted", "The probe restarted the container at least once", points=2, requires=["pod-exists"],
           hint=f"after the file is gone the kubelet needs periodSeconds x failureThreshold to act; "
                f"`kubectl describe pod {POD} -n {NS}` lists the probe failures under Events")
def restarted(ctx):
    return k8s.restarts_at_least(ctx.kube, NS, POD, 1, container=P.container)


def pod_manifest(p, probe_file=None):
    command = f"touch {p.health_file}; sleep {p.healthy_for}; rm -f {p.health_file}; exec sleep 3600"
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [{
                "name": p.container, "image": lab_image(p.image), "command": ["sh", "-c", command],
                "livenessProbe": {"exec": {"command": ["cat", probe_file or p.health_file]},
                                  "periodSeconds": p.period, "failureThreshold": p.failure_threshold},
            }],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=jsonpath={.status.containerStatuses[0].restartCount}=1",
             f"pod/{p.pod}", "--timeout=60s"]),
    ]


def _probe_other_file(p):
    return [Run(["kubectl", "delete", "pod", "-n", p.namespace, p.pod, "--wait=true"]),
            Apply(pod_manifest(p, probe_file="/etc/hostname")),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=60s"])]


lab.near_miss("probes-another-file", "the probe reads /etc/hostname, which never disappears: no restart",
              after=_probe_other_file, fails=["probe-exec", "restarted"])
lab.near_miss("slow-probe", "periodSeconds 2", params={"period": 2}, fails=["probe-timing"])
