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
    grace=30,                         # the default terminationGracePeriodSeconds a student's pod keeps
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
    # a replay waits for the first restart: a pod with the default grace period restarts only after it
    # (sleep as PID 1 ignores SIGTERM, so the kubelet waits the grace period out before SIGKILL)
    settle=P.healthy_for + 4 * P.period * P.failure_threshold + P.grace + 20,
    task=f"""\
In the namespace `{NS}` create a pod named `{POD}` with one container `{P.container}` running
`{IMAGE}` with the command

    sh -c "{COMMAND}"

It is healthy for {P.healthy_for} seconds, then its health file disappears while the process keeps
running - a hung application that only a liveness probe can catch. Give it an **exec liveness probe**
running `cat {P.health_file}` every **{P.period}** second(s), failing after **{P.failure_threshold}**
consecutive failures.

Watch it with `kubectl get pod {POD} -n {NS} -w`: RESTARTS grows, and `kubectl describe pod` shows
`Liveness probe failed` and `Container app failed liveness probe, will be restarted`. The first
restart comes only after the pod's grace period (`terminationGracePeriodSeconds`, {P.grace} s by default):
`sleep` as PID 1 ignores SIGTERM, so the kubelet waits that long before SIGKILL. Check once RESTARTS is 1.""",
)


@lab.check("pod-exists", f"Pod {POD} exists in {NS}", points=1,
           hint=f"`kubectl run {POD} -n {NS} --image={IMAGE} --dry-run=client -o yaml -- sh -c '...'`, then add the probe")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", POD, NS)


@lab.check("probe-exec", f"Liveness probe runs cat {P.health_file}", points=1, requires=["pod-exists"],
           hint=f"livenessProbe: {{exec: {{command: [cat, {P.health_file}]}}}} under the container")
def probe_exec(ctx):
    # `sh -c "cat /tmp/healthy"` and `/bin/cat /tmp/healthy` run the same thing
    return k8s.command_is(ctx.kube, "Pod", POD, NS, f"spec.containers[name={P.container}].livenessProbe.exec.command",
                          ["cat", P.health_file])


@lab.check("probe-timing", f"periodSeconds {P.period}, failureThreshold {P.failure_threshold}", points=1,
           requires=["pod-exists"],
           hint="livenessProbe.periodSeconds (default 10) and livenessProbe.failureThreshold (default 3)")
def probe_timing(ctx):
    base = f"spec.containers[name={P.container}].livenessProbe"
    k8s.field_equals(ctx.kube, "Pod", POD, NS, f"{base}.periodSeconds", P.period)
    return k8s.field_equals(ctx.kube, "Pod", POD, NS, f"{base}.failureThreshold", P.failure_threshold)


@lab.check("restarted", "The probe restarted the container at least once", points=2, requires=["pod-exists"],
           hint=f"after the file is gone the kubelet needs periodSeconds x failureThreshold to act, then the grace "
                f"period ({P.grace} s unless you set terminationGracePeriodSeconds) before the container is killed "
                f"and restarted; "
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
lab.near_miss("probe-always-passes", "the probe is `sh -c 'cat /tmp/healthy || true'`: it never fails, no restart",
              after=lambda p: [Run(["kubectl", "delete", "pod", "-n", p.namespace, p.pod, "--wait=true"]),
                               Apply(_probe_command(p, ["sh", "-c", f"cat {p.health_file} || true"])),
                               Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                                    "--timeout=60s"])],
              fails=["probe-exec", "restarted"])


def _probe_command(p, command):
    m = pod_manifest(p)
    m["spec"]["containers"][0]["livenessProbe"]["exec"]["command"] = command
    return m


def _wait_restart(p, timeout=60):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=jsonpath={.status.containerStatuses[0].restartCount}=1",
                f"pod/{p.pod}", f"--timeout={timeout}s"])


@lab.variant("default-grace", "the pod keeps the default grace period (no terminationGracePeriodSeconds): "
                              "the restart comes about 30 s later, after SIGTERM is waited out")
def default_grace(p):
    m = pod_manifest(p)
    del m["spec"]["terminationGracePeriodSeconds"]
    return [Apply(m), _wait_restart(p, timeout=p.healthy_for + 4 * p.period * p.failure_threshold + p.grace + 30)]


@lab.variant("sh-c-probe", "the probe wrapped in a shell: [sh, -c, \"cat /tmp/healthy\"], short image name, the "
                           "container command in args:")
def sh_c_probe(p):
    m = pod_manifest(p)
    c = m["spec"]["containers"][0]
    c["image"] = lab_image(p.image).removeprefix("docker.io/library/")
    c["livenessProbe"]["exec"]["command"] = ["sh", "-c", f"cat {p.health_file}"]
    c["command"], c["args"] = ["sh", "-c"], [c["command"][2]]
    return [Apply(m), _wait_restart(p)]


@lab.variant("absolute-cat-extras", "the probe as [/bin/cat, /tmp/healthy] with the defaults written out "
                                    "(timeoutSeconds 1, successThreshold 1, initialDelaySeconds 0)")
def absolute_cat(p):
    m = pod_manifest(p)
    probe = m["spec"]["containers"][0]["livenessProbe"]
    probe["exec"]["command"] = ["/bin/cat", p.health_file]
    probe.update(timeoutSeconds=1, successThreshold=1, initialDelaySeconds=0)
    return [Apply(m), _wait_restart(p)]
