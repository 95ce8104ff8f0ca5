"""Storage: a claim on the default StorageClass whose data outlives the pod that wrote it."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, storage_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-storage-dynamic-pvc",
    pvc="data",
    request="64Mi",
    access_mode="ReadWriteOnce",
    default_class="standard",         # the cluster's default StorageClass (what admission fills in)
    pod="counter",
    image="busybox",                  # image catalog key (cluster/images.yaml)
    volume_kind="pvc",                # "emptyDir" in a near-miss
    mount="/data",
    file="boots.log",
    word="boot",
    starts=2,                         # the pod is created, deleted and created again
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="storage-dynamic-pvc",
    title="A claim on the default StorageClass that outlives its pod",
    topic="storage",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}`:

1. Create a **PersistentVolumeClaim** `{P.pvc}` for `{P.request}`, `{P.access_mode}`, that names **no**
   storageClassName: the cluster's default StorageClass provisions a volume for it.
2. Create a pod `{P.pod}` running `{IMAGE}` that mounts the claim at `{P.mount}`, appends one line
   `{P.word} <date>` to `{P.mount}/{P.file}` each time it starts, then keeps running:
   `sh -c 'echo "{P.word} $(date)" >> {P.mount}/{P.file}; sleep 3600'`.
3. Delete the pod and create it again from the same manifest. The file must now hold
   {P.starts} lines: the data outlived the first pod.

Watch the claim go from `Pending` (the class binds only when a pod uses the claim) to `Bound`.""",
)


@lab.check("pvc-default-class", f"PVC {P.pvc} got the default class {P.default_class}", points=1,
           hint=f"leave storageClassName out: admission fills in the default class "
                f"(`kubectl get storageclass` marks it `(default)`)")
def pvc_default_class(ctx):
    return k8s.field_equals(ctx.kube, "PersistentVolumeClaim", P.pvc, P.namespace, "spec.storageClassName",
                            P.default_class)


@lab.check("pvc-bound", f"PVC {P.pvc} is Bound", points=1, requires=["pvc-default-class"],
           hint="the default class is WaitForFirstConsumer: the claim stays Pending until a pod mounts it")
def pvc_bound(ctx):
    return k8s.pvc_bound(ctx.kube, P.namespace, P.pvc)


@lab.check("claim-spec", f"PVC {P.pvc} asks for {P.request}, {P.access_mode}", points=1,
           requires=["pvc-default-class"],
           hint=f"resources.requests.storage: {P.request} (any unit of the same amount) and accessModes: [{P.access_mode}]; "
                "a claim's request cannot be lowered: delete the claim (and its pod) and create it again")
def claim_spec(ctx):
    return storage_extra.claim_asks_for(ctx.kube, P.namespace, P.pvc, P.request, P.access_mode)


@lab.check("pod-uses-claim", f"Pod {P.pod} mounts claim {P.pvc}", points=1,
           hint=f"volumes: [{{name: <any name>, persistentVolumeClaim: {{claimName: {P.pvc}}}}}] and a volumeMount "
                f"of that volume at {P.mount}; an emptyDir dies with its pod")
def pod_uses_claim(ctx):
    # the volume's name is the student's choice: find the volume by its claim
    return k8s.pod_mounts_claim(ctx.kube, P.namespace, P.pod, P.pvc, mount=P.mount)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, requires=["pod-uses-claim"],
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}` (Events)")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("data-survived", f"{P.mount}/{P.file} holds {P.starts} '{P.word}' lines (the pod was re-created)",
           points=2, record_only=True,  # the lines written before the re-creation live in the student's volume
           requires=["pod-ready"],
           hint=f"`kubectl delete pod {P.pod} -n {P.namespace}`, then apply the same manifest again; "
                f"`kubectl exec -n {P.namespace} {P.pod} -- cat {P.mount}/{P.file}` shows the lines")
def data_survived(ctx):
    return storage_extra.lines_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/{P.file}", P.word, P.starts)


def pvc_manifest(p):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": p.pvc, "namespace": p.namespace},
            "spec": {"accessModes": [p.access_mode], "resources": {"requests": {"storage": p.request}}}}


def pod_manifest(p):
    volume = ({"name": "data", "persistentVolumeClaim": {"claimName": p.pvc}} if p.volume_kind == "pvc"
              else {"name": "data", "emptyDir": {}})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image),
                                     "command": ["sh", "-c", f'echo "{p.word} $(date)" >> {p.mount}/{p.file}; sleep 3600'],
                                     "volumeMounts": [{"name": "data", "mountPath": p.mount}]}],
                     "volumes": [volume]}}


@lab.solution
def solution(p):
    wait = Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])
    steps = [Apply([pvc_manifest(p), pod_manifest(p)]), wait]
    for _ in range(p.starts - 1):
        steps += [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace], note="Re-create the pod:"),
                  Apply(pod_manifest(p)), wait]
    return steps


lab.near_miss("emptydir", "the pod keeps its data in an emptyDir: the re-created pod starts empty",
              params={"volume_kind": "emptyDir"}, fails=["pod-uses-claim", "pvc-bound"],
              changes=["pod-ready", "data-survived"])
lab.near_miss("claim-1gi", "the claim asks for 1Gi, copied from an example (it binds all the same)",
              params={"request": "1Gi"}, fails=["claim-spec"])
lab.near_miss("not-recreated", "the pod was never re-created: one line only",
              params={"starts": 1}, fails=["data-survived"])
lab.near_miss("claim-mounted-elsewhere", "the claim is mounted at /srv, the file goes to an unmounted /data",
              after=lambda p: [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true"]),
                               Apply(_mounted_at(p, "/srv")),
                               Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                                    "--timeout=90s"])],
              fails=["pod-uses-claim"], changes=["pod-ready", "data-survived"])


def _mounted_at(p, path):
    pod = pod_manifest(p)
    pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = path
    return pod


@lab.variant("other-volume-name-replace", "the volume named storage (the task names none), the container app, "
                                          "the pod re-created with `kubectl replace --force`")
def other_volume_name(p):
    pod = pod_manifest(p)
    spec = pod["spec"]
    spec["volumes"][0]["name"] = "storage"
    spec["containers"][0]["volumeMounts"][0]["name"] = "storage"
    spec["containers"][0]["name"] = "app"
    wait = Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])
    steps = [Apply(pvc_manifest(p)), Apply(pod), wait]
    for _ in range(p.starts - 1):
        steps += [Run(["sh", "-c", f"kubectl get pod {p.pod} -n {p.namespace} -o yaml | "
                                   f"kubectl replace --force -f -"]), wait]
    return steps


@lab.variant("bytes-mount-slash", "the claim for 67108864 bytes (64Mi) with volumeMode Filesystem, the volume "
                                  "pvc, mounted at /data/, the pod deleted and applied again")
def bytes_request(p):
    pvc = pvc_manifest(p)
    pvc["spec"]["resources"]["requests"]["storage"] = "67108864"
    pvc["spec"]["volumeMode"] = "Filesystem"
    pod = pod_manifest(p)
    pod["spec"]["volumes"][0]["name"] = "pvc"
    pod["spec"]["containers"][0]["volumeMounts"] = [{"name": "pvc", "mountPath": p.mount + "/"}]
    wait = Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])
    steps = [Apply([pvc, pod]), wait]
    for _ in range(p.starts - 1):
        steps += [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true"]), Apply(pod), wait]
    return steps
