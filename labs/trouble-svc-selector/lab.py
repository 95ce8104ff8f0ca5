"""Troubleshooting: a Service whose selector matches no pod, so it has no endpoints."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-svc-selector",
    deployment="shop",
    labels={"app": "shop", "tier": "frontend"},
    replicas=2,
    image="web-v1",                    # answers 'kubelab web v1'
    answer="kubelab web v1",
    legacy="shop-legacy",              # a second Deployment whose pods must get no traffic
    legacy_labels={"app": "shop", "tier": "legacy"},
    legacy_image="web-v2",             # answers 'kubelab web v2'
    service="shop",
    port=80,
    selector={"app": "shop", "tier": "frontend"},   # what the repair sets (near-misses change it)
    broken_selector={"app": "shop", "tier": "fronted"},
    client="client",
    client_image="busybox",
)
NS, D, S = P.namespace, P.deployment, P.service


def _kv(labels):
    return ",".join(f"{k}={v}" for k, v in labels.items())


lab = Lab(
    id="trouble-svc-selector",
    title="A Service with no endpoints",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the Deployment `{D}` runs {P.replicas} pods of `{lab_image(P.image)}` (they answer
`{P.answer}` on port {P.port}), and the Service `{S}` (port {P.port}) should send traffic to them.
It does not: a request to `http://{S}/` from inside the cluster gets no answer. A second Deployment,
`{P.legacy}`, runs an old version that must get **no** traffic from `{S}`.

Find out why (`kubectl describe svc {S} -n {NS}`, `kubectl get endpointslices -n {NS}`,
`kubectl get pods -n {NS} --show-labels`) and repair it so that:

- the Service `{S}` has exactly the ready pods of the Deployment `{D}` as its endpoints;
- from the pod `{P.client}` (there for you to test from, leave it running),
  `kubectl exec -n {NS} {P.client} -- timeout 5 wget -qO- http://{S}/` prints `{P.answer}`.

Graded is the behaviour only: repair whichever object you find wrong, but keep the Deployments'
pods running.""",
)


def _deployment_pod_ips(ctx, name):
    dep = k8s.must_get(ctx.kube, "Deployment", name, NS)
    pods = workloads_extra.pods_matching(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or {})
    return {p["metadata"]["name"]: field(p, "status.podIP") for p in pods if k8s._ready(p)}


@lab.check("endpoints-exact", f"Service {S}: its endpoints are exactly the {P.replicas} ready pods of {D}",
           points=2,
           hint=f"compare `kubectl get svc {S} -n {NS} -o jsonpath='{{.spec.selector}}'` with "
                f"`kubectl get pods -n {NS} --show-labels`: a selector picks pods carrying all its labels; "
                f"`kubectl get endpointslices -n {NS} -l kubernetes.io/service-name={S}` lists what it picked")
def endpoints_exact(ctx):
    ready, _ = workloads_extra.endpoints_split(ctx.kube, NS, S)
    want = _deployment_pod_ips(ctx, D)
    if len(want) != P.replicas:
        raise Failed(f"deployment {D}: expected {P.replicas} ready pods, found {len(want)}",
                     expected=str(P.replicas), found=str(len(want)))
    ips = set(want.values())
    if ready != ips:
        extra, missing = sorted(ready - ips), sorted(ips - ready)
        found = (f"{len(ready)} endpoint(s)" + (f", not pods of {D}: {', '.join(extra)}" if extra else "")
                 + (f", missing pods of {D}: {', '.join(missing)}" if missing else ""))
        raise Failed(f"service {S} endpoints: expected the {len(ips)} ready pods of {D} "
                     f"({', '.join(sorted(ips))}), found {found}", expected=", ".join(sorted(ips)), found=found)
    return f"service {S} endpoints = the {len(ips)} ready pods of {D}: {', '.join(sorted(ips))}"


@lab.check("answers-from-client", f"From pod {P.client}, http://{S}/ answers {P.answer}", points=2,
           hint=f"`kubectl exec -n {NS} {P.client} -- timeout 5 wget -qO- http://{S}/`; no answer while the "
                "Service has no endpoints (`kubectl describe svc` shows `Endpoints: <none>`)")
def answers_from_client(ctx):
    return http_from_client(ctx, f"http://{S}/", P.answer)


def http_from_client(ctx, url, expected):
    k8s.pod_running_ready(ctx.kube, NS, P.client)
    rc, out, err = ctx.kube.exec(NS, P.client, ["timeout", "5", "wget", "-qO-", url])
    body = out.strip()
    if rc != 0 or expected not in body:
        found = repr(body[:80]) if rc == 0 else f"no answer (wget exit {rc}: {(err or out).strip()[:80]})"
        raise Failed(f"{url} from pod {P.client}: expected {expected!r}, found {found}",
                     expected=expected, found=found)
    return f"{url} from pod {P.client} answers {body[:40]!r}"


def deployment(p, name, labels, image):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": p.namespace},
        "spec": {
            "replicas": p.replicas if name == p.deployment else 1,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": "web", "image": lab_image(image), "ports": [{"containerPort": p.port}]}],
            }},
        },
    }


def service(p, selector):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
            "spec": {"selector": dict(selector), "ports": [{"port": p.port, "targetPort": p.port}]}}


def client_pod(p):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.client, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [
                {"name": "client", "image": lab_image(p.client_image), "command": ["sleep", "3600"]}]}}


@lab.seed
def seed(p):
    return [Apply([deployment(p, p.deployment, p.labels, p.image),
                   deployment(p, p.legacy, p.legacy_labels, p.legacy_image),
                   service(p, p.broken_selector), client_pod(p)])]


def _ready(p):
    return [Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=120s"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.client}", "--timeout=120s"])]


@lab.solution
def solution(p):
    return [Run(["kubectl", "set", "selector", "-n", p.namespace, f"service/{p.service}", _kv(p.selector)]),
            *_ready(p)]


lab.near_miss("too-broad", "selector app=shop only: the legacy pod gets traffic too",
              params={"selector": {"app": "shop"}}, fails=["endpoints-exact"], changes=["answers-from-client"])


def _label_one_pod(p):
    one = (f"kubectl get pod -n {p.namespace} -l {_kv(p.labels)} -o name | head -n 1")
    return [Run(["sh", "-c", f"kubectl label -n {p.namespace} $({one}) tier={p.broken_selector['tier']} "
                             "--overwrite"]),
            *_ready(p)]


lab.near_miss("relabelled-a-pod", "labelled one pod to match the Service instead: that pod leaves the "
                                  "Deployment (its ReplicaSet makes a new one) and alone gets the traffic",
              params={"selector": P.broken_selector}, after=_label_one_pod, fails=["endpoints-exact"])


@lab.variant("merge-patch", "`kubectl patch --type=merge` on spec.selector (the same keys, the typo replaced)")
def merge_patch(p):
    patch = {"spec": {"selector": {"tier": p.selector["tier"]}}}
    return [Run(["kubectl", "patch", "service", p.service, "-n", p.namespace, "--type=merge",
                 "-p", json.dumps(patch)]), *_ready(p)]


@lab.variant("reapply-yaml", "the Service applied again as YAML, selector keys in another order, a port name, "
                             "targetPort left to default to the port")
def reapply(p):
    m = service(p, {k: p.selector[k] for k in reversed(list(p.selector))})
    m["spec"]["ports"] = [{"name": "http", "port": p.port}]
    return [Apply(m), *_ready(p)]


@lab.variant("edit-as-replace", "what `kubectl edit` does: get the Service, fix the typo with sed, `kubectl replace`")
def edit_replace(p):
    bad, good = p.broken_selector["tier"], p.selector["tier"]
    script = (f"kubectl get svc {p.service} -n {p.namespace} -o json | "
              f"sed 's/\"tier\": \"{bad}\"/\"tier\": \"{good}\"/' | kubectl replace -f -")
    return [Run(["sh", "-c", script]), *_ready(p)]
