"""Troubleshooting: a Deployment in CrashLoopBackOff because its command has a typo."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-crashloop-command",
    deployment="worker",
    container="worker",
    labels={"app": "worker"},
    image="busybox",
    file="/tmp/started",
    content="ready",
    seconds=3600,
    sleep="sleep",                     # the program that keeps the container running (the seed misspells it)
    broken_sleep="/bin/sleeep",
)
IMAGE = lab_image(P.image)
NS, D = P.namespace, P.deployment


def script(p, sleep=None):
    return f"echo {p.content} > {p.file} && exec {sleep or p.sleep} {p.seconds}"


lab = Lab(
    id="trouble-crashloop-command",
    title="A pod in CrashLoopBackOff",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` runs one pod of `{IMAGE}` whose container should, when it starts,
write `{P.content}` to the file `{P.file}` and then keep running (`{P.sleep} {P.seconds}`). Its pod
is in **CrashLoopBackOff** instead. Find out why (`kubectl get pods -n {NS}`,
`kubectl logs -n {NS} deploy/{D} --previous`, `kubectl describe pod`: the container's Last State
and exit code) and repair the Deployment so that:

- its pod is Running and Ready, and its container does not restart;
- `kubectl exec -n {NS} deploy/{D} -- cat {P.file}` prints `{P.content}`.""",
)


def _pod(ctx):
    return workloads_extra.only_pod(ctx.kube, NS, P.labels)["metadata"]["name"]


@lab.check("pod-ready", f"The one pod of {D} is Running and Ready", points=2,
           hint=f"`kubectl describe pod -n {NS} -l app={P.labels['app']}`: Last State shows the exit code "
                f"(127: command not found); `kubectl logs -n {NS} deploy/{D} --previous` shows what the "
                "shell said; a container whose command ends (exit 0 too) is restarted again and again")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, NS, _pod(ctx))


@lab.check("no-restarts", "Its container has not restarted and does not restart", points=2, requires=["pod-ready"],
           hint="RESTARTS in `kubectl get pods` must stay 0: the container's main process must keep running")
def no_restarts(ctx):
    return k8s.restarts_stable(ctx.kube, NS, _pod(ctx), window=3, maximum=0)


@lab.check("file-written", f"{P.file} in the container holds {P.content}", points=1, requires=["pod-ready"],
           hint=f"`kubectl exec -n {NS} deploy/{D} -- cat {P.file}`: the command must write it before it "
                "starts to sleep")
def file_written(ctx):
    pod = _pod(ctx)
    rc, out, err = ctx.kube.exec(NS, pod, ["cat", P.file])
    if rc != 0 or out.strip() != P.content:
        found = repr(out.strip()[:80]) if rc == 0 else f"no such file ({(err or out).strip()[:80] or rc})"
        raise Failed(f"pod {pod} {P.file}: expected {P.content!r}, found {found}", expected=P.content, found=found)
    return f"pod {pod}: {P.file} = {P.content!r}"


def deployment(p, command):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": lab_image(p.image), "command": command}],
            }},
        },
    }


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"])


@lab.seed
def seed(p):
    return [Apply(deployment(p, ["sh", "-c", script(p, p.broken_sleep)]))]


@lab.solution
def solution(p):
    return [Apply(deployment(p, ["sh", "-c", script(p)])), _rollout(p)]


def _still_exits(p):
    # the typo gone but the sleep too: the shell ends (exit 0) and the kubelet restarts it, again and again
    m = deployment(p, ["sh", "-c", f"echo {p.content} > {p.file}"])
    return [Apply(m), Run(["kubectl", "wait", "-n", p.namespace, "--for=jsonpath={.status.updatedReplicas}=1",
                           f"deploy/{p.deployment}", "--timeout=60s"])]


lab.near_miss("still-exits", "removed the misspelt sleep instead of fixing it: the command writes the file and "
                             "ends, so the container restarts (Completed, then CrashLoopBackOff)",
              after=_still_exits, fails=["pod-ready"], changes=["no-restarts", "file-written"])
lab.near_miss("wrong-file", "fixed the sleep, but writes the file to /tmp/start",
              params={"file": "/tmp/start"}, fails=["file-written"])


@lab.variant("json-patch", "`kubectl patch --type=json`: the command replaced, the program as /bin/sleep")
def json_patch(p):
    ops = [{"op": "replace", "path": "/spec/template/spec/containers/0/command",
            "value": ["sh", "-c", script(p, "/bin/sleep")]}]
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]


@lab.variant("command-and-args", "`kubectl patch` (strategic merge): command [/bin/sh] and the script in args, "
                                 "printf instead of echo, sleep not exec'd")
def command_args(p):
    patch = {"spec": {"template": {"spec": {"containers": [{
        "name": p.container, "command": ["/bin/sh"],
        "args": ["-c", f"printf '%s\\n' {p.content} > {p.file}; {p.sleep} {p.seconds}"]}]}}}}
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "-p", json.dumps(patch)]),
            _rollout(p)]


@lab.variant("edit-as-replace", "what `kubectl edit` does: get the Deployment, fix the path with sed, "
                                "`kubectl replace` (retried on a Conflict)")
def edit_replace(p):
    sh = (f"for try in 1 2 3 4 5; do kubectl get deploy {p.deployment} -n {p.namespace} -o json | "
          f"sed 's#{p.broken_sleep} #/bin/{p.sleep} #' | kubectl replace -f - && exit 0; sleep 1; done; exit 1")
    return [Run(["sh", "-c", sh]), _rollout(p)]
