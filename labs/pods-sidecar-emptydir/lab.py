"""Pods: a sidecar writes into a shared emptyDir, the main container serves it."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-pods-sidecar-emptydir",
    pod="web-sidecar",
    main="web",
    main_image="nginx",
    sidecar="writer",
    sidecar_image="busybox",
    volume="html",
    main_path="/usr/share/nginx/html",
    sidecar_path="/out",
    text="written-by-the-sidecar",
)

lab = Lab(
    id="pods-sidecar-emptydir",
    title="A sidecar and a web server sharing an emptyDir",
    topic="pods",
    shape="course",
    minutes=15,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}` with two containers that share one
`emptyDir` volume named `{P.volume}`:

- `{P.main}` runs `{lab_image(P.main_image)}` and mounts the volume at `{P.main_path}` (where nginx
  looks for its files);
- `{P.sidecar}` runs `{lab_image(P.sidecar_image)}` and mounts the same volume at `{P.sidecar_path}`; it
  writes the line `{P.text}` into `{P.sidecar_path}/index.html` and keeps running (a shell loop
  that rewrites the file every few seconds is the classic sidecar).

The pod must be Running and Ready, and `http://localhost/` inside the pod must answer `{P.text}`:
the containers share one network namespace, so
`kubectl exec -n {P.namespace} {P.pod} -c {P.sidecar} -- wget -qO- http://localhost/` shows it.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint=f"`kubectl run {P.pod} --image={lab_image(P.main_image)} --dry-run=client -o yaml > pod.yaml`, "
                "then add the second container and the volume")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("emptydir-volume", f"Volume {P.volume} is an emptyDir", points=1, requires=["pod-exists"],
           hint=f"spec.volumes: [{{name: {P.volume}, emptyDir: {{}}}}]")
def emptydir_volume(ctx):
    pod = k8s.must_get(ctx.kube, "Pod", P.pod, P.namespace)
    if field(pod, f"spec.volumes[name={P.volume}].emptyDir") is None:
        vols = ", ".join(v.get("name", "?") for v in field(pod, "spec.volumes") or []) or "none"
        raise Failed(f"spec.volumes[name={P.volume}].emptyDir: expected an emptyDir volume, found volumes {vols}",
                     expected=f"{P.volume} (emptyDir)", found=vols)
    return f"volume {P.volume} is an emptyDir"


@lab.check("main-mount", f"{P.main} runs {lab_image(P.main_image)} and mounts {P.volume} at {P.main_path}",
           points=1, requires=["pod-exists"],
           hint=f"under container {P.main}: volumeMounts: [{{name: {P.volume}, mountPath: {P.main_path}}}]")
def main_mount(ctx):
    k8s.container_image_is(ctx.kube, P.namespace, P.pod, P.main, lab_image(P.main_image))
    return k8s.mount_path_is(ctx.kube, P.namespace, P.pod, P.main, P.volume, P.main_path)


@lab.check("sidecar-mount", f"{P.sidecar} runs {lab_image(P.sidecar_image)} and mounts {P.volume} at {P.sidecar_path}",
           points=1, requires=["pod-exists"],
           hint=f"under container {P.sidecar}: volumeMounts: [{{name: {P.volume}, mountPath: {P.sidecar_path}}}]")
def sidecar_mount(ctx):
    k8s.container_image_is(ctx.kube, P.namespace, P.pod, P.sidecar, lab_image(P.sidecar_image))  # or a native sidecar
    return k8s.mount_path_is(ctx.kube, P.namespace, P.pod, P.sidecar, P.volume, P.sidecar_path)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready (both containers)", points=1, requires=["pod-exists"],
           hint="a sidecar that exits makes the pod restart it: end its command with a loop "
                f"(`while true; do ...; sleep 5; done`); `kubectl logs {P.pod} -c {P.sidecar}` shows errors")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("served", f"http://localhost/ in the pod answers {P.text}", points=2, requires=["pod-ready"],
           hint=f"the sidecar must write {P.sidecar_path}/index.html; both mounts must name the same volume; "
                f"try `kubectl exec -n {P.namespace} {P.pod} -c {P.sidecar} -- cat {P.sidecar_path}/index.html`")
def served(ctx):
    rc, out, err = ctx.kube.exec(P.namespace, P.pod, ["sh", "-c", "timeout 5 wget -qO- http://localhost/"],
                                 container=P.sidecar)
    body = out.strip()
    if rc != 0 or P.text not in body:
        found = body[:80] if rc == 0 else f"wget failed ({(err or out).strip()[:80] or rc})"
        raise Failed(f"http://localhost/: expected {P.text}, found {found}", expected=P.text, found=found)
    return f"http://localhost/ answers {body[:80]}"


def pod_manifest(p):
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace, "labels": {"app": p.pod}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "volumes": [{"name": p.volume, "emptyDir": {}}],
            "containers": [
                {"name": p.main, "image": lab_image(p.main_image),
                 "volumeMounts": [{"name": p.volume, "mountPath": p.main_path}]},
                {"name": p.sidecar, "image": lab_image(p.sidecar_image),
                 "command": ["sh", "-c",
                             f"while true; do echo {p.text} > {p.sidecar_path}/index.html; sleep 5; done"],
                 "volumeMounts": [{"name": p.volume, "mountPath": p.sidecar_path}]},
            ],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"]),
    ]


lab.near_miss("wrong-text", "the sidecar writes another line", params={"text": "hello"}, fails=["served"])
lab.near_miss("main-mount-elsewhere", "nginx mounts the volume at /data, so it serves its default page",
              params={"main_path": "/data"}, fails=["main-mount", "served"])


def _short(key):
    return lab_image(key).removeprefix("docker.io/library/")   # nginx:1.22.1, busybox:1.35.0: the same images


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])


@lab.variant("short-images-sidecar-first", "short image names, the sidecar listed first, mount paths with a "
                                           "trailing slash, a `while :` loop writing with printf")
def short_images(p):
    m = pod_manifest(p)
    main, side = m["spec"]["containers"]
    main["image"], side["image"] = _short(p.main_image), _short(p.sidecar_image)
    main["volumeMounts"][0]["mountPath"] = p.main_path + "/"
    side["volumeMounts"][0]["mountPath"] = p.sidecar_path + "/"
    side["command"] = ["/bin/sh", "-c", f"while :; do printf '%s\\n' {p.text} > {p.sidecar_path}/index.html; "
                                        "sleep 3; done"]
    m["spec"]["containers"] = [side, main]
    return [Apply(m), _wait(p)]


@lab.variant("args-readonly-ports", "the sidecar script in args:, nginx's mount readOnly, a declared port 80 and "
                                    "resources; the emptyDir with sizeLimit")
def args_readonly(p):
    m = pod_manifest(p)
    main, side = m["spec"]["containers"]
    main["volumeMounts"][0]["readOnly"] = True
    main["ports"] = [{"containerPort": 80, "name": "http"}]
    main["resources"] = {"requests": {"cpu": "10m", "memory": "16Mi"}}
    script = side.pop("command")[2]
    side["command"], side["args"] = ["sh", "-c"], [script]
    m["spec"]["volumes"] = [{"name": p.volume, "emptyDir": {"sizeLimit": "1Mi"}}]
    return [Apply(m), _wait(p)]


@lab.variant("native-sidecar", "the writer as a native sidecar: an init container with restartPolicy: Always "
                               "(Kubernetes >= 1.29), started before nginx and running beside it")
def native_sidecar(p):
    m = pod_manifest(p)
    main, side = m["spec"]["containers"]
    side["restartPolicy"] = "Always"
    m["spec"]["containers"], m["spec"]["initContainers"] = [main], [side]
    return [Apply(m), _wait(p)]
