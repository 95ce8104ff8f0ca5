"""Storage: a static PersistentVolume bound to a claim by its class, used by a pod that writes data."""

from kubelab.cluster.api import lab_image
import json

from kubelab.graders import k8s, meaning, storage_extra
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
    host_path_type="DirectoryOrCreate",
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
   `hostPath` `{P.host_path}` (type `{P.host_path_type}`).
2. In the namespace `{P.namespace}` create a **PersistentVolumeClaim** `{P.pvc}` asking for `{P.request}`
   with the same access mode and storageClassName `{P.storage_class}`, so that it binds to `{P.pv}` (and not
   to a volume the default StorageClass would provision).
3. Create a pod `{P.pod}` running `{IMAGE}` that mounts the claim at `{P.mount}`, writes the text
   `{P.text}` into `{P.mount}/{P.file}` and keeps running (`sleep 3600`).

No StorageClass named `{P.storage_class}` exists: the class name is only a label that pairs claims with volumes.""",
)


@lab.check("pv-spec", f"PV {P.pv}: {P.capacity}, {P.access_mode}, {P.reclaim}, class {P.storage_class}", points=2, record_only=True,
           hint=f"`kubectl explain pv.spec`; capacity: {{storage: {P.capacity}}}, accessModes: [{P.access_mode}], "
                f"persistentVolumeReclaimPolicy: {P.reclaim}, storageClassName: {P.storage_class}, "
                f"hostPath: {{path: {P.host_path}, type: {P.host_path_type}}}")
def pv_spec(ctx):
    pv = k8s.must_get(ctx.kube, "PersistentVolume", P.pv)
    # by meaning: 1024Mi is 1Gi; the access modes are a set; /a/b/ is the path /a/b
    want = {"spec.capacity.storage": (P.capacity, meaning.same_quantity),
            "spec.accessModes": ([P.access_mode], lambda w, f: isinstance(f, list) and set(f) == set(w)),
            "spec.persistentVolumeReclaimPolicy": (P.reclaim, None), "spec.storageClassName": (P.storage_class, None),
            "spec.hostPath.path": (P.host_path, meaning.same_path), "spec.hostPath.type": (P.host_path_type, None)}
    for path, (value, same) in want.items():
        found = field(pv, path)
        if not (same(value, found) if same else found == value):
            raise Failed(f"pv {P.pv} {path}: expected {value}, found {found}",
                         expected=str(value), found=str(found))
    return f"pv {P.pv}: {P.capacity}, {P.access_mode}, {P.reclaim}, class {P.storage_class}"


@lab.check("pvc-bound", f"PVC {P.pvc} is Bound", points=1, record_only=True,
           hint=f"`kubectl describe pvc {P.pvc} -n {P.namespace}`: a claim binds only to a volume with the same "
                "class, a matching access mode and at least the requested size")
def pvc_bound(ctx):
    return k8s.pvc_bound(ctx.kube, P.namespace, P.pvc)


@lab.check("claim-spec", f"PVC {P.pvc} asks for {P.request}, {P.access_mode}", points=1, record_only=True,
           requires=["pvc-bound"],
           hint=f"resources.requests.storage: {P.request} (any unit of the same amount: 0.5Gi is 512Mi, not "
                f"{P.request}) and accessModes: [{P.access_mode}]")
def claim_spec(ctx):
    return storage_extra.claim_asks_for(ctx.kube, P.namespace, P.pvc, P.request, P.access_mode)


@lab.check("pvc-volume", f"PVC {P.pvc} is bound to {P.pv}", points=1, record_only=True, requires=["pvc-bound"],
           hint=f"a claim without storageClassName gets the default class (`standard`), which provisions a new "
                f"volume; set storageClassName: {P.storage_class} (or spec.volumeName: {P.pv})")
def pvc_volume(ctx):
    return k8s.field_equals(ctx.kube, "PersistentVolumeClaim", P.pvc, P.namespace, "spec.volumeName", P.pv)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, record_only=True,
           hint=f"a pod whose claim is Pending stays Pending too: `kubectl describe pod {P.pod} -n {P.namespace}`")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("data-written", f"Pod {P.pod} mounts {P.pvc} at {P.mount}; {P.mount}/{P.file} holds '{P.text}'", points=1, record_only=True,
           requires=["pod-ready"],
           hint=f"volumes: [{{name: data, persistentVolumeClaim: {{claimName: {P.pvc}}}}}] mounted at {P.mount}; "
                f"command: sh -c \"echo '{P.text}' > {P.mount}/{P.file}; sleep 3600\"")
def data_written(ctx):
    # on the claim (its volume found by claimName, whatever the student named it), at the task's path
    k8s.pod_mounts_claim(ctx.kube, P.namespace, P.pod, P.pvc, mount=P.mount)
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/{P.file}", P.text)


def pod_manifest(p, volume=None):
    volume = volume or {"persistentVolumeClaim": {"claimName": p.pvc}}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image),
                                     "command": ["sh", "-c", f"echo '{p.text}' > {p.mount}/{p.file}; sleep 3600"],
                                     "volumeMounts": [{"name": "data", "mountPath": p.mount}]}],
                     "volumes": [{"name": "data", **volume}]}}


def manifests(p):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": p.pv},
          "spec": {"capacity": {"storage": p.capacity}, "accessModes": [p.access_mode],
                   "persistentVolumeReclaimPolicy": p.reclaim, "storageClassName": p.storage_class,
                   "hostPath": {"path": p.host_path, **({"type": p.host_path_type} if p.host_path_type else {})}}}
    pvc_spec = {"accessModes": [p.access_mode], "resources": {"requests": {"storage": p.request}}}
    if p.pvc_class is not None:
        pvc_spec["storageClassName"] = p.pvc_class
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
           "metadata": {"name": p.pvc, "namespace": p.namespace}, "spec": pvc_spec}
    return [pv, pvc, pod_manifest(p)]


@lab.solution
def solution(p):
    steps = [Apply(manifests(p))]
    if meaning.parse_quantity(p.request) <= meaning.parse_quantity(p.capacity):  # too-big stays Pending: no wait
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
              params={"request": "2Gi"}, fails=["pvc-bound", "pod-ready"],
              changes=["claim-spec", "pvc-volume", "data-written"])
lab.near_miss("hostpath-no-type", "the volume's hostPath has no type (the task asks for DirectoryOrCreate)",
              params={"host_path_type": None}, fails=["pv-spec"])
lab.near_miss("claim-1gi", "the claim asks for the whole volume (1Gi), not 500Mi: it binds lab-pv all the same",
              params={"request": "1Gi"}, fails=["claim-spec"])
lab.near_miss("reclaim-delete", "reclaim policy Delete instead of Retain",
              params={"reclaim": "Delete"}, fails=["pv-spec"])
lab.near_miss("emptydir", "the pod writes /data on an emptyDir, not on the claim",
              after=lambda p: [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true"]),
                               Apply(pod_manifest(p, {"emptyDir": {}})),
                               Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                                    "--timeout=90s"])],
              fails=["data-written"])


def _wait_pod(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])


@lab.variant("other-units-and-names", "capacity 1024Mi, the claim asks for 524288000 bytes (500Mi), the hostPath written with a "
             "trailing slash, the volume called storage and mounted at /data/, the short image busybox:1.35.0, "
             "the command as args")
def other_units(p):
    pv, pvc, pod = manifests(p)
    pv["spec"]["capacity"]["storage"] = "1024Mi"
    pv["spec"]["hostPath"]["path"] = p.host_path + "/"
    pvc["spec"]["resources"]["requests"]["storage"] = "524288000"
    c = pod["spec"]["containers"][0]
    c.update({"image": "busybox:1.35.0", "args": c.pop("command"),
              "volumeMounts": [{"name": "storage", "mountPath": p.mount + "/"}]})
    pod["spec"]["volumes"] = [{"name": "storage", "persistentVolumeClaim": {"claimName": p.pvc}}]
    return [Apply(pv), Apply([pvc, pod]), _wait_pod(p)]


@lab.variant("prebound-kubectl-run", "capacity in bytes (1073741824), the claim pre-bound with volumeName as well "
             "as the class, the pod made by `kubectl run --overrides` with its volume named pv-storage")
def prebound_run(p):
    pv, pvc, _ = manifests(p)
    pv["spec"]["capacity"]["storage"] = "1073741824"
    pvc["spec"]["volumeName"] = p.pv
    overrides = {"apiVersion": "v1", "spec": {
        "volumes": [{"name": "pv-storage", "persistentVolumeClaim": {"claimName": p.pvc}}],
        "containers": [{"name": p.pod, "image": "busybox:1.35.0",
                        "command": ["sh", "-c", f"echo '{p.text}' > {p.mount}/{p.file} && sleep 3600"],
                        "volumeMounts": [{"name": "pv-storage", "mountPath": p.mount}]}]}}
    return [Apply([pv, pvc]),
            Run(["kubectl", "run", p.pod, "-n", p.namespace, "--image=busybox:1.35.0", "--restart=Never",
                 f"--overrides={json.dumps(overrides)}"]),
            _wait_pod(p)]
