"""Pods: an init container prepares a file the main container needs."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-pods-init-container",
    pod="app",
    init="prepare",
    main="app",
    image="busybox",
    volume="config",
    mount="/config",
    file="app.conf",
    text="mode=production",
)
IMAGE = lab_image(P.image)
FILE = f"{P.mount}/{P.file}"

lab = Lab(
    id="pods-init-container",
    title="An init container prepares the main container's configuration",
    topic="pods",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}` whose main container cannot start
without a configuration file that an init container writes first:

- an emptyDir volume `{P.volume}`, mounted at `{P.mount}` in both containers;
- init container `{P.init}` (image `{IMAGE}`) writes the line `{P.text}` into `{FILE}` and exits;
- main container `{P.main}` (image `{IMAGE}`) runs
  `sh -c "cat {FILE} && exec sleep 3600"` - without the file `cat` fails and the container crashes.

The pod must be Running and Ready. `kubectl logs -n {P.namespace} {P.pod} -c {P.main}` shows the
line, and `kubectl get pod {P.pod} -n {P.namespace}` shows `Init:0/1` while the init container runs.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint="initContainers: sits beside containers: in the pod spec and takes the same fields")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("init-declared", f"Init container {P.init} runs {IMAGE}", points=1, requires=["pod-exists"],
           hint=f"spec.initContainers: [{{name: {P.init}, image: {IMAGE}, command: [sh, -c, 'echo ... > {FILE}']}}]")
def init_declared(ctx):
    return k8s.image_is(ctx.kube, "Pod", P.pod, P.namespace, f"spec.initContainers[name={P.init}].image", IMAGE)


@lab.check("init-completed", f"Init container {P.init} completed with exit code 0", points=1,
           requires=["init-declared"],
           hint=f"`kubectl logs -n {P.namespace} {P.pod} -c {P.init}` shows why it failed")
def init_completed(ctx):
    return workloads_extra.init_container_completed(ctx.kube, P.namespace, P.pod, P.init)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1, requires=["pod-exists"],
           hint=f"a main container that crashes restarts forever: `kubectl logs -n {P.namespace} {P.pod} -c {P.main} "
                "--previous` shows what `cat` said")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("file-ready", f"{FILE} in {P.main} holds {P.text}", points=2, requires=["pod-ready"],
           hint=f"both containers mount volume {P.volume} at {P.mount}; the init container writes `{P.text}` there")
def file_ready(ctx):
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, FILE, contains=P.text, container=P.main)


def pod_manifest(p):
    image = lab_image(p.image)
    path = f"{p.mount}/{p.file}"
    mounts = [{"name": p.volume, "mountPath": p.mount}]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "volumes": [{"name": p.volume, "emptyDir": {}}],
            "initContainers": [{"name": p.init, "image": image,
                                "command": ["sh", "-c", f"echo {p.text} > {path}"], "volumeMounts": mounts}],
            "containers": [{"name": p.main, "image": image,
                            "command": ["sh", "-c", f"cat {path} && exec sleep 3600"],
                            "volumeMounts": mounts}],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"]),
    ]


lab.near_miss("wrong-text", "the init container writes mode=debug", params={"text": "mode=debug"},
              fails=["file-ready"])
lab.near_miss("wrong-file", "the init container writes app.cfg (and the main container reads it): no app.conf",
              params={"file": "app.cfg"}, fails=["file-ready"])
lab.near_miss("init-as-sidecar", "the writer is a second regular container, not an init container",
              after=lambda p: [Run(["kubectl", "delete", "pod", "-n", p.namespace, p.pod, "--wait=true"]),
                               Apply(_as_sidecar(p)),
                               Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}",
                                    "--timeout=120s"])],
              fails=["init-declared"], changes=["init-completed"])


def _as_sidecar(p):
    m = pod_manifest(p)
    init = m["spec"].pop("initContainers")[0]
    init["command"] = ["sh", "-c", f"echo {p.text} > {p.mount}/{p.file} && exec sleep 3600"]
    main = m["spec"]["containers"][0]
    main["command"] = ["sh", "-c", f"sleep 2; cat {p.mount}/{p.file} && exec sleep 3600"]
    m["spec"]["containers"] = [init, main]
    return m


SHORT_IMAGE = IMAGE.removeprefix("docker.io/library/")   # busybox:1.35.0, the same image


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])


@lab.variant("short-image-args", f"image {SHORT_IMAGE}, the scripts in args: under command: [sh, -c], "
                                 "the main container first in the file, imagePullPolicy and resources")
def short_image_args(p):
    path = f"{p.mount}/{p.file}"
    mounts = [{"mountPath": p.mount, "name": p.volume}]
    extra = {"imagePullPolicy": "IfNotPresent", "resources": {"limits": {"memory": "32Mi", "cpu": "100m"}}}
    return [Apply({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace},
        "spec": {
            "containers": [{"name": p.main, "image": SHORT_IMAGE, "command": ["sh", "-c"],
                            "args": [f"cat {path} && exec sleep 3600"], "volumeMounts": mounts, **extra}],
            "initContainers": [{"name": p.init, "image": SHORT_IMAGE, "command": ["/bin/sh", "-c"],
                                "args": [f"printf '%s\\n' '{p.text}' > {path}"], "volumeMounts": mounts, **extra}],
            "volumes": [{"name": p.volume, "emptyDir": {"medium": ""}}],
        },
    }), _wait(p)]


@lab.variant("tee-docker-io", f"the init container writes with tee, image spelled docker.io/{SHORT_IMAGE}, "
                              "mount paths with a trailing slash, a readOnly mount in the main container")
def tee_docker_io(p):
    m = pod_manifest(p)
    init, main = m["spec"]["initContainers"][0], m["spec"]["containers"][0]
    init["volumeMounts"] = [{"name": p.volume, "mountPath": p.mount + "/"}]
    init["command"] = ["sh", "-c", f"echo '{p.text}' | tee {p.mount}/{p.file}"]
    init["image"] = "docker.io/" + SHORT_IMAGE
    main["volumeMounts"] = [{"name": p.volume, "mountPath": p.mount + "/", "readOnly": True}]
    return [Apply(m), _wait(p)]
