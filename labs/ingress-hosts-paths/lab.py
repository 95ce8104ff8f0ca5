"""Ingress: two Services behind one controller, chosen by host name and path."""

from kubelab.cluster.api import lab_image
from kubelab.graders import http_probe
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-ingress-hosts-paths",
    shop_host="shop.kubelab.test",
    api_host="api.kubelab.test",
    other_host="other.kubelab.test",     # not served by this lab: must not reach its Services
    web="web",                           # Service (and Deployment) for the shop's pages
    api="api",                           # Service (and Deployment) for the API
    port=80,                             # the Services' port (named `http`)
    port_name="http",
    container_port=8080,
    api_path="/api",
    api_paths=["/api/orders", "/api/status"],   # what the checks request on the shop host for `api`
    web_paths=["/", "/products"],        # ... and for `web`
    ingress_class="traefik",
    client="client",
    image="busybox",
)
NS = P.namespace

lab = Lab(
    id="ingress-hosts-paths",
    title="An Ingress that routes by host and path",
    topic="services",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` two Deployments run behind two Services: `{P.web}` (the shop's pages) and `{P.api}` (its
API), each on port {P.port} (named `{P.port_name}`). Each page says which Service answered and from
which namespace (`{P.web} in {NS}`). The cluster's ingress controller is Traefik (IngressClass
`{P.ingress_class}`, the default class).

Create an Ingress (or several) so that the controller sends:

- `http://{P.shop_host}{P.api_path}` and every path below it (`{P.api_path}/orders`, ...) to `{P.api}`;
- every other path on `{P.shop_host}` (`/`, `/products`, ...) to `{P.web}`;
- `http://{P.api_host}/` to `{P.api}`;
- and no other host name (for example `{P.other_host}`) to either Service.

No DNS entry is needed: a client names the host in its `Host` header. Test from the pod
`{P.client}` (leave it running) with
`kubectl exec -n {NS} {P.client} -- wget -qO- --header 'Host: {P.shop_host}' http://traefik.kube-system{P.api_paths[0]}`,
and from this machine with `curl -H 'Host: {P.shop_host}' http://<a node's IP>:32080{P.api_paths[0]}`
(`kubectl get nodes -o wide` lists the node IPs).""",
)


def _ns(ctx) -> str:
    """The namespace the pages name: the lab's, or a replay's."""
    return ctx.kube.namespaces.get(NS, NS)


def _page(ctx, service: str) -> str:
    return f"{service} in {_ns(ctx)}"


def _from_client(ctx, host: str, path: str) -> http_probe.Answer:
    ctl = http_probe.controller(ctx.kube)
    return http_probe.from_pod(ctx.kube, NS, P.client, ctl, http_probe.lab_host(ctx.kube, NS, host), path)


@lab.check("shop-pages", f"From pod {P.client}: {P.shop_host} {' and '.join(P.web_paths)} reach {P.web}", points=2,
           hint=f"a rule for host {P.shop_host} with path `/` and `pathType: Prefix` to service {P.web} port "
                f"{P.port}; `kubectl describe ingress -n {NS}` shows the rules the controller got")
def shop_pages(ctx):
    seen = []
    for path in P.web_paths:
        seen.append(http_probe.expect_body(_from_client(ctx, P.shop_host, path), _page(ctx, P.web),
                                           f"http://{P.shop_host}{path} from pod {P.client}"))
    return "; ".join(seen)


@lab.check("shop-api", f"From pod {P.client}: {P.shop_host} {' and '.join(P.api_paths)} reach {P.api}", points=2,
           hint=f"a second path on host {P.shop_host}: `{P.api_path}` with `pathType: Prefix` to service {P.api} "
                f"(Exact matches {P.api_path} alone, not the paths below it)")
def shop_api(ctx):
    seen = []
    for path in P.api_paths:
        seen.append(http_probe.expect_body(_from_client(ctx, P.shop_host, path), _page(ctx, P.api),
                                           f"http://{P.shop_host}{path} from pod {P.client}"))
    return "; ".join(seen)


@lab.check("api-host", f"From pod {P.client}: {P.api_host}/ reaches {P.api}", points=2,
           hint=f"a rule for host {P.api_host}, path `/`, to service {P.api}")
def api_host(ctx):
    return http_probe.expect_body(_from_client(ctx, P.api_host, "/"), _page(ctx, P.api),
                                  f"http://{P.api_host}/ from pod {P.client}")


@lab.check("from-host", f"From this machine (node port 32080): {P.shop_host}{P.api_paths[0]} and {P.api_host}/ "
                        f"reach {P.api}", points=1,
           hint="the controller's Service traefik in kube-system is a NodePort (32080 for HTTP) on every node; "
                "`curl -H 'Host: ...' http://<node IP>:32080/...` sends what a browser would")
def from_host(ctx):
    ctl = http_probe.controller(ctx.kube)
    seen = []
    for host, path in ((P.shop_host, P.api_paths[0]), (P.api_host, "/")):
        answer = http_probe.from_host(ctl, http_probe.lab_host(ctx.kube, NS, host), path)
        seen.append(http_probe.expect_body(answer, _page(ctx, P.api),
                                           f"http://{host}{path} via {ctl.node_address}:{ctl.http_port}"))
    return "; ".join(seen)


@lab.check("other-host", f"From pod {P.client}: {P.other_host} reaches neither Service", points=1,
           requires=["shop-pages"],   # only means something once the shop is routed (a fresh lab scores 0)
           hint="a rule without `host:` matches every host name: give each rule its host")
def other_host(ctx):
    answer = _from_client(ctx, P.other_host, "/")
    where = f"http://{P.other_host}/ from pod {P.client}"
    http_probe.expect_not_body(answer, _page(ctx, P.web), where)
    return http_probe.expect_not_body(answer, _page(ctx, P.api), where)


# ---- seed ----------------------------------------------------------------------------------

def backend(p, name):
    """A Deployment whose pages name it and its namespace, and its Service (port named http)."""
    labels = {"app": name}
    files = " ".join(["index.html", *[x.strip("/") for x in [*p.api_paths, *p.web_paths] if x.strip("/")]])
    script = (f'for f in {files}; do mkdir -p $(dirname /www/$f); echo "$APP in $NAMESPACE" > /www/$f; done && '
              f"exec httpd -f -p {p.container_port} -h /www")
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": p.namespace},
         "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {
                      "terminationGracePeriodSeconds": 0,
                      "containers": [{
                          "name": name, "image": lab_image(p.image), "command": ["sh", "-c", script],
                          "env": [{"name": "APP", "value": name},
                                  {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}],
                          "ports": [{"name": p.port_name, "containerPort": p.container_port}],
                          "readinessProbe": {"httpGet": {"path": "/", "port": p.port_name}, "periodSeconds": 2},
                      }]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": p.namespace},
         "spec": {"selector": labels, "ports": [{"name": p.port_name, "port": p.port, "targetPort": p.port_name}]}},
    ]


def client_pod(p):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.client, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [
                {"name": "client", "image": lab_image(p.image), "command": ["sleep", "86400"]}]}}


@lab.seed
def seed(p):
    return [Apply([*backend(p, p.web), *backend(p, p.api), client_pod(p)])]


# ---- solution, variants, near-misses -------------------------------------------------------

def _path(path, service, port, kind="Prefix"):
    return {"path": path, "pathType": kind, "backend": {"service": {"name": service, "port": port}}}


def ingress(p, name="shop", rules=None, ingress_class=True):
    spec = {"rules": rules if rules is not None else [
        {"host": p.shop_host, "http": {"paths": [_path("/", p.web, {"number": p.port}),
                                                 _path(p.api_path, p.api, {"number": p.port})]}},
        {"host": p.api_host, "http": {"paths": [_path("/", p.api, {"number": p.port})]}},
    ]}
    if ingress_class:
        spec = {"ingressClassName": p.ingress_class, **spec}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "namespace": p.namespace}, "spec": spec}


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{d}", "--timeout=120s"])
            for d in (p.web, p.api)] + [
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.client}", "--timeout=120s"])]


@lab.solution
def solution(p):
    return [Apply(ingress(p)), *_ready(p)]


@lab.variant("kubectl-create", "`kubectl create ingress` with three --rule flags (`/*` is Prefix, the api host's "
                               "`/` Exact), no ingressClassName (the default class)")
def kubectl_create(p):
    return [Run(["kubectl", "create", "ingress", "shop", "-n", p.namespace,
                 f"--rule={p.shop_host}/*={p.web}:{p.port}",
                 f"--rule={p.shop_host}{p.api_path}/*={p.api}:{p.port}",
                 f"--rule={p.api_host}/={p.api}:{p.port}"]), *_ready(p)]


@lab.variant("two-ingresses-named-port", "one Ingress per host, backend ports by name (`http`), paths in the other "
                                         "order, `/api/` with a trailing slash, ImplementationSpecific for the api host")
def two_ingresses(p):
    port = {"name": p.port_name}
    shop = ingress(p, "shop", [{"host": p.shop_host, "http": {"paths": [
        _path(p.api_path + "/", p.api, port), _path("/", p.web, port)]}}])
    api = ingress(p, "api", [{"host": p.api_host, "http": {"paths": [
        _path("/", p.api, port, "ImplementationSpecific")]}}], ingress_class=False)
    return [Apply([shop, api]), *_ready(p)]


def _hostless(p):
    return [{"http": {"paths": [_path("/", p.web, {"number": p.port}),
                                _path(p.api_path, p.api, {"number": p.port})]}}]


lab.near_miss("no-api-path", f"only `/` on {P.shop_host}: {P.api_path} goes to {P.web}",
              after=lambda p: [Apply(ingress(p, rules=[
                  {"host": p.shop_host, "http": {"paths": [_path("/", p.web, {"number": p.port})]}},
                  {"host": p.api_host, "http": {"paths": [_path("/", p.api, {"number": p.port})]}}]))],
              fails=["shop-api"], changes=["from-host"])
lab.near_miss("exact-api", f"`{P.api_path}` as pathType Exact: the paths below it go to {P.web}",
              after=lambda p: [Apply(ingress(p, rules=[
                  {"host": p.shop_host, "http": {"paths": [_path("/", p.web, {"number": p.port}),
                                                           _path(p.api_path, p.api, {"number": p.port}, "Exact")]}},
                  {"host": p.api_host, "http": {"paths": [_path("/", p.api, {"number": p.port})]}}]))],
              fails=["shop-api"], changes=["from-host"])
lab.near_miss("exact-root", f"`/` on {P.shop_host} as pathType Exact: /products gets 404",
              after=lambda p: [Apply(ingress(p, rules=[
                  {"host": p.shop_host, "http": {"paths": [_path("/", p.web, {"number": p.port}, "Exact"),
                                                           _path(p.api_path, p.api, {"number": p.port})]}},
                  {"host": p.api_host, "http": {"paths": [_path("/", p.api, {"number": p.port})]}}]))],
              fails=["shop-pages"], changes=["other-host"])
lab.near_miss("no-hosts", "the shop's rule without a host: every host name gets the shop",
              after=lambda p: [Apply(ingress(p, rules=[
                  *_hostless(p), {"host": p.api_host, "http": {"paths": [_path("/", p.api, {"number": p.port})]}}]))],
              fails=["other-host"])
lab.near_miss("container-port", f"backend port {P.container_port} (the container's port, not the Service's): "
                                "the controller finds no such Service port",
              params={"port": P.container_port},
              fails=["shop-pages", "shop-api", "api-host", "from-host"], changes=["other-host"])
lab.near_miss("wrong-class", "ingressClassName nginx: no controller of this cluster serves it",
              params={"ingress_class": "nginx"},
              fails=["shop-pages", "shop-api", "api-host", "from-host"], changes=["other-host"])
