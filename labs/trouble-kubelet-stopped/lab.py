"""Troubleshooting (cluster): a worker NotReady because its kubelet is stopped."""

import sys

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, placement_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-kubelet-stopped",
    node="kubelab-worker2",            # the broken worker (`docker exec kubelab-worker2 ...` is your ssh)
    repaired="kubelab-worker2",        # the node the repair is done on (a near-miss picks the other worker)
    deployment="probe",
    labels={"app": "probe"},
    image="web-v1",
    healthz="http://127.0.0.1:10248/healthz",   # the kubelet's own health endpoint on the node
    cordon_after=False,                # True: the node left cordoned after the repair (a near-miss)
)
NS, NODE = P.namespace, P.node
RESTORE = [sys.executable, "-m", "kubelab.cluster.system"]

lab = Lab(
    id="trouble-kubelet-stopped",
    title="A worker node is NotReady",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    cluster_wide=f"stops the kubelet of {P.node}: the node goes NotReady and no new pod starts on it",
    not_autogradable="the repair is on a node (its kubelet service), which a class replay in a sandbox "
                     "namespace cannot re-create and must not touch",
    task=f"""\
The node `{NODE}` has stopped running new pods: the Deployment `{P.deployment}` in `{NS}`, whose pod
must run on `{NODE}` (a nodeSelector), stays Pending, and the node is (or within a minute will be)
`NotReady` in `kubectl get nodes`.

Log in to the node and find out why: on the course cluster a node is a container, so
`docker exec -it {NODE} bash` is your `ssh {NODE}` (then `systemctl status kubelet`,
`journalctl -u kubelet`). Repair it so that:

- `{NODE}` is back in service: `Ready`, its kubelet healthy, schedulable;
- the pod of `{P.deployment}` runs (Running, ready) on `{NODE}`.

Graded is the behaviour only.""",
)


@lab.check("pod-runs-on-node", f"The pod of Deployment {P.deployment} runs, ready, on {NODE}", points=2,
           hint=f"`kubectl get pods -n {NS} -o wide`: a pod bound to a node whose kubelet is down stays Pending; "
                "once the kubelet runs it starts the pod within seconds")
def pod_runs_on_node(ctx):
    pods = [p for p in ctx.kube.list("Pod", NS, ",".join(f"{k}={v}" for k, v in P.labels.items()))
            if not field(p, "metadata.deletionTimestamp")]
    on = [p for p in pods if field(p, "spec.nodeName") == NODE]
    ready = [p for p in on if field(p, "status.phase") == "Running" and k8s._ready(p)]
    if not ready:
        shown = ", ".join(f"{field(p, 'metadata.name')} {field(p, 'status.phase')}@{field(p, 'spec.nodeName') or '-'}"
                          for p in pods) or "none"
        raise Failed(f"deployment {P.deployment}: expected a running, ready pod on {NODE}, found {shown}",
                     expected=f"Running on {NODE}", found=shown)
    return f"pod {field(ready[0], 'metadata.name')} runs on {NODE}"


@lab.check("node-in-service", f"Node {NODE}: kubelet healthy, Ready, schedulable", points=2,
           requires=["pod-runs-on-node"],
           hint=f"`docker exec {NODE} systemctl status kubelet`: is it running? `journalctl -u kubelet -n 20` says why "
                f"not; `kubectl get node {NODE}` shows Ready and SchedulingDisabled")
def node_in_service(ctx):
    rc, out = ctx.kube.node_exec(NODE, ["curl", "-s", "-m", "3", P.healthz])
    if rc != 0 or out.strip() != "ok":
        found = f"no answer (curl exit {rc})" if rc != 0 else repr(out.strip()[:60])
        raise Failed(f"node {NODE}: its kubelet's {P.healthz}: expected 'ok', found {found}", expected="ok", found=found)
    node = k8s.must_get(ctx.kube, "Node", NODE)
    ready = next((c.get("status") for c in field(node, "status.conditions") or [] if c.get("type") == "Ready"),
                 "Unknown")
    if ready != "True":
        raise Failed(f"node {NODE}: expected Ready=True, found Ready={ready}", expected="True", found=ready)
    placement_extra.node_schedulable(ctx.kube, NODE)
    return f"node {NODE}: kubelet healthy, Ready, schedulable"


def deployment(p):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": dict(p.labels)}, "template": {
                "metadata": {"labels": dict(p.labels)},
                "spec": {"terminationGracePeriodSeconds": 0, "nodeSelector": {"kubernetes.io/hostname": p.node},
                         "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}


@lab.seed
def seed(p):
    return [Run([*RESTORE, "ensure-baseline"], note="the cluster baseline knows every kubelet running"),
            Run(["docker", "exec", p.node, "systemctl", "stop", "kubelet"]),
            Apply(deployment(p))]


def _ready(p):
    steps = [Run(["kubectl", "wait", "--for=condition=Ready", f"node/{p.node}", "--timeout=90s"])]
    if p.repaired == p.node:
        steps.append(Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace,
                          "--timeout=90s"]))
    if p.cordon_after:
        steps.append(Run(["kubectl", "cordon", p.node]))
    return steps


@lab.solution
def solution(p):
    return [Run(["docker", "exec", p.repaired, "systemctl", "enable", "--now", "kubelet"],
                note="systemctl status kubelet: inactive (dead); enable --now starts it and keeps it on at boot"),
            *(_ready(p) if p.repaired == p.node else [])]


@lab.reset_steps
def reset(p):
    return [Run([*RESTORE, "restore", "kubelet"], timeout=150),
            Run(["kubectl", "uncordon", p.node], ok_codes=(0, 1))]


lab.near_miss("wrong-node", f"`systemctl enable --now kubelet` on kubelab-worker, whose kubelet was running",
              params={"repaired": "kubelab-worker"}, fails=["pod-runs-on-node"], changes=["node-in-service"])
lab.near_miss("left-cordoned", "kubelet started, but the node cordoned while investigating was never uncordoned",
              params={"cordon_after": True}, fails=["node-in-service"])


@lab.variant("start", "`systemctl start kubelet` (it was never disabled, so it comes back at boot)")
def start(p):
    return [Run(["docker", "exec", p.node, "systemctl", "start", "kubelet"]), *_ready(p)]


@lab.variant("restart-in-shell", "in a shell on the node: `systemctl daemon-reload; systemctl restart kubelet`")
def restart(p):
    return [Run(["docker", "exec", p.node, "sh", "-c", "systemctl daemon-reload && systemctl restart kubelet"]),
            *_ready(p)]
