"""NetworkPolicy: deny all ingress by default, then allow one kind of client on one port.

Graded by requests, not by the policies' spelling: the grader starts probe pods (with and without
the client label) and asks them to fetch from the pods the task protects.
"""

from kubelab.cluster.api import lab_image
from kubelab.graders import network
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-netpol-default-deny-allow",
    web="web",                          # Deployment and Service the client may reach
    web_labels={"app": "web"},
    web_image="web-v1",                 # answers 'kubelab web v1' on port 80
    answer="kubelab web v1",
    port=80,
    port_name="http",
    admin_port=8080,                    # a second port of the web pods that stays closed
    admin_port_name="admin",
    db="db",                            # a second app that no one may reach
    db_labels={"app": "db"},
    db_image="web-v2",
    client_labels={"role": "client"},
    probe_image="busybox",
    deny_policy="default-deny-ingress",
    allow_policy="web-allow-client",
    # what the reference allows (near-misses change these)
    allow_from={"role": "client"},
    allow_port=80,
    deny=True,                          # the default-deny policy is applied
    or_namespaces=False,                # near-miss: namespaceSelector {} as a second peer (OR, not AND)
    deny_egress=False,                  # near-miss: the default deny also covers egress
)
NS = P.namespace


def _kv(labels):
    return ",".join(f"{k}={v}" for k, v in labels.items())


lab = Lab(
    id="netpol-default-deny-allow",
    title="Default deny, then allow one client on one port",
    topic="networking",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{P.web}` (pods labelled `{_kv(P.web_labels)}`) serves HTTP on port {P.port}
(named `{P.port_name}`, it answers `{P.answer}`) and an admin page on port {P.admin_port}; the Deployment
`{P.db}` (pods `{_kv(P.db_labels)}`) serves on port {P.port} too. Services of the same names point at them.
Today every pod in the cluster can reach all of it.

Lock the namespace down with NetworkPolicies (the cluster enforces them):

- by default, **no** pod of `{NS}` accepts incoming connections from anyone (a default-deny policy
  for ingress);
- pods labelled `{_kv(P.client_labels)}` in `{NS}` may connect to the `{P.web}` pods on TCP port
  {P.port}, and only on that port: not to port {P.admin_port}, not to `{P.db}`;
- pods without that label get nothing from the `{P.web}` pods.

Outgoing traffic stays as it is (no egress rules). Name the policies as you like. Graded is what gets
through: the checker starts short-lived probe pods with and without the label `{_kv(P.client_labels)}` in
`{NS}` and fetches from the Services. Try it yourself:
`kubectl run -n {NS} c1 --rm -it --restart=Never --image={lab_image(P.probe_image)} -l {_kv(P.client_labels)} -- timeout 3 wget -qO- http://{P.web}/`.""",
)


WHO_CLIENT = "a probe pod labelled " + _kv(P.client_labels)


@lab.check("web-isolated", f"A NetworkPolicy selects the {P.web} pods for ingress", points=1,
           hint=f"a policy's `podSelector` picks the pods it protects: `{{}}` selects every pod of the namespace; "
                f"`kubectl get networkpolicy -n {NS}` and `kubectl describe networkpolicy -n {NS}`")
def web_isolated(ctx):
    return network.expect_isolated(ctx.kube, NS, dict(P.web_labels), "Ingress", who=f"pods {_kv(P.web_labels)}")


@lab.check("unlabelled-blocked", f"A pod without {_kv(P.client_labels)} cannot reach {P.web} on port {P.port}",
           points=2, timeout=90,
           hint=f"a policy with `podSelector: {{}}` and `policyTypes: [Ingress]` and no ingress rules denies "
                "every incoming connection in the namespace; two items under `from:` are OR: "
                "`- namespaceSelector: {}` alone lets every pod of every namespace in")
def unlabelled_blocked(ctx):
    ip = network.service_ip(ctx.kube, NS, P.web)
    with network.probe_pods(ctx.kube, NS, {"plain": {}}, lab_image(P.probe_image), purpose="plain") as pods:
        return network.expect_blocked(ctx.kube, NS, pods["plain"], f"http://{ip}:{P.port}/",
                                      who="a probe pod without labels", within=8)


@lab.check("client-limited", f"A {_kv(P.client_labels)} pod reaches nothing else: not {P.web} on port "
                             f"{P.admin_port}, not {P.db}", points=2, timeout=90,
           hint=f"the allow rule belongs to a policy that selects only the {P.web} pods and lists "
                f"`ports: [{{port: {P.port}}}]` (or the name `{P.port_name}`); the default deny must select "
                "every pod (`podSelector: {}`)")
def client_limited(ctx):
    web, db = network.service_ip(ctx.kube, NS, P.web), network.service_ip(ctx.kube, NS, P.db)
    with network.probe_pods(ctx.kube, NS, {"client": dict(P.client_labels)}, lab_image(P.probe_image),
                            purpose="client") as pods:
        seen = [network.expect_blocked(ctx.kube, NS, pods["client"], f"http://{web}:{P.admin_port}/",
                                       who=WHO_CLIENT + f" ({P.web} port {P.admin_port})", within=8),
                network.expect_blocked(ctx.kube, NS, pods["client"], f"http://{db}:{P.port}/",
                                       who=WHO_CLIENT + f" ({P.db})", within=8)]
    return "; ".join(seen)


@lab.check("client-reaches-web", f"A {_kv(P.client_labels)} pod gets {P.answer!r} from http://{P.web}/",
           points=2, timeout=90, requires=["web-isolated"],
           hint=f"`from: [{{podSelector: {{matchLabels: {P.client_labels}}}}}]` in a policy selecting "
                f"{_kv(P.web_labels)}; a default deny of egress (policyTypes: [Egress]) would stop the client "
                "from sending at all")
def client_reaches_web(ctx):
    with network.probe_pods(ctx.kube, NS, {"client": dict(P.client_labels)}, lab_image(P.probe_image),
                            purpose="client") as pods:
        return network.expect_reach(ctx.kube, NS, pods["client"], f"http://{P.web}/", P.answer, who=WHO_CLIENT)


# ---- seed --------------------------------------------------------------------------------------

def web_deployment(p):
    admin = (f"mkdir -p /admin && echo kubelab admin > /admin/index.html && "
             f"exec httpd -f -p {p.admin_port} -h /admin")
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.web, "namespace": p.namespace},
        "spec": {"replicas": 2, "selector": {"matchLabels": dict(p.web_labels)},
                 "template": {"metadata": {"labels": dict(p.web_labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [
                         {"name": "web", "image": lab_image(p.web_image),
                          "ports": [{"name": p.port_name, "containerPort": p.port}]},
                         {"name": "admin", "image": lab_image(p.probe_image), "command": ["sh", "-c", admin],
                          "ports": [{"name": p.admin_port_name, "containerPort": p.admin_port}]},
                     ]}}},
    }


def db_deployment(p):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": p.db, "namespace": p.namespace},
        "spec": {"replicas": 1, "selector": {"matchLabels": dict(p.db_labels)},
                 "template": {"metadata": {"labels": dict(p.db_labels)}, "spec": {
                     "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "db", "image": lab_image(p.db_image),
                                     "ports": [{"containerPort": p.port}]}]}}},
    }


def services(p):
    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.web, "namespace": p.namespace},
         "spec": {"selector": dict(p.web_labels), "ports": [
             {"name": p.port_name, "port": p.port, "targetPort": p.port_name},
             {"name": p.admin_port_name, "port": p.admin_port, "targetPort": p.admin_port_name}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.db, "namespace": p.namespace},
         "spec": {"selector": dict(p.db_labels), "ports": [{"port": p.port, "targetPort": p.port}]}},
    ]


@lab.seed
def seed(p):
    return [Apply([web_deployment(p), db_deployment(p), *services(p)]),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.web}", "--timeout=120s"]),
            Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.db}", "--timeout=120s"])]


# ---- the reference and the mistakes --------------------------------------------------------------

def deny_policy(p):
    types = ["Ingress", "Egress"] if p.deny_egress else ["Ingress"]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": p.deny_policy, "namespace": p.namespace},
            "spec": {"podSelector": {}, "policyTypes": types}}


def allow_policy(p):
    peers = [{"podSelector": {"matchLabels": dict(p.allow_from)}}]
    if p.or_namespaces:
        peers.insert(0, {"namespaceSelector": {}})
    rule = {"from": peers}
    if p.allow_port is not None:
        rule["ports"] = [{"protocol": "TCP", "port": p.allow_port}]
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": p.allow_policy, "namespace": p.namespace},
            "spec": {"podSelector": {"matchLabels": dict(p.web_labels)}, "policyTypes": ["Ingress"],
                     "ingress": [rule]}}


@lab.solution
def solution(p):
    return [Apply([deny_policy(p), allow_policy(p)] if p.deny else [allow_policy(p)])]


lab.near_miss("all-ports", "the allow rule lists no ports: role=client reaches the admin port too",
              params={"allow_port": None}, fails=["client-limited"])
lab.near_miss("or-not-and", "`from:` has two peers, `- namespaceSelector: {}` and `- podSelector: ...`: two "
                            "list items are OR, so every pod of every namespace gets in",
              params={"or_namespaces": True}, fails=["unlabelled-blocked"])
lab.near_miss("no-default-deny", "only the allow policy: it isolates the web pods, but db stays open",
              params={"deny": False}, fails=["client-limited"])
lab.near_miss("wrong-label", "allows role=frontend: the real clients are blocked",
              params={"allow_from": {"role": "frontend"}}, fails=["client-reaches-web"])
lab.near_miss("deny-egress-too", "the default deny has policyTypes [Ingress, Egress]: the client cannot send",
              params={"deny_egress": True}, fails=["client-reaches-web"])


@lab.variant("expressions-named-port", "matchExpressions instead of matchLabels, the port by its name `http`, "
                                       "the default deny written with `ingress: []` and no policyTypes")
def expressions_named_port(p):
    deny = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "deny-all", "namespace": p.namespace},
            "spec": {"podSelector": {"matchLabels": {}}, "ingress": []}}
    allow = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
             "metadata": {"name": "clients-to-web", "namespace": p.namespace},
             "spec": {"podSelector": {"matchExpressions": [
                          {"key": k, "operator": "In", "values": [v]} for k, v in p.web_labels.items()]},
                      "ingress": [{"from": [{"podSelector": {"matchExpressions": [
                          {"key": k, "operator": "In", "values": [v]} for k, v in p.client_labels.items()]}}],
                          "ports": [{"port": p.port_name}]}]}}
    return [Apply([deny, allow])]


@lab.variant("deny-then-patch", "the default deny applied first, then the allow policy created and patched "
                                "to add its port (`kubectl patch --type=json`)")
def deny_then_patch(p):
    allow = allow_policy(p)
    del allow["spec"]["ingress"][0]["ports"]
    add_port = ('[{"op": "add", "path": "/spec/ingress/0/ports", "value": '
                f'[{{"port": {p.port}}}]}}]')
    return [Apply(deny_policy(p)), Apply(allow),
            Run(["kubectl", "patch", "networkpolicy", p.allow_policy, "-n", p.namespace, "--type=json",
                 "-p", add_port])]
