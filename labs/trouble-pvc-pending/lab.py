"""Troubleshooting: a claim Pending on a StorageClass that does not exist, and the pod that waits for it."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, storage_extra
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-pvc-pending",
    pvc="data",
    request="64Mi",
    access_mode="ReadWriteOnce",
    broken_class="fast-ssd",          # no such StorageClass in the cluster
    storage_class=None,               # the reference names no class: the default one provisions
    pod="writer",
    image="busybox",                  # image catalog key (cluster/images.yaml)
    volume_kind="pvc",                # "emptyDir" in a near-miss
    mount="/data",
    probe_file=".kubelab-write-test",
)
IMAGE = lab_image(P.image)
NS = P.namespace

lab = Lab(
    id="trouble-pvc-pending",
    title="A claim stuck in Pending, and the pod that waits for it",
    topic="troubleshooting",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In `{NS}` the PersistentVolumeClaim `{P.pvc}` stays `Pending`, and so does the pod `{P.pod}` (`{IMAGE}`,
`sleep 3600`) that mounts it at `{P.mount}`. Find out why (`kubectl describe pvc {P.pvc} -n {NS}`, its Events;
`kubectl get storageclass`) and repair it so that:

- the claim `{P.pvc}` ({P.request}, {P.access_mode}) is **Bound**, provisioned by a StorageClass the cluster
  has (its default one is fine);
- the pod `{P.pod}` is Running and Ready with that claim mounted at `{P.mount}`;
- a file written to `{P.mount}` in the container can be read back.

A claim's `storageClassName` cannot be changed once created: the claim has to be created again (a claim
in use by a pod is only deleted once the pod is gone).""",
)


@lab.check("pvc-bound", f"PVC {P.pvc} is Bound", points=1,
           hint=f"`kubectl describe pvc {P.pvc} -n {NS}`: `storageclass.storage.k8s.io \"{P.broken_class}\" not "
                "found`; create the claim again naming a class from `kubectl get storageclass`, or none for the "
                "default")
def pvc_bound(ctx):
    # provisioned by a class the cluster has: a volume made by hand for the missing class binds too
    return storage_extra.claim_bound_by_class(ctx.kube, NS, P.pvc)


@lab.check("claim-spec", f"PVC {P.pvc} asks for {P.request}, {P.access_mode}", points=1, requires=["pvc-bound"],
           hint=f"resources.requests.storage: {P.request} and accessModes: [{P.access_mode}], as before")
def claim_spec(ctx):
    found = k8s.quantity_is(ctx.kube, "PersistentVolumeClaim", P.pvc, NS, "spec.resources.requests.storage",
                            P.request)
    modes = k8s.must_get(ctx.kube, "PersistentVolumeClaim", P.pvc, NS)["spec"].get("accessModes") or []
    if P.access_mode not in modes:
        raise Failed(f"pvc {P.pvc} spec.accessModes: expected {P.access_mode}, found {', '.join(modes) or 'none'}",
                     expected=P.access_mode, found=", ".join(modes) or "none")
    return f"{found}; accessModes {', '.join(modes)}"


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1,
           hint=f"`kubectl describe pod {P.pod} -n {NS}`: a pod waits (Pending) while its claim is unbound")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, NS, P.pod)


@lab.check("pod-mounts-claim", f"Pod {P.pod} mounts claim {P.pvc} at {P.mount}", points=1, requires=["pod-ready"],
           hint=f"volumes: [{{name: <any>, persistentVolumeClaim: {{claimName: {P.pvc}}}}}] and a volumeMount of "
                f"that volume at {P.mount}")
def pod_mounts_claim(ctx):
    return k8s.pod_mounts_claim(ctx.kube, NS, P.pod, P.pvc, mount=P.mount)


@lab.check("data-writable", f"A file written to {P.mount} reads back", points=2,
           requires=["pod-ready", "pod-mounts-claim"],
           hint=f"`kubectl exec -n {NS} {P.pod} -- sh -c 'echo hi > {P.mount}/x && cat {P.mount}/x'`")
def data_writable(ctx):
    path = f"{P.mount.rstrip('/')}/{P.probe_file}"
    script = f'echo kubelab > "{path}" && cat "{path}" && rm -f "{path}"'
    rc, out, err = ctx.kube.exec(NS, P.pod, ["sh", "-c", script])
    if rc != 0 or out.strip() != "kubelab":
        found = (err or out).strip()[:120] or f"exit code {rc}"
        raise Failed(f"pod {P.pod}: expected to write and read back {path}, found {found}",
                     expected="written and read back", found=found)
    return f"pod {P.pod} wrote and read back {path}"


def pvc_manifest(p, storage_class):
    spec = {"accessModes": [p.access_mode], "resources": {"requests": {"storage": p.request}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": p.pvc, "namespace": p.namespace}, "spec": spec}


def pod_manifest(p, volume_name="data"):
    volume = ({"name": volume_name, "persistentVolumeClaim": {"claimName": p.pvc}} if p.volume_kind == "pvc"
              else {"name": volume_name, "emptyDir": {}})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image), "command": ["sleep", "3600"],
                                     "volumeMounts": [{"name": volume_name, "mountPath": p.mount}]}],
                     "volumes": [volume]}}


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])


@lab.seed
def seed(p):
    return [Apply([pvc_manifest(p, p.broken_class), pod_manifest(p.replace(volume_kind="pvc"))])]


@lab.solution
def solution(p):
    steps = [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true"],
                 note="Delete the pod and the claim (the claim is only removed once no pod uses it):"),
             Run(["kubectl", "delete", "pvc", p.pvc, "-n", p.namespace, "--wait=true"])]
    if p.volume_kind == "pvc":
        steps.append(Apply([pvc_manifest(p, p.storage_class), pod_manifest(p)],
                           note="Create the claim again with no storageClassName (the default class), then the pod:"))
    else:
        steps.append(Apply(pod_manifest(p)))
    if p.storage_class in (None, "standard") and p.mount == P.mount:
        steps.append(_wait(p))
    return steps


lab.near_miss("class-empty-string", 'storageClassName: "" (no dynamic provisioning): the claim waits for a '
                                    "pre-made PersistentVolume that never comes",
              params={"storage_class": ""}, fails=["pvc-bound", "pod-ready"],
              changes=["claim-spec", "pod-mounts-claim", "data-writable"])
lab.near_miss("emptydir-instead", "the claim given up: the pod keeps its data in an emptyDir",
              params={"volume_kind": "emptyDir"}, fails=["pvc-bound", "pod-mounts-claim"],
              changes=["claim-spec", "data-writable"])
lab.near_miss("smaller-claim", "the claim created again for 32Mi instead of 64Mi",
              params={"request": "32Mi"}, fails=["claim-spec"])
lab.near_miss("mounted-elsewhere", "the claim mounted at /mnt/data instead of /data",
              params={"mount": "/mnt/data"}, fails=["pod-mounts-claim"], changes=["data-writable"],
              after=lambda p: [_wait(p)])


@lab.variant("replace-force-claim", "only the claim re-created, with the default class named explicitly: "
                                    "`kubectl get pvc -o yaml | sed | kubectl replace --force`; the waiting pod "
                                    "is left as it was and starts by itself")
def replace_force(p):
    script = (f"kubectl get pvc {p.pvc} -n {p.namespace} -o yaml | "
              f"sed 's/storageClassName: {p.broken_class}/storageClassName: standard/' | "
              f"kubectl replace --force -f -")
    return [Run(["sh", "-c", script]), _wait(p)]


@lab.variant("bytes-other-volume", "claim for 67108864 bytes with volumeMode Filesystem, the pod's volume named "
                                   "storage and mounted at /data/")
def bytes_other_volume(p):
    pvc = pvc_manifest(p, None)
    pvc["spec"]["resources"]["requests"]["storage"] = "67108864"
    pvc["spec"]["volumeMode"] = "Filesystem"
    pod = pod_manifest(p, volume_name="storage")
    pod["spec"]["containers"][0]["volumeMounts"][0]["mountPath"] = p.mount + "/"
    return [Run(["kubectl", "delete", "pod,pvc", "--all", "-n", p.namespace, "--wait=true"]),
            Apply([pvc, pod]), _wait(p)]
