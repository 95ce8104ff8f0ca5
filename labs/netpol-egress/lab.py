"""NetworkPolicy: limit a client's egress to one Service and the cluster DNS.

Graded by requests from probe pods the grader starts (labelled as the clients, and unlabelled),
not by how the policy is written.
"""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, network
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params

P = Params(
    namespace="lab-netpol-egress",
    api="api",                          # the one Service the clients may use
    api_labels={"app": "api"},
    api_image="web-v1",
    answer="kubelab web v1",
    port=80,
    port_name="http",
    db="db",                            # a Service in the same namespace the clients must not reach
    db_labels={"app": "db"},
    db_image="web-v2",
    db_answer="kubelab web v2",
    client_labels={"app": "client"},
    probe_image="busybox",
    policy="client-egress",
    dns_name="kubernetes.default.svc.cluster.local",
    # what the reference allows (near-misses change these)
    selects_all=False,                  # near-miss: the policy selects every pod
    dns=True,                           # near-miss: no DNS rule
    dns_ports=True,                     # near-miss: the DNS rule opens every port of kube-system
    api_peer={"app": "api"},            # near-miss: {} lets the clients reach every pod on port 80
)
NS = P.namespace


def _kv(labels):
    return ",".join(f"{k}={v}" for k, v in labels.items())


lab = Lab(
    id="netpol-egress",
    title="Egress to one Service plus DNS",
    topic="networking",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Service `{P.api}` (pods `{_kv(P.api_labels)}`, port {P.port}, the container port is named
`{P.port_name}`) answers `{P.answer}`, and the Service `{P.db}` (pods `{_kv(P.db_labels)}`, port {P.port})
holds data the clients must not touch.

Write a NetworkPolicy (the cluster enforces them) so that pods labelled `{_kv(P.client_labels)}` in `{NS}`
may open connections **only** to:

- the pods behind the Service `{P.api}`, on TCP port {P.port};
- the cluster DNS (the CoreDNS pods `k8s-app=kube-dns` in `kube-system`), on port 53 UDP and TCP, so that
  `http://{P.api}/` still resolves.

Everything else from those pods is blocked: `{P.db}`, other ports, and the rest of the cluster (CoreDNS's own
health port 8080 too). Pods without the label `{_kv(P.client_labels)}` keep their full egress, and incoming
traffic stays as it is. Graded is what gets through: the checker starts short-lived probe pods with and without
the label in `{NS}`. Try it yourself:
`kubectl run -n {NS} c1 --rm -it --restart=Never --image={lab_image(P.probe_image)} -l {_kv(P.client_labels)} -- timeout 3 wget -qO- http://{P.api}/`.""",
)

CLIENT = "a probe pod labelled " + _kv(P.client_labels)


def _dns_pod_ip(ctx):
    pods = [p for p in ctx.kube.list("Pod", "kube-system", selector="k8s-app=kube-dns")
            if (p.get("status") or {}).get("podIP") and k8s._ready(p)]
    if not pods:
        raise Failed("kube-system: expected a ready CoreDNS pod (k8s-app=kube-dns), found none",
                     expected="a CoreDNS pod", found="none")
    return pods[0]["status"]["podIP"]


@lab.check("clients-isolated", f"A NetworkPolicy selects the {_kv(P.client_labels)} pods for egress", points=1,
           hint=f"`podSelector: {{matchLabels: {P.client_labels}}}` with `policyTypes: [Egress]`; "
                f"`kubectl describe networkpolicy -n {NS}` shows what a policy selects")
def clients_isolated(ctx):
    return network.expect_isolated(ctx.kube, NS, dict(P.client_labels), "Egress",
                                   who=f"pods {_kv(P.client_labels)}")


@lab.check("client-blocked", f"A {_kv(P.client_labels)} pod cannot reach {P.db}, nor CoreDNS's health port 8080",
           points=2, timeout=90,
           hint=f"egress rules list what is allowed; a rule `to: [{{podSelector: {{}}}}]` on port {P.port} lets "
                f"{P.db} through, and a DNS rule without `ports: [{{protocol: UDP, port: 53}}, "
                "{protocol: TCP, port: 53}]` opens every port of the pods it names")
def client_blocked(ctx):
    db, dns = network.service_ip(ctx.kube, NS, P.db), _dns_pod_ip(ctx)
    with network.probe_pods(ctx.kube, NS, {"client": dict(P.client_labels)}, lab_image(P.probe_image),
                            purpose="client") as pods:
        seen = [network.expect_blocked(ctx.kube, NS, pods["client"], f"http://{db}:{P.port}/",
                                       who=f"{CLIENT} ({P.db})", within=8),
                network.expect_blocked(ctx.kube, NS, pods["client"], f"http://{dns}:8080/health",
                                       who=f"{CLIENT} (CoreDNS port 8080)", within=8)]
    return "; ".join(seen)


@lab.check("client-allowed", f"A {_kv(P.client_labels)} pod resolves names and gets {P.answer!r} from "
                             f"http://{P.api}/", points=2, timeout=90, requires=["clients-isolated"],
           hint=f"`to: [{{podSelector: {{matchLabels: {P.api_labels}}}}}]` with `ports: [{{port: {P.port}}}]` "
                "(the pods' port: a policy never names a Service), and DNS: the kube-dns pods of kube-system "
                "on port 53 UDP and TCP (`namespaceSelector` and `podSelector` in one peer)")
def client_allowed(ctx):
    with network.probe_pods(ctx.kube, NS, {"client": dict(P.client_labels)}, lab_image(P.probe_image),
                            purpose="client") as pods:
        seen = [network.expect_lookup(ctx.kube, NS, pods["client"], P.dns_name, who=CLIENT),
                network.expect_reach(ctx.kube, NS, pods["client"], f"http://{P.api}/", P.answer, who=CLIENT)]
    return "; ".join(seen)


@lab.check("others-unrestricted", f"A pod without {_kv(P.client_labels)} still reaches http://{P.db}/", points=1,
           timeout=90, requires=["clients-isolated"],
           hint=f"select only the clients: `podSelector: {{matchLabels: {P.client_labels}}}`; "
                "`podSelector: {}` restricts every pod of the namespace")
def others_unrestricted(ctx):
    with network.probe_pods(ctx.kube, NS, {"plain": {}}, lab_image(P.probe_image), purpose="plain") as pods:
        return network.expect_reach(ctx.kube, NS, pods["plain"], f"http://{P.db}/", P.db_answer,
                                    who="a probe pod without labels")


# ---- seed --------------------------------------------------------------------------------------

def deployment(p, name, labels, image, port_name=None):
    port = {"containerPort": p.port, **({"name": port_name} if port_name else {})}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": p.namespace},
            "spec": {"replicas": 1, "selector": {"matchLabels": dict(labels)},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": {
                         "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": name, "image": lab_image(image), "ports": [port]}]}}}}


def service(p, name, labels):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": p.namespace},
            "spec": {"selector": dict(labels), "ports": [{"port": p.port, "targetPort": p.port}]}}


@lab.seed
def seed(p):
    from kubelab.labs.model import Run

    return [Apply([deployment(p, p.api, p.api_labels, p.api_image, p.port_name), service(p, p.api, p.api_labels),
                   deployment(p, p.db, p.db_labels, p.db_image), service(p, p.db, p.db_labels)]),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.api}", "--timeout=120s"]),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.db}", "--timeout=120s"])]


# ---- the reference and the mistakes --------------------------------------------------------------

DNS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}


def egress_policy(p):
    rules = [{"to": [{"podSelector": {"matchLabels": dict(p.api_peer)}}],
              "ports": [{"protocol": "TCP", "port": p.port}]}]
    if p.dns:
        dns = {"to": [DNS_PEER] if p.dns_ports else
               [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}]}
        if p.dns_ports:
            dns["ports"] = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        rules.append(dns)
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": p.policy, "namespace": p.namespace},
            "spec": {"podSelector": {} if p.selects_all else {"matchLabels": dict(p.client_labels)},
                     "policyTypes": ["Egress"], "egress": rules}}


@lab.solution
def solution(p):
    return [Apply(egress_policy(p))]


lab.near_miss("no-dns", "only the api rule: the clients cannot resolve names, so http://api/ fails",
              params={"dns": False}, fails=["client-allowed"])
lab.near_miss("dns-all-ports", "the DNS rule names kube-system but no ports: CoreDNS's port 8080 is open",
              params={"dns_ports": False}, fails=["client-blocked"])
lab.near_miss("every-pod", "`podSelector: {}`: every pod of the namespace loses its egress",
              params={"selects_all": True}, fails=["others-unrestricted"])
lab.near_miss("any-pod-port-80", "`to: [{podSelector: {}}]` on port 80: db answers on port 80 too",
              params={"api_peer": {}}, fails=["client-blocked"])


@lab.variant("dns-anywhere-named-port", "the DNS rule opens port 53 to any destination (`ports` only, no `to`), "
                                        "the api rule uses the port name `http` and matchExpressions")
def dns_anywhere_named_port(p):
    pol = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "egress-lockdown", "namespace": p.namespace},
           "spec": {"podSelector": {"matchExpressions": [
                        {"key": k, "operator": "In", "values": [v]} for k, v in p.client_labels.items()]},
                    "egress": [
                        {"ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]},
                        {"to": [{"podSelector": {"matchExpressions": [
                            {"key": k, "operator": "In", "values": [v]} for k, v in p.api_labels.items()]}}],
                         "ports": [{"port": p.port_name}]}],
                    "policyTypes": ["Egress"]}}
    return [Apply(pol)]


@lab.variant("two-policies", "one policy for DNS and one for the api, both selecting the clients (policies add up)")
def two_policies(p):
    sel = {"matchLabels": dict(p.client_labels)}
    dns = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "client-dns", "namespace": p.namespace},
           "spec": {"podSelector": sel, "policyTypes": ["Egress"],
                    "egress": [{"to": [DNS_PEER], "ports": [{"protocol": "UDP", "port": 53},
                                                            {"protocol": "TCP", "port": 53}]}]}}
    api = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
           "metadata": {"name": "client-api", "namespace": p.namespace},
           "spec": {"podSelector": sel, "policyTypes": ["Egress"],
                    "egress": [{"to": [{"podSelector": {"matchLabels": dict(p.api_labels)}}],
                                "ports": [{"port": p.port}]}]}}
    return [Apply([dns, api])]
