"""Controllers: a StatefulSet with a headless Service and a volume per replica that outlives its pod."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, storage_extra, workloads_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-statefulset-web",
    statefulset="web",
    service="web",
    container="nginx",
    image="nginx",
    labels={"app": "web"},
    replicas=3,
    claim="www",
    size="64Mi",
    mount="/usr/share/nginx/html",
    victim=1,
    text="data-of-web-1",
)
IMAGE = lab_image(P.image)
NS, SS = P.namespace, P.statefulset
VICTIM = f"{SS}-{P.victim}"
VICTIM_PVC = f"{P.claim}-{VICTIM}"

lab = Lab(
    id="statefulset-web",
    title="A StatefulSet whose data survives its pods",
    topic="controllers",
    shape="course",
    minutes=20,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{NS}`:

1. create a **headless** Service `{P.service}` (`clusterIP: None`, port 80, selector `app={P.labels['app']}`);
2. create a StatefulSet `{SS}` of **{P.replicas}** replicas governed by that Service (`serviceName`), container
   `{P.container}` running `{IMAGE}`, with a `volumeClaimTemplates` entry `{P.claim}` (ReadWriteOnce,
   {P.size}, the default StorageClass) mounted at `{P.mount}`; every replica gets its own claim
   `{P.claim}-{SS}-N`;
3. once all replicas are Ready, write `{P.text}` into `{P.mount}/index.html` of pod `{VICTIM}`;
4. delete pod `{VICTIM}` and watch the StatefulSet bring it back under the same name, on the same claim:
   the file is still there.""",
)


@lab.check("headless-service", f"Service {P.service} is headless", points=1,
           hint=f"`kubectl create service clusterip {P.service} -n {NS} --clusterip=None --tcp=80:80` "
                "(then make the selector app=web)")
def headless_service(ctx):
    return k8s.field_equals(ctx.kube, "Service", P.service, NS, "spec.clusterIP", "None")


@lab.check("statefulset", f"StatefulSet {SS}: {P.replicas} replicas, serviceName {P.service}", points=1,
           hint="spec.serviceName names the headless Service; spec.replicas the count")
def statefulset(ctx):
    k8s.field_equals(ctx.kube, "StatefulSet", SS, NS, "spec.serviceName", P.service)
    return k8s.field_equals(ctx.kube, "StatefulSet", SS, NS, "spec.replicas", P.replicas)


@lab.check("claims-bound", f"Each replica has a bound claim {P.claim}-{SS}-0..{P.replicas - 1}", points=2,
           requires=["statefulset"],
           hint=f"spec.volumeClaimTemplates: [{{metadata: {{name: {P.claim}}}, spec: {{accessModes: [ReadWriteOnce], "
                f"resources: {{requests: {{storage: {P.size}}}}}}}}}]; `kubectl get pvc -n {NS}`")
def claims_bound(ctx):
    for i in range(P.replicas):
        k8s.pvc_bound(ctx.kube, NS, f"{P.claim}-{SS}-{i}")
    return f"{P.replicas} claims bound"


@lab.check("claim-size", f"The claims ask for {P.size}, ReadWriteOnce", points=1, requires=["claims-bound"],
           hint=f"volumeClaimTemplates[].spec: accessModes: [ReadWriteOnce], resources.requests.storage: {P.size} "
                "(any unit of the same amount); a template cannot be changed in place: delete the StatefulSet and "
                "its claims, then create it again")
def claim_size(ctx):
    for i in range(P.replicas):
        storage_extra.claim_asks_for(ctx.kube, NS, f"{P.claim}-{SS}-{i}", P.size, "ReadWriteOnce")
    return f"{P.replicas} claims of {P.size}, ReadWriteOnce"


@lab.check("all-ready", f"{P.replicas} ready replicas", points=1, requires=["statefulset"],
           hint=f"`kubectl get sts {SS} -n {NS}`; pods start in order, so one that is not ready blocks the next")
def all_ready(ctx):
    return k8s.field_equals(ctx.kube, "StatefulSet", SS, NS, "status.readyReplicas", P.replicas)


@lab.check("pod-recreated", f"Pod {VICTIM} was deleted and came back", points=1, requires=["claims-bound"],
           record_only=True,  # a deletion is history: a replay creates every pod anew (a young web-1 proves nothing)
           hint=f"`kubectl delete pod {VICTIM} -n {NS}`; the StatefulSet creates it again with the same name")
def pod_recreated(ctx):
    return workloads_extra.pod_recreated(ctx.kube, NS, VICTIM, "PersistentVolumeClaim", VICTIM_PVC, seconds=3)


@lab.check("data-survived", f"{P.mount}/index.html in {VICTIM} still holds {P.text}", points=2, record_only=True,  # what each replica wrote lives in the student's volumes
          
           requires=["all-ready"],
           hint=f"write it with `kubectl exec -n {NS} {VICTIM} -- sh -c 'echo {P.text} > {P.mount}/index.html'` "
                "before deleting the pod; the mountPath must be the claim's")
def data_survived(ctx):
    return k8s.file_in_container(ctx.kube, NS, VICTIM, f"{P.mount}/index.html", contains=P.text,
                                 container=P.container)


def manifests(p):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": p.service, "namespace": p.namespace},
           "spec": {"clusterIP": "None", "selector": dict(p.labels), "ports": [{"port": 80, "targetPort": 80}]}}
    sts = {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": p.statefulset, "namespace": p.namespace},
        "spec": {
            "serviceName": p.service, "replicas": p.replicas,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": lab_image(p.image), "ports": [{"containerPort": 80}],
                                "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 1},
                                "volumeMounts": [{"name": p.claim, "mountPath": p.mount}]}],
            }},
            "volumeClaimTemplates": [{"metadata": {"name": p.claim}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": p.size}}}}],
        },
    }
    return [svc, sts]


@lab.solution
def solution(p):
    victim = f"{p.statefulset}-{p.victim}"
    status = Run(["kubectl", "rollout", "status", "-n", p.namespace, f"sts/{p.statefulset}", "--timeout=180s"])
    return [
        Apply(manifests(p)),
        status,
        Run(["kubectl", "exec", "-n", p.namespace, victim, "--", "sh", "-c",
             f"echo {p.text} > {p.mount}/index.html"]),
        Run(["kubectl", "delete", "pod", "-n", p.namespace, victim]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=create", f"pod/{victim}", "--timeout=60s"],
            note="the StatefulSet creates it again (waiting for Ready before it exists would fail):"),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{victim}", "--timeout=120s"]),
        status,
    ]


lab.near_miss("not-headless", "a normal ClusterIP Service",
              after=lambda p: [Run(["kubectl", "delete", "svc", "-n", p.namespace, p.service]),
                               Run(["kubectl", "create", "service", "clusterip", p.service, "-n", p.namespace,
                                    "--tcp=80:80"])],
              fails=["headless-service"])
lab.near_miss("claims-1gi", "claims of 1Gi copied from an example (the task asks for 64Mi)", params={"size": "1Gi"},
              fails=["claim-size"])
lab.near_miss("other-pod", "wrote into web-2 and deleted web-2 instead of web-1", params={"victim": 2},
              fails=["pod-recreated", "data-survived"])


def _write_delete_wait(p, exec_prefix, write, delete):
    victim = f"{p.statefulset}-{p.victim}"
    status = Run(["kubectl", "rollout", "status", "-n", p.namespace, f"statefulset/{p.statefulset}", "--timeout=180s"])
    return [
        status,
        Run(["kubectl", "exec", "-n", p.namespace, *exec_prefix, "--", "sh", "-c", write]),
        Run(["kubectl", "delete", "-n", p.namespace, *delete]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=create", f"pod/{victim}", "--timeout=60s"]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{victim}", "--timeout=120s"]),
        status,
    ]


@lab.variant("imperative-service-parallel", "`kubectl create service clusterip --clusterip=None` (its selector is "
             "app=web by the name), a StatefulSet with the short image nginx:1.22.1, a matchExpressions selector, "
             "podManagementPolicy Parallel and the claim size in bytes (67108864)")
def imperative_service(p):
    svc, sts = manifests(p)
    spec = sts["spec"]
    spec["selector"] = {"matchExpressions": [{"key": k, "operator": "In", "values": [v]} for k, v in p.labels.items()]}
    spec["podManagementPolicy"] = "Parallel"
    spec["template"]["spec"]["containers"][0]["image"] = "nginx:1.22.1"
    spec["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = "67108864"
    victim = f"{p.statefulset}-{p.victim}"
    return [Run(["kubectl", "create", "service", "clusterip", p.service, "--clusterip=None", "--tcp=80:80",
                 "-n", p.namespace]),
            Apply(sts),
            *_write_delete_wait(p, [victim, "-c", p.container], f"echo {p.text} > {p.mount}/index.html",
                                ["pod", victim, "--wait=true"])]


@lab.variant("named-port-class", "the Service's targetPort and the readiness probe by the port name http, the "
             "default class named (storageClassName: standard), the size as 0.0625Gi, the file written with printf "
             "through `kubectl exec pod/web-1`, the pod deleted by its pod-name label")
def named_port_class(p):
    svc, sts = manifests(p)
    svc["spec"]["ports"] = [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    c = sts["spec"]["template"]["spec"]["containers"][0]
    c["image"] = "docker.io/library/nginx:1.22.1"
    c["ports"] = [{"name": "http", "containerPort": 80}]
    c["readinessProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 2}
    claim = sts["spec"]["volumeClaimTemplates"][0]
    claim["spec"]["storageClassName"] = "standard"
    claim["spec"]["resources"]["requests"]["storage"] = "0.0625Gi"
    victim = f"{p.statefulset}-{p.victim}"
    return [Apply([sts, svc]),
            *_write_delete_wait(p, [f"pod/{victim}"], f"printf '%s\\n' {p.text} > {p.mount}/index.html",
                                ["pod", "-l", f"statefulset.kubernetes.io/pod-name={victim}"])]
