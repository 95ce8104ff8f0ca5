"""Pods: lifecycle hooks - a postStart hook writes a file, a preStop hook and a grace period."""

import os
import re
import shlex

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-pods-poststart-hook",
    pod="hooked",
    container="web",
    image="nginx",
    file="/usr/share/nginx/html/started.txt",
    text="poststart-ran",
    grace=5,
    prestop="nginx -s quit; sleep 1",   # the preStop script (a near-miss drops the quit)
)
IMAGE = lab_image(P.image)
PRESTOP = P.prestop
SHELLS = {"sh", "bash", "ash", "dash"}
QUITS_NGINX = re.compile(r"(^|[\s;&|(])(\S*/)?nginx\s+-s\s*quit\b")

lab = Lab(
    id="pods-poststart-hook",
    title="postStart and preStop hooks",
    topic="pods",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}` with one container `{P.container}`
running `{IMAGE}`:

- a **postStart** hook (exec) writes the line `{P.text}` into `{P.file}` as soon as the container starts;
- a **preStop** hook (exec) runs `sh -c "{PRESTOP}"` so that nginx finishes its requests before
  the kubelet sends SIGTERM;
- the pod's grace period (`terminationGracePeriodSeconds`) is **{P.grace}** seconds: after it the
  kubelet sends SIGKILL.

The pod must be Running and Ready; `kubectl exec -n {P.namespace} {P.pod} -- cat {P.file}` shows the line.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint="`kubectl explain pod.spec.containers.lifecycle` shows where the hooks go")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("poststart-declared", f"Container {P.container} has an exec postStart hook", points=1,
           requires=["pod-exists"],
           hint="lifecycle: {postStart: {exec: {command: [sh, -c, 'echo ... > FILE']}}} under the container")
def poststart_declared(ctx):
    pod = k8s.must_get(ctx.kube, "Pod", P.pod, P.namespace)
    cmd = field(pod, f"spec.containers[name={P.container}].lifecycle.postStart.exec.command")
    if not cmd:
        raise Failed(f"spec.containers[name={P.container}].lifecycle.postStart.exec.command: expected a command, "
                     "found nothing", expected="a command", found="nothing")
    return f"postStart runs {' '.join(cmd)[:80]}"


@lab.check("prestop-declared", f"Container {P.container} has an exec preStop hook that quits nginx", points=1,
           requires=["pod-exists"],
           hint=f"lifecycle: {{preStop: {{exec: {{command: [sh, -c, '{PRESTOP}']}}}}}}")
def prestop_declared(ctx):
    path = f"spec.containers[name={P.container}].lifecycle.preStop.exec.command"
    cmd = field(k8s.must_get(ctx.kube, "Pod", P.pod, P.namespace), path) or []
    script = hook_script(cmd)
    if not QUITS_NGINX.search(script):
        found = shlex.join(cmd) if cmd else "no exec preStop hook"
        raise Failed(f"{path}: expected a command that runs `nginx -s quit`, found {found[:80]}",
                     expected="nginx -s quit", found=found[:80])
    return f"preStop runs {script[:80]}"


def hook_script(cmd: list[str]) -> str:
    """What an exec hook runs, as one shell line: the script of a `sh -c` wrapper (any shell, any path),
    else the words themselves (`["/usr/sbin/nginx", "-s", "quit"]`)."""
    if len(cmd) >= 3 and os.path.basename(cmd[0]) in SHELLS and cmd[1] == "-c":
        return cmd[2]
    return shlex.join(cmd)


@lab.check("grace-period", f"Grace period is {P.grace} s", points=1, requires=["pod-exists"],
           hint=f"spec.terminationGracePeriodSeconds: {P.grace} (a pod field, beside containers:)")
def grace_period(ctx):
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, "spec.terminationGracePeriodSeconds", P.grace)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, requires=["pod-exists"],
           hint="a failing postStart hook kills the container (FailedPostStartHook in `kubectl describe pod`)")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("hook-effect", f"{P.file} holds {P.text} inside the running container", points=2,
           requires=["pod-ready"],
           hint=f"the hook runs inside the container: `echo {P.text} > {P.file}`")
def hook_effect(ctx):
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, P.file, contains=P.text, container=P.container)


def pod_manifest(p):
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "terminationGracePeriodSeconds": p.grace,
            "containers": [{
                "name": p.container, "image": lab_image(p.image),
                "lifecycle": {
                    "postStart": {"exec": {"command": ["sh", "-c", f"echo {p.text} > {p.file}"]}},
                    "preStop": {"exec": {"command": ["sh", "-c", p.prestop]}},
                },
            }],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"]),
    ]


lab.near_miss("wrong-file", "the hook writes /tmp/started.txt", params={"file": "/tmp/started.txt"},
              fails=["hook-effect"])
lab.near_miss("default-grace", "grace period left at 30 s", params={"grace": 30}, fails=["grace-period"])
lab.near_miss("prestop-no-quit", "the preStop hook only sleeps (nginx is never told to quit)",
              params={"prestop": "sleep 1"}, fails=["prestop-declared"])


@lab.variant("yaml-reordered-extras", "the manifest written top-down the other way (containers first, the grace "
             "period last), the short image name, /bin/sh by its path, printf, labels, a port, "
             "imagePullPolicy and resources")
def yaml_reordered_extras(p):
    pod = {"kind": "Pod", "apiVersion": "v1",
           "metadata": {"namespace": p.namespace, "name": p.pod, "labels": {"app": "hooked"}},
           "spec": {"containers": [{
               "image": lab_image(p.image).removeprefix("docker.io/library/"), "name": p.container,
               "imagePullPolicy": "IfNotPresent",
               "ports": [{"containerPort": 80, "name": "http"}],
               "resources": {"requests": {"cpu": "50m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
               "lifecycle": {
                   "preStop": {"exec": {"command": ["/bin/sh", "-c", p.prestop]}},
                   "postStart": {"exec": {"command": ["/bin/sh", "-c", f"printf '%s\\n' {p.text} > {p.file}"]}},
               }}],
               "terminationGracePeriodSeconds": p.grace}}
    return [Apply(pod),
            Run(["kubectl", "wait", f"pod/{p.pod}", "--for", "condition=Ready", "-n", p.namespace, "--timeout=120s"])]


@lab.variant("kubectl-run-overrides", "`kubectl run` with the hooks and the grace period in `--overrides` JSON, "
             "nginx quit by its absolute path")
def kubectl_run_overrides(p):
    import json

    spec = {"spec": {"terminationGracePeriodSeconds": p.grace, "containers": [{
        "name": p.container, "image": lab_image(p.image).removeprefix("docker.io/library/"),
        "lifecycle": {"postStart": {"exec": {"command": ["sh", "-c", f"echo {p.text} >> {p.file}"]}},
                      "preStop": {"exec": {"command": ["sh", "-c", p.prestop.replace("nginx", "/usr/sbin/nginx")]}}},
    }]}}
    return [Run(["kubectl", "run", p.pod, "-n", p.namespace, f"--image={spec['spec']['containers'][0]['image']}",
                 f"--overrides={json.dumps(spec)}"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])]
