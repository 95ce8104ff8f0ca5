"""Troubleshooting (cluster): the scheduler's static pod manifest is broken on the control plane."""

import sys

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, placement_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-scheduler-manifest",
    node="kubelab-control-plane",
    manifest="/etc/kubernetes/manifests/kube-scheduler.yaml",
    deployment="web",
    labels={"app": "web"},
    replicas=2,
    image="web-v1",
    command="kube-scheduler",                  # the manifest's command, as it should be
    broken_command="kube-schedulr",            # the seed's two mistakes
    kubeconfig="/etc/kubernetes/scheduler.conf",
    broken_kubeconfig="/etc/kubernetes/scheduler.config",
    fix_command=True,                          # False: that mistake left in (a near-miss)
    fix_kubeconfig=True,
)
NS, NODE, M = P.namespace, P.node, P.manifest
SCHEDULER = f"kube-scheduler-{P.node}"      # the mirror pod of the static pod
RESTORE = [sys.executable, "-m", "kubelab.cluster.system"]
# the scheduler's secure port answers /livez while it runs
NOT_LISTENING = ("for i in $(seq 1 240); do curl -sk -m 1 https://127.0.0.1:10259/livez >/dev/null || exit 0; "
                 "sleep 0.5; done; echo 'the old scheduler still answers' >&2; exit 1")

lab = Lab(
    id="trouble-scheduler-manifest",
    title="New pods stay Pending: the scheduler is broken",
    topic="troubleshooting",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    cluster_wide="breaks the kube-scheduler's static pod manifest: no new pod of the cluster is scheduled until "
                 "it is repaired",
    not_autogradable="the repair is a file on the control-plane node (a static pod manifest), which a class "
                     "replay in a sandbox namespace cannot re-create and must not touch",
    task=f"""\
The Deployment `{P.deployment}` in `{NS}` ({P.replicas} replicas) was created a moment ago, and its pods
stay `Pending` with no node and no events from the scheduler. Someone edited the scheduler's static pod
manifest on the control plane, `{M}` on `{NODE}` (`docker exec -it {NODE} bash` is your ssh there).

Find out what is wrong (`kubectl get pods -n kube-system`, `kubectl describe pod -n kube-system {SCHEDULER}`,
`crictl ps -a` and `crictl logs` on the node) and repair it so that:

- the scheduler runs again: its pod `kube-system/{SCHEDULER}` is Running and ready;
- the {P.replicas} pods of `{P.deployment}` are scheduled, running and ready.

Graded is the behaviour only: repair the manifest by hand or regenerate it, as you like; the kubelet
restarts a static pod by itself when its manifest changes.""",
)


@lab.check("pods-scheduled", f"The {P.replicas} pods of Deployment {P.deployment} are scheduled and ready", points=2,
           hint=f"`kubectl get pods -n {NS} -o wide`: pods with no node wait for the scheduler; they are scheduled "
                "within seconds once it runs (and has taken the leader lease)")
def pods_scheduled(ctx):
    return placement_extra.deployment_available(ctx.kube, NS, P.deployment, P.replicas)


@lab.check("scheduler-ready", f"The scheduler's pod kube-system/{SCHEDULER} is Running and ready", points=1,
           requires=["pods-scheduled"],
           hint=f"`kubectl describe pod -n kube-system {SCHEDULER}` (the last state of its container, the events); "
                f"on the node: `crictl ps -a --name kube-scheduler`, `crictl logs <id>`; compare `{M}` with the other "
                "manifests in its directory")
def scheduler_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, "kube-system", SCHEDULER)


def deployment(p):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.deployment, "namespace": p.namespace},
            "spec": {"replicas": p.replicas, "selector": {"matchLabels": dict(p.labels)}, "template": {
                "metadata": {"labels": dict(p.labels)},
                "spec": {"terminationGracePeriodSeconds": 0,
                         "containers": [{"name": "web", "image": lab_image(p.image)}]}}}}


def _sed(p, fixes: list[tuple[str, str]]) -> str:
    return " ".join(f"-e 's#{a}#{b}#'" for a, b in fixes)


@lab.seed
def seed(p):
    tmp = "/etc/kubernetes/kube-scheduler.yaml.kubelab"   # beside the manifests directory: one atomic change
    breaks = [(f"- {p.command}$", f"- {p.broken_command}"), (f"--kubeconfig={p.kubeconfig}$",
                                                              f"--kubeconfig={p.broken_kubeconfig}")]
    return [Run([*RESTORE, "ensure-baseline"], note="the cluster baseline knows the manifest as it should be"),
            Run(["docker", "exec", p.node, "sh", "-c", f"sed {_sed(p, breaks)} {p.manifest} > {tmp} && mv {tmp} {p.manifest}"]),
            Run(["docker", "exec", p.node, "sh", "-c", NOT_LISTENING], timeout=150),
            Apply(deployment(p))]


def _fixes(p):
    out = []
    if p.fix_command:
        out.append((f"- {p.broken_command}$", f"- {p.command}"))
    if p.fix_kubeconfig:
        out.append((f"--kubeconfig={p.broken_kubeconfig}$", f"--kubeconfig={p.kubeconfig}"))
    return out


def _ready(p):
    if not (p.fix_command and p.fix_kubeconfig):
        return []   # still broken: nothing will get ready
    # the kubelet replaces the scheduler's pod (and its mirror pod) by itself; the pods it schedules show it works
    return [Run(["kubectl", "rollout", "status", f"deployment/{p.deployment}", "-n", p.namespace, "--timeout=120s"])]


@lab.solution
def solution(p):
    fixes = [x for a, b in _fixes(p) for x in ("-e", f"s#{a}#{b}#")]
    edit = [Run(["docker", "exec", p.node, "sed", "-i", *fixes, p.manifest],
                note="crictl logs: exec: \"kube-schedulr\": executable file not found; after that: "
                     "stat /etc/kubernetes/scheduler.config: no such file")] if fixes else []
    return [*edit, *_ready(p)]


@lab.reset_steps
def reset(p):
    return [Run([*RESTORE, "restore", "static-pods"], timeout=150)]


lab.near_miss("command-only", "fixed the command, left the kubeconfig path misspelt: the scheduler exits at start",
              params={"fix_kubeconfig": False}, fails=["pods-scheduled"], changes=["scheduler-ready"])
lab.near_miss("deleted-mirror-pod", "deleted the scheduler's pod with kubectl instead of fixing the manifest: "
                                    "the kubelet makes it again from the same broken manifest",
              params={"fix_command": False, "fix_kubeconfig": False},
              after=lambda p: [Run(["kubectl", "delete", "pod", "-n", "kube-system", SCHEDULER, "--wait=false"])],
              fails=["pods-scheduled"], changes=["scheduler-ready"])


@lab.variant("kubeadm-regenerate", "the manifest regenerated with `kubeadm init phase control-plane scheduler` "
                                   "from the cluster's kubeadm configuration")
def regenerate(p):
    return [Run(["docker", "exec", p.node, "kubeadm", "init", "phase", "control-plane", "scheduler",
                 "--config", "/kind/kubeadm.conf"]), *_ready(p)]


@lab.variant("edit-a-copy", "the manifest copied out with `docker cp`, fixed in an editor (sed here), moved back "
                            "into the manifests directory")
def edit_copy(p):
    script = (f"set -e; f=$(mktemp); docker cp {p.node}:{p.manifest} $f; "
              f"sed -i -e 's/{p.broken_command}$/{p.command}/' -e 's#{p.broken_kubeconfig}$#{p.kubeconfig}#' $f; "
              f"docker cp $f {p.node}:/root/kube-scheduler.yaml; rm -f $f; "
              f"docker exec {p.node} mv /root/kube-scheduler.yaml {p.manifest}")
    return [Run(["sh", "-c", script]), *_ready(p)]
