"""Storage: a static PersistentVolume bound to a claim by its class, used by a pod that writes data."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-storage-static-pv",
    pv="lab-pv",
    capacity="1Gi",
    access_mode="ReadWriteOnce",
    reclaim="Retain",
    storage_class="manual",
    host_dir="/kubelab/storage-static-pv",
    host_path="/kubelab/storage-static-pv/data",
    pvc="data-claim",
    pvc_class="manual",              # None: the claim names no class (a near-miss)
    request="500Mi",
    pod="writer",
    image="busybox",                  # image catalog key (cluster/images.yaml)
    mount="/data",
    file="hello.txt",
    text="written through a static PV",
    nodes=["kubelab-worker", "kubelab-worker2"],   # where the hostPath may end up (reset cleans both)
)
IMAGE = lab_image(P.image)

# every check is graded from the record under autograde: PersistentVolumes are cluster-scoped: the replay creates none
lab = Lab(
    id="storage-static-pv",
    title="A static PersistentVolume bound by class to a claim a pod writes to",
    topic="storage",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
An administrator provisions storage by hand; a developer claims it.

1. Create a **PersistentVolume** `{P.pv}` (cluster-scoped): capacity `{P.capacity}`, access mode
   `{P.access_mode}`, reclaim policy `{P.reclaim}`, storageClassName `{P.storage_class}`, backed by
   `hostPath` `{P.host_path}` (type `DirectoryOrCreate`).
2. In the namespace `{P.namespace}` create a **PersistentVolumeClaim** `{P.pvc}` asking for `{P.request}`
   with the same access mode and storageClassName `{P.storage_class}`, so that it binds to `{P.pv}` (and not
   to a volume the default StorageClass would provision).
3. Create a pod `{P.pod}` running `{IMAGE}` that mounts the claim at `{P.mount}`, writes the text
   `{P.text}` into `{P.mount}/{P.file}` and keeps running (`sleep 3600`).

No StorageClass named `{P.storage_class}` exists: the class name is only a label that pairs claims with volumes.""",
)


@lab.check("pv-spec", f"PV {P.pv}: {P.capacity}, {P.access_mode}, {P.reclaim}, class {P.storage_class}", points=2, record_only=True,
           hint=f"`kubectl explain pv.spec`; capacity: {{storage: {P.capacity}}}, accessModes: [{P.access_mode}], "
                f"persistentVolumeReclaimPolicy: {P.reclaim}, storageClassName: {P.storage_class}")
def pv_spec(ctx):
    pv = k8s.must_get(ctx.kube, "PersistentVolume", P.pv)
    want = {"spec.capacity.storage": P.capacity, "spec.accessModes": [P.access_mode],
            "spec.persistentVolumeReclaimPolicy": P.reclaim, "spec.storageClassName": P.storage_class,
            "spec.hostPath.path": P.host_path}
    for path, value in want.items():
        if field(pv, path) != value:
            raise Failed(f"pv {P.pv} {path}: expected {value}, found {field(pv, path)}",
                         expected=str(value), found=str(field(pv, path)))
    return f"pv {P.pv}: {P.capacity}, {P.access_mode}, {P.reclaim}, class {P.storage_class}"


@lab.check("pvc-bound", f"PVC {P.pvc} is Bound", points=1, record_only=True,
           hint=f"`kubectl describe pvc {P.pvc} -n {P.namespace}`: a claim binds only to a volume with the same "
                "class, a matching access mode and at least the requested size")
def pvc_bound(ctx):
    return k8s.pvc_bound(ctx.kube, P.namespace, P.pvc)


@lab.check("pvc-volume", f"PVC {P.pvc} is bound to {P.pv}", points=1, record_only=True, requires=["pvc-bound"],
           hint=f"a claim without storageClassName gets the default class (`standard`), which provisions a new "
                f"volume; set storageClassName: {P.storage_class} (or spec.volumeName: {P.pv})")
def pvc_volume(ctx):
    return k8s.field_equals(ctx.kube, "PersistentVolumeClaim", P.pvc, P.namespace, "spec.volumeName", P.pv)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, record_only=True,
           hint=f"a pod whose claim is Pending stays Pending too: `kubectl describe pod {P.pod} -n {P.namespace}`")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("data-written", f"{P.mount}/{P.file} in pod {P.pod} holds '{P.text}'", points=1, record_only=True,
           requires=["pod-ready"],
           hint=f"volumes: [{{name: data, persistentVolumeClaim: {{claimName: {P.pvc}}}}}] mounted at {P.mount}; "
                f"command: sh -c \"echo '{P.text}' > {P.mount}/{P.file}; sleep 3600\"")
def data_written(ctx):
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/{P.file}", P.text)


def manifests(p):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": p.pv},
          "spec": {"capacity": {"storage": p.capacity}, "accessModes": [p.access_mode],
                   "persistentVolumeReclaimPolicy": p.reclaim, "storageClassName": p.storage_class,
                   "hostPath": {"path": p.host_path, "type": "DirectoryOrCreate"}}}
    pvc_spec = {"accessModes": [p.access_mode], "resources": {"requests": {"storage": p.request}}}
    if p.pvc_class is not None:
        pvc_spec["storageClassName"] = p.pvc_class
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": p.pvc, "namespace": p.namespace}, "spec": pvc_spec}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": p.pod, "namespace": p.namespace},
           "spec": {"terminationGracePeriodSeconds": 0,
                    "containers": [{"name": p.pod, "image": lab_image(p.image),
                                    "command": ["sh", "-c", f"echo '{p.text}' > {p.mount}/{p.file}; sleep 3600"],
                                    "volumeMounts": [{"name": "data", "mountPath": p.mount}]}],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": p.pvc}}]}}
    return [pv, pvc, pod]


@lab.solution
def solution(p):
    steps = [Apply(manifests(p))]
    if p.request == P.request:  # the too-big near-miss stays Pending: do not wait for it
        steps.append(Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                          "--timeout=90s"]))
    return steps


@lab.reset_steps
def reset(p):
    # the PV is cluster-scoped and the claim protects it: pod, then claim, then volume, then its data
    return [
        Run(["kubectl", "delete", "pod", "--all", "-n", p.namespace, "--grace-period=0", "--force",
             "--ignore-not-found"], ok_codes=(0, 1)),
        Run(["kubectl", "delete", "pvc", "--all", "-n", p.namespace, "--ignore-not-found"], ok_codes=(0, 1)),
        Run(["kubectl", "delete", "pv", p.pv, "--ignore-not-found"]),
        *[Run(["docker", "exec", node, "rm", "-rf", p.host_dir], ok_codes=(0, 1)) for node in p.nodes],
    ]


lab.near_miss("no-class", "the claim names no storageClassName: the default class provisions a new volume",
              params={"pvc_class": None}, fails=["pvc-volume"])
lab.near_miss("too-big", "the claim asks for 2Gi, more than the volume offers: it stays Pending",
              params={"request": "2Gi"}, fails=["pvc-bound", "pod-ready"], changes=["pvc-volume", "data-written"])
lab.near_miss("reclaim-delete", "reclaim policy Delete instead of Retain",
              params={"reclaim": "Delete"}, fails=["pv-spec"])
