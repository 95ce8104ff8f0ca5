"""Probes: an httpGet readiness probe keeps a pod out of the Service until it is ready."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-probes-readiness-endpoints",
    service="web",
    pods=["web-a", "web-b"],
    ready_pod="web-a",
    container="web",
    image="nginx",
    labels={"app": "web"},
    path="/ready.html",
    period=1,
)
IMAGE = lab_image(P.image)
NS = P.namespace
A, B = P.pods
HTML = "/usr/share/nginx/html"

lab = Lab(
    id="probes-readiness-endpoints",
    title="A readiness probe decides which pods get traffic",
    topic="probes",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{NS}`:

1. create two pods, `{A}` and `{B}`, both labelled `app={P.labels['app']}` with a container `{P.container}`
   running `{IMAGE}` and an **httpGet readiness probe** on path `{P.path}`, port 80, every
   {P.period} second(s). nginx has no such file yet, so both stay `0/1` (Running, not Ready);
2. create a Service `{P.service}` (port 80) selecting `app={P.labels['app']}`: it has no ready endpoints;
3. make **only** `{P.ready_pod}` ready by creating the file inside it:
   `kubectl exec -n {NS} {P.ready_pod} -- sh -c 'echo ok > {HTML}{P.path}'`.

`kubectl get endpointslices -n {NS} -l kubernetes.io/service-name={P.service} -o wide` then lists
`{A}`'s address as ready and `{B}`'s as not ready: the Service sends traffic only to `{A}`.""",
)


@lab.check("pods-exist", f"Pods {A} and {B} exist with app={P.labels['app']}", points=1,
           hint=f"`kubectl run {A} -n {NS} --image={IMAGE} -l app={P.labels['app']} --dry-run=client -o yaml`")
def pods_exist(ctx):
    for name in P.pods:
        k8s.labels_include(ctx.kube, "Pod", name, NS, P.labels)
    return f"pods {A}, {B} labelled app={P.labels['app']}"


@lab.check("readiness-probe", f"Both have an httpGet readiness probe on {P.path}:80 every {P.period} s", points=2,
           requires=["pods-exist"],
           hint=f"readinessProbe: {{httpGet: {{path: {P.path}, port: 80}}, periodSeconds: {P.period}}}; "
                "probes cannot be changed on a running pod: delete and apply again")
def readiness_probe(ctx):
    for name in P.pods:
        base = f"spec.containers[name={P.container}].readinessProbe"
        k8s.field_equals(ctx.kube, "Pod", name, NS, f"{base}.httpGet.path", P.path)
        k8s.probe_port_is(ctx.kube, NS, name, P.container, "readinessProbe", 80)   # `port: http` resolves
        k8s.field_equals(ctx.kube, "Pod", name, NS, f"{base}.periodSeconds", P.period)
    return f"httpGet {P.path}:80 every {P.period} s on both pods"


@lab.check("ready-one", f"{P.ready_pod} is Ready, the other is not", points=1, requires=["readiness-probe"],
           record_only=True,  # the file made with `kubectl exec` lives in a container: not replayable
           hint=f"create {HTML}{P.path} inside {P.ready_pod} only (kubectl exec)")
def ready_one(ctx):
    k8s.pod_running_ready(ctx.kube, NS, P.ready_pod)
    for name in P.pods:
        if name != P.ready_pod:
            pod = k8s.must_get(ctx.kube, "Pod", name, NS)
            if k8s._ready(pod):
                raise Failed(f"pod {name}: expected Running but not Ready, found Ready",
                             expected="not Ready", found="Ready")
    return f"{P.ready_pod} Ready, the other not"


@lab.check("endpoints", f"Service {P.service} lists only {P.ready_pod} as a ready endpoint", points=2,
           record_only=True,  # follows from the exec'd file, as above
           requires=["pods-exist"],
           hint=f"the Service's selector must be app={P.labels['app']}; "
                f"`kubectl describe svc {P.service} -n {NS}` shows its Endpoints")
def endpoints(ctx):
    ready, unready = workloads_extra.endpoints_split(ctx.kube, NS, P.service)
    ips = {n: (k8s.must_get(ctx.kube, "Pod", n, NS).get("status") or {}).get("podIP") for n in P.pods}
    want = {ips[P.ready_pod]}
    if ready != want:
        shown = ", ".join(n for n, ip in ips.items() if ip in ready) or "none"
        raise Failed(f"service {P.service} ready endpoints: expected {P.ready_pod}, found {shown}",
                     expected=P.ready_pod, found=shown)
    others = [n for n in P.pods if n != P.ready_pod and ips[n] not in unready]
    if others:
        raise Failed(f"service {P.service}: expected {', '.join(others)} listed as not ready, found it missing "
                     "(does the selector match every pod?)", expected="listed as not ready", found="missing")
    return f"ready: {P.ready_pod}; not ready: {', '.join(n for n in P.pods if n != P.ready_pod)}"


def manifests(p):
    docs = []
    for name in p.pods:
        docs.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": p.namespace, "labels": dict(p.labels)},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                "name": p.container, "image": lab_image(p.image), "ports": [{"containerPort": 80}],
                "readinessProbe": {"httpGet": {"path": p.path, "port": 80}, "periodSeconds": p.period},
            }]},
        })
    docs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
                 "spec": {"selector": dict(p.labels), "ports": [{"port": 80, "targetPort": 80}]}})
    return docs


def _probe_on(p, name, port):
    pod = next(d for d in manifests(p) if d["kind"] == "Pod" and d["metadata"]["name"] == name)
    pod["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = port
    return pod


@lab.solution
def solution(p):
    steps = [Apply(manifests(p))]
    steps += [Run(["kubectl", "wait", "-n", p.namespace, "--for=jsonpath={.status.phase}=Running", f"pod/{n}",
                   "--timeout=60s"]) for n in p.pods]
    steps += [
        Run(["kubectl", "exec", "-n", p.namespace, p.ready_pod, "--", "sh", "-c", f"echo ok > {HTML}{p.path}"]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.ready_pod}", "--timeout=60s"]),
    ]
    return steps


lab.near_miss("probe-index", "the probe checks /index.html, which exists at once: both pods ready",
              params={"path": "/index.html"}, fails=["readiness-probe"],
              changes=["ready-one", "endpoints"])
lab.near_miss("probe-port-8080", "the probe asks port 8080, where nginx does not listen: never ready",
              after=lambda p: [Run(["kubectl", "delete", "pod", "-n", p.namespace, *p.pods, "--wait=true"]),
                               Apply([_probe_on(p, n, 8080) for n in p.pods])],
              fails=["readiness-probe", "endpoints"], changes=["ready-one"])
lab.near_miss("both-ready", "created the file in both pods",
              after=lambda p: [Run(["kubectl", "exec", "-n", p.namespace, n, "--", "sh", "-c",
                                    f"echo ok > {HTML}{p.path}"]) for n in p.pods]
              + [Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", "pod", "--all",
                      "--timeout=60s"])],
              fails=["ready-one", "endpoints"])


def _pod(p, name, *, image=None, named_port=False, labels=None):
    port = {"containerPort": 80, **({"name": "http"} if named_port else {})}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": p.namespace, "labels": labels or dict(p.labels)},
            "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
                "name": p.container, "image": image or lab_image(p.image), "ports": [port],
                "readinessProbe": {"httpGet": {"path": p.path, "port": "http" if named_port else 80,
                                               "scheme": "HTTP"},
                                   "periodSeconds": p.period, "failureThreshold": 1, "timeoutSeconds": 1},
            }]}}


def _make_ready(p):
    return [Run(["kubectl", "wait", "-n", p.namespace, "--for=jsonpath={.status.phase}=Running", f"pod/{n}",
                 "--timeout=60s"]) for n in p.pods] + [
        Run(["kubectl", "exec", "-n", p.namespace, p.ready_pod, "-c", p.container, "--", "sh", "-c",
             f"printf ok > {HTML}{p.path}"]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.ready_pod}", "--timeout=60s"])]


@lab.variant("named-port-create-service", "the probe on `port: http` (the container port named http), short "
                                          "image name, the Service from `kubectl create service clusterip`")
def named_port(p):
    short = lab_image(p.image).removeprefix("docker.io/library/")
    # `kubectl create service clusterip web` selects app=web: the label the task asks for
    return [Apply([_pod(p, n, image=short, named_port=True) for n in p.pods]),
            Run(["kubectl", "create", "service", "clusterip", p.service, "-n", p.namespace, "--tcp=80:80"]),
            *_make_ready(p)]


@lab.variant("expose-extra-labels", "pods with an extra label tier=web, the Service from `kubectl expose pod` "
                                    "with --selector, probe fields in another order and a named targetPort")
def expose(p):
    labels = {**p.labels, "tier": "web"}
    selector = ",".join(f"{k}={v}" for k, v in p.labels.items())
    return [Apply([_pod(p, n, named_port=True, labels=labels) for n in p.pods]),
            Run(["kubectl", "expose", "pod", p.pods[0], "-n", p.namespace, f"--name={p.service}", "--port=80",
                 "--target-port=http", f"--selector={selector}"]),
            *_make_ready(p)]
