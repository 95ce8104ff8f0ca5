"""Storage: a hostPath volume of the right type on a pinned node, and a RAM-backed emptyDir."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, meaning, storage_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-storage-hostpath",
    pod="logger",
    image="busybox",                            # image catalog key (cluster/images.yaml)
    node="kubelab-worker",
    other_node="kubelab-worker2",               # only for the reset clean-up and a near-miss
    volume="logs",
    host_dir="/kubelab/storage-hostpath",       # everything the lab writes on a node lives below this
    host_path="/kubelab/storage-hostpath/logs",
    path_type="DirectoryOrCreate",
    mount="/var/log/app",
    log_file="app.log",
    line="hello from logger",
    cache="cache",
    cache_mount="/cache",
    cache_medium="Memory",
    cache_limit="64Mi",
)
IMAGE = lab_image(P.image)

# every check is graded from the record under autograde: hostPath volumes are refused in the replay (Pod Security baseline)
lab = Lab(
    id="storage-hostpath",
    title="A hostPath volume on a pinned node and a RAM-backed emptyDir",
    topic="storage",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}` running `{IMAGE}`:

- the pod runs on the node `{P.node}` (pin it with a `nodeSelector` on `kubernetes.io/hostname`, or `nodeName`);
- a volume named `{P.volume}` of type **hostPath** with path `{P.host_path}` on the node; the directory
  does not exist yet, so choose the hostPath `type` that creates it;
- the volume is mounted at `{P.mount}`, and the container appends the line `{P.line}` to
  `{P.mount}/{P.log_file}` when it starts, then keeps running (`sleep 3600`);
- a second volume named `{P.cache}`: an **emptyDir** kept in RAM (medium `{P.cache_medium}`) and limited to
  `{P.cache_limit}`, mounted at `{P.cache_mount}`.

The pod must be Running and Ready, and the log line must be on the node's disk: check it with
`docker exec {P.node} cat {P.host_path}/{P.log_file}`.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1, record_only=True,
           hint=f"`kubectl run {P.pod} --image={IMAGE} --dry-run=client -o yaml -- sh -c '...' > pod.yaml`, "
                "then add the volumes and apply it")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("pod-pinned", f"Pod {P.pod} is scheduled on {P.node}", points=1, record_only=True, requires=["pod-exists"],
           hint=f"spec.nodeSelector: {{kubernetes.io/hostname: {P.node}}} (or spec.nodeName: {P.node}); "
                "the node of a pod cannot change: delete the pod and apply again")
def pod_pinned(ctx):
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, "spec.nodeName", P.node)


@lab.check("hostpath-path", f"Volume {P.volume} is hostPath {P.host_path}", points=1, record_only=True, requires=["pod-exists"],
           hint=f"volumes: [{{name: {P.volume}, hostPath: {{path: {P.host_path}, type: ...}}}}]")
def hostpath_path(ctx):
    # by meaning: /kubelab/storage-hostpath/logs/ is the same directory
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"spec.volumes[name={P.volume}].hostPath.path",
                            P.host_path, compare=meaning.same_path)


@lab.check("hostpath-type", f"hostPath type {P.path_type} (creates the missing directory)", points=1, record_only=True,
           requires=["pod-exists"],
           hint="`Directory` needs the directory to exist already (the pod hangs in ContainerCreating with a "
                "FailedMount event); `kubectl explain pod.spec.volumes.hostPath.type` lists the types")
def hostpath_type(ctx):
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"spec.volumes[name={P.volume}].hostPath.type",
                            P.path_type)


@lab.check("cache-in-memory", f"Volume {P.cache} is an emptyDir with medium {P.cache_medium}, sizeLimit {P.cache_limit}",
           points=1, record_only=True, requires=["pod-exists"],
           hint=f"volumes: [{{name: {P.cache}, emptyDir: {{medium: {P.cache_medium}, sizeLimit: {P.cache_limit}}}}}]")
def cache_in_memory(ctx):
    base = f"spec.volumes[name={P.cache}].emptyDir"
    k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.medium", P.cache_medium)
    k8s.quantity_is(ctx.kube, "Pod", P.pod, P.namespace, f"{base}.sizeLimit", P.cache_limit)
    return f"volume {P.cache}: emptyDir in {P.cache_medium}, sizeLimit {P.cache_limit}"


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, record_only=True, requires=["pod-exists"],
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}`: a FailedMount event names the hostPath problem")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("data-on-node", f"{P.host_path}/{P.log_file} on {P.node} has the line '{P.line}'", points=2, record_only=True,
           hint=f"the container must write into the mounted directory: "
                f"`echo '{P.line}' >> {P.mount}/{P.log_file}`; look with "
                f"`docker exec {P.node} ls -l {P.host_path}`")
def data_on_node(ctx):
    return storage_extra.file_on_node(P.node, f"{P.host_path}/{P.log_file}", P.line, runner=ctx.kube.node_exec)


def pod_manifest(p):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "nodeSelector": {"kubernetes.io/hostname": p.node},
            "terminationGracePeriodSeconds": 0,
            "containers": [{
                "name": p.pod,
                "image": lab_image(p.image),
                "command": ["sh", "-c", f"echo '{p.line}' >> {p.mount}/{p.log_file}; sleep 3600"],
                "volumeMounts": [{"name": p.volume, "mountPath": p.mount},
                                 {"name": p.cache, "mountPath": p.cache_mount}],
            }],
            "volumes": [
                {"name": p.volume, "hostPath": {"path": p.host_path, "type": p.path_type}},
                {"name": p.cache, "emptyDir": {"medium": p.cache_medium, "sizeLimit": p.cache_limit}},
            ],
        },
    }


@lab.solution
def solution(p):
    steps = [Apply(pod_manifest(p))]
    if p.path_type != "Directory":  # the wrong-type near-miss never gets Ready: do not wait for it
        steps.append(Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                          "--timeout=90s"]))
    return steps


@lab.reset_steps
def reset(p):
    # the data the lab (or a near-miss) wrote on either worker
    return [Run(["docker", "exec", node, "rm", "-rf", p.host_dir], ok_codes=(0, 1))
            for node in (p.node, p.other_node)]


lab.near_miss("wrong-type", "hostPath type Directory: the directory does not exist, the mount fails",
              params={"path_type": "Directory"}, fails=["hostpath-type", "pod-ready", "data-on-node"])
lab.near_miss("wrong-node", f"the pod lands on {P.other_node}",
              params={"node": P.other_node}, fails=["pod-pinned", "data-on-node"])
lab.near_miss("cache-on-disk", "emptyDir without medium: Memory (node disk, not RAM)",
              params={"cache_medium": ""}, fails=["cache-in-memory"])
lab.near_miss("cache-64m", "sizeLimit 64M: 64 million bytes, not 64Mi", params={"cache_limit": "64M"},
              fails=["cache-in-memory"])


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])


@lab.variant("nodename-bytes", "pinned with nodeName, sizeLimit in bytes (\"67108864\"), short image name, "
                               "another container name, the volumes listed cache first")
def nodename_bytes(p):
    m = pod_manifest(p)
    spec = m["spec"]
    del spec["nodeSelector"]
    spec["nodeName"] = p.node
    c = spec["containers"][0]
    c["name"] = "app"
    c["image"] = lab_image(p.image).removeprefix("docker.io/library/")
    spec["volumes"] = [{"name": p.cache, "emptyDir": {"sizeLimit": "67108864", "medium": p.cache_medium}},
                       {"name": p.volume, "hostPath": {"type": p.path_type, "path": p.host_path}}]
    return [Apply(m), _wait(p)]


@lab.variant("affinity-ki-exec", "pinned by node affinity on kubernetes.io/hostname, sizeLimit 65536Ki, the "
                                 "command in args and ending in exec sleep, mount paths with a trailing slash")
def affinity_ki(p):
    m = pod_manifest(p)
    spec = m["spec"]
    del spec["nodeSelector"]
    spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [p.node]}]}]}}}
    c = spec["containers"][0]
    c["command"], c["args"] = ["sh", "-c"], [f"echo '{p.line}' >> {p.mount}/{p.log_file} && exec sleep 3600"]
    for mount in c["volumeMounts"]:
        mount["mountPath"] += "/"
    spec["volumes"][1]["emptyDir"]["sizeLimit"] = "65536Ki"
    return [Apply(m), _wait(p)]


@lab.variant("selector-path-slash", "pinned by nodeSelector on kubernetes.io/hostname, the hostPath written with a "
                                    "trailing slash, sizeLimit in bytes, the volumes listed cache first")
def selector_path_slash(p):
    m = pod_manifest(p)
    spec = m["spec"]
    spec["volumes"].reverse()
    for v in spec["volumes"]:
        if "hostPath" in v:
            v["hostPath"]["path"] = p.host_path + "/"
        else:
            v["emptyDir"]["sizeLimit"] = "67108864"
    return [Apply(m), _wait(p)]
