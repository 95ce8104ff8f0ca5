"""Troubleshooting (cluster): DNS is down - CoreDNS scaled to zero and its Corefile broken."""

import json
import sys

from kubelab.cluster.api import lab_image
from kubelab.graders import placement_extra
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-dns-coredns",
    service="web",
    image="web-v1",                    # answers 'kubelab web v1' on port 80
    port=80,
    client="probe",                    # the pod DNS is tested from
    client_image="busybox",
    dns_namespace="kube-system",
    dns_deployment="coredns",
    dns_configmap="coredns",
    replicas=2,                        # CoreDNS replicas of the course cluster (its baseline)
    plugin="forward",                  # the Corefile plugin the seed misspells
    typo="foward",
    fixed_plugin="forward",            # what the repair writes (a near-miss keeps the typo)
)
NS, S, DNS = P.namespace, P.service, P.dns_namespace
FQDN = f"{S}.{NS}.svc.cluster.local"
RESTORE = [sys.executable, "-m", "kubelab.cluster.system"]

lab = Lab(
    id="trouble-dns-coredns",
    title="Cluster DNS is down",
    topic="troubleshooting",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    cluster_wide="scales CoreDNS to zero and breaks its Corefile: no pod of the cluster resolves a name until "
                 "it is repaired",
    not_autogradable="the repair is of the cluster's own CoreDNS (kube-system); a class replay runs in a "
                     "sandbox namespace and must not change kube-system",
    task=f"""\
Pods in the cluster cannot resolve names any more: from the pod `{P.client}` in `{NS}`,
`kubectl exec -n {NS} {P.client} -- nslookup {S}` gets no answer, although the Service `{S}` exists.

Find out why (the cluster DNS is the Deployment `{P.dns_deployment}` in `{DNS}`, configured by the
ConfigMap `{P.dns_configmap}`, behind the Service `kube-dns`; look at its pods, their logs and its
configuration) and repair it so that:

- from `{P.client}`, `nslookup {FQDN}` answers with the ClusterIP of the Service `{S}`;
- the cluster DNS runs with the {P.replicas} available replicas the cluster had before.

Graded is the behaviour only, not how you repaired it. (`kubelab lab reset {'trouble-dns-coredns'}` puts
CoreDNS back as the cluster was recorded.)""",
)


def resolved_addresses(output: str, name: str) -> list[str]:
    """The addresses busybox/BIND-style `nslookup` printed for `name` (after its `Name:` line)."""
    out, inside = [], False
    for line in output.splitlines():
        line = line.strip()
        if line.lower().startswith("name:"):
            inside = line.split(":", 1)[1].strip().rstrip(".") == name
        elif inside and line.lower().startswith("address"):
            out.append(line.split(":", 1)[1].strip().split()[0])
    return out


@lab.check("dns-answers", f"From pod {P.client}, {FQDN} resolves to the ClusterIP of Service {S}", points=2,
           hint=f"`kubectl get pods -n {DNS} -l k8s-app=kube-dns` (none? `kubectl get deploy {P.dns_deployment} -n "
                f"{DNS}`), `kubectl logs -n {DNS} deploy/{P.dns_deployment}` (an error in the Corefile?), "
                f"`kubectl get endpointslices -n {DNS} -l kubernetes.io/service-name=kube-dns`")
def dns_answers(ctx):
    from kubelab.graders import k8s

    svc = k8s.must_get(ctx.kube, "Service", S, NS)
    ip = (svc.get("spec") or {}).get("clusterIP")
    k8s.pod_running_ready(ctx.kube, NS, P.client)
    rc, out, err = ctx.kube.exec(NS, P.client, ["timeout", "5", "nslookup", FQDN], timeout=15)
    got = resolved_addresses(out, FQDN)
    if ip not in got:
        found = ", ".join(got) if got else f"no answer (nslookup exit {rc}: {(out + err).strip()[-120:]!r})"
        raise Failed(f"nslookup {FQDN} from pod {P.client}: expected {ip}, found {found}", expected=ip, found=found)
    return f"{FQDN} resolves to {ip} from pod {P.client}"


@lab.check("dns-replicas", f"Deployment {DNS}/{P.dns_deployment} has its {P.replicas} replicas, all available",
           points=1, requires=["dns-answers"],
           hint=f"`kubectl get deploy {P.dns_deployment} -n {DNS}`: `kubectl scale` sets the replicas; pods that crash "
                f"are not available (`kubectl logs -n {DNS} -l k8s-app=kube-dns`)")
def dns_replicas(ctx):
    return placement_extra.deployment_available(ctx.kube, DNS, P.dns_deployment, P.replicas)


def web(p):
    labels = {"app": p.service}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.service, "namespace": p.namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": {
             "terminationGracePeriodSeconds": 0,
             "containers": [{"name": "web", "image": lab_image(p.image), "ports": [{"containerPort": p.port}]}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
         "spec": {"selector": labels, "ports": [{"port": p.port, "targetPort": p.port}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.client, "namespace": p.namespace},
         "spec": {"terminationGracePeriodSeconds": 0, "containers": [
             {"name": "probe", "image": lab_image(p.client_image), "command": ["sleep", "3600"]}]}},
    ]


def _corefile_sed(p, old, new):
    return (f"kubectl get configmap {p.dns_configmap} -n {p.dns_namespace} -o yaml | "
            f"sed 's/^\\( *\\){old} \\./\\1{new} ./' | kubectl replace -f -")


@lab.seed
def seed(p):
    return [Run([*RESTORE, "ensure-baseline"], note="the cluster baseline knows CoreDNS as it should be"),
            Apply(web(p)),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.client}", "--timeout=120s"]),
            Run(["sh", "-c", _corefile_sed(p, p.plugin, p.typo)]),
            Run(["kubectl", "scale", "deployment", p.dns_deployment, "-n", p.dns_namespace, "--replicas=0"]),
            Run(["kubectl", "wait", "--for=delete", "pod", "-l", "k8s-app=kube-dns", "-n", p.dns_namespace,
                 "--timeout=90s"])]


def _rolled_out(p):
    """Wait for the repaired CoreDNS (a Corefile left broken never rolls out: nothing to wait for)."""
    if p.fixed_plugin != p.plugin:
        return []
    return [Run(["kubectl", "rollout", "status", f"deployment/{p.dns_deployment}", "-n", p.dns_namespace,
                 "--timeout=90s"])]


@lab.solution
def solution(p):
    return [Run(["sh", "-c", _corefile_sed(p, p.typo, p.fixed_plugin)],
                note="kubectl logs shows: Unknown directive 'foward'; fix the Corefile (kubectl edit does the same)"),
            Run(["kubectl", "scale", "deployment", p.dns_deployment, "-n", p.dns_namespace, f"--replicas={p.replicas}"]),
            *_rolled_out(p)]


@lab.reset_steps
def reset(p):
    return [Run([*RESTORE, "restore", "coredns"], timeout=150)]


lab.near_miss("scaled-only", "scaled back to 2 replicas, the Corefile still misspelt: the pods crash",
              params={"fixed_plugin": P.typo}, fails=["dns-answers"], changes=["dns-replicas"])
lab.near_miss("one-replica", "Corefile repaired but scaled to 1 replica: DNS answers, not as the cluster had it",
              params={"replicas": 1}, fails=["dns-replicas"])


@lab.variant("kubectl-edit-patch", "`kubectl edit` on the ConfigMap (an editor that replaces the typo) and the "
                                   "replicas set with `kubectl patch`")
def edit_patch(p):
    return [Run(["sh", "-c", f"KUBE_EDITOR=\"sed -i 's/{p.typo} \\./{p.plugin} ./'\" "
                             f"kubectl edit configmap {p.dns_configmap} -n {p.dns_namespace}"]),
            Run(["kubectl", "patch", "deployment", p.dns_deployment, "-n", p.dns_namespace,
                 "-p", json.dumps({"spec": {"replicas": p.replicas}})]),
            *_rolled_out(p)]


@lab.variant("scale-first-restart", "scaled first (the pods crash), then the Corefile fixed and the pods "
                                    "restarted with `kubectl rollout restart`")
def scale_first(p):
    return [Run(["kubectl", "scale", "deployment", p.dns_deployment, "-n", p.dns_namespace, f"--replicas={p.replicas}"]),
            Run(["sh", "-c", _corefile_sed(p, p.typo, p.plugin)]),
            Run(["kubectl", "rollout", "restart", f"deployment/{p.dns_deployment}", "-n", p.dns_namespace]),
            *_rolled_out(p)]
