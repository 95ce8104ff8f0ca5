"""Pods: a labelled pod with a container port and an environment variable."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-pods-basics",
    pod="web",
    container="web",
    image="nginx",                             # image catalog key (cluster/images.yaml)
    labels={"app": "web", "tier": "frontend"},
    port=80,
    port_name="http",
    env_name="GREETING",
    env_value="hello-kubelab",
)
IMAGE = lab_image(P.image)
LABELS = ", ".join(f"`{k}={v}`" for k, v in P.labels.items())

lab = Lab(
    id="pods-basics",
    title="A labelled pod with a port and an environment variable",
    topic="pods",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}` create a pod named `{P.pod}`:

- labels {LABELS};
- one container named `{P.container}` running the image `{IMAGE}`;
- the container declares port **{P.port}** (TCP) with the name `{P.port_name}`;
- the environment variable `{P.env_name}` is set to `{P.env_value}` inside the container.

The pod must be Running and Ready. Check the variable yourself with
`kubectl exec -n {P.namespace} {P.pod} -- printenv {P.env_name}`.""",
)


@lab.check("pod-exists", f"Pod {P.pod} exists in {P.namespace}", points=1,
           hint=f"write a Pod manifest and `kubectl apply -n {P.namespace} -f pod.yaml`; "
                f"`kubectl run {P.pod} --image={IMAGE} --dry-run=client -o yaml` gives a start")
def pod_exists(ctx):
    return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)


@lab.check("pod-labels", f"Pod {P.pod} has labels {', '.join(f'{k}={v}' for k, v in P.labels.items())}",
           points=1, requires=["pod-exists"],
           hint=f"labels go under metadata.labels; `kubectl label pod {P.pod} -n {P.namespace} --overwrite "
                + " ".join(f"{k}={v}" for k, v in P.labels.items()) + "` fixes them in place")
def pod_labels(ctx):
    return k8s.labels_include(ctx.kube, "Pod", P.pod, P.namespace, P.labels)


@lab.check("container-image", f"Container {P.container} runs {IMAGE}", points=1, requires=["pod-exists"],
           hint=f"spec.containers[].name: {P.container} and image: {IMAGE} (the short name "
                f"{IMAGE.removeprefix('docker.io/library/')} is the same image)")
def container_image(ctx):
    return k8s.image_is(ctx.kube, "Pod", P.pod, P.namespace, f"spec.containers[name={P.container}].image", IMAGE)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=2, requires=["pod-exists"],
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}` shows why it is not ready (see Events)")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("container-port", f"Container {P.container} declares port {P.port} named {P.port_name}", points=1,
           requires=["pod-exists"],
           hint=f"under the container: ports: [{{containerPort: {P.port}, name: {P.port_name}}}]; "
                "ports cannot be edited on a running pod: delete it and apply again")
def container_port(ctx):
    path = f"spec.containers[name={P.container}].ports[name={P.port_name}].containerPort"
    return k8s.field_equals(ctx.kube, "Pod", P.pod, P.namespace, path, P.port)


@lab.check("env-resolved", f"{P.env_name}={P.env_value} inside the running container", points=2,
           requires=["pod-ready"],
           hint=f"under the container: env: [{{name: {P.env_name}, value: {P.env_value}}}]; "
                "env cannot be edited on a running pod: delete it and apply again")
def env_resolved(ctx):
    return k8s.env_in_container(ctx.kube, P.namespace, P.pod, P.env_name, P.env_value, container=P.container)


def pod_manifest(p):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": p.pod, "namespace": p.namespace, "labels": dict(p.labels)},
        "spec": {
            "containers": [{
                "name": p.container,
                "image": lab_image(p.image),
                "ports": [{"containerPort": p.port, "name": p.port_name, "protocol": "TCP"}],
                "env": [{"name": p.env_name, "value": p.env_value}],
            }],
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"]),
    ]


lab.near_miss("wrong-label", "tier=backend instead of tier=frontend",
              params={"labels": {**P.labels, "tier": "backend"}}, fails=["pod-labels"])
lab.near_miss("wrong-port", "declares port 8080", params={"port": 8080}, fails=["container-port"])
lab.near_miss("wrong-env", "GREETING=hello-world", params={"env_value": "hello-world"}, fails=["env-resolved"])
lab.near_miss("wrong-image", "runs the web-v1 image", params={"image": "web-v1"}, fails=["container-image"])
lab.near_miss("unnamed-port", "declares port 80 without the name http", params={"port_name": ""},
              fails=["container-port"])


SHORT_IMAGE = IMAGE.removeprefix("docker.io/library/")   # nginx:1.22.1: what containerd runs is the same


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=120s"])


@lab.variant("kubectl-run", f"`kubectl run` with the short image name {SHORT_IMAGE}, labels and env as flags, "
                            "the port name added by a strategic-merge --overrides")
def kubectl_run(p):
    labels = ",".join(f"{k}={v}" for k, v in reversed(list(p.labels.items())))
    override = {"apiVersion": "v1", "spec": {"containers": [
        {"name": p.container, "ports": [{"containerPort": p.port, "name": p.port_name}]}]}}
    import json

    return [Run(["kubectl", "run", p.pod, "-n", p.namespace, f"--image={SHORT_IMAGE}", f"--labels={labels}",
                 f"--port={p.port}", f"--env={p.env_name}={p.env_value}", "--override-type=strategic",
                 f"--overrides={json.dumps(override)}"]),
            _wait(p)]


@lab.variant("yaml-extras", f"YAML with image {SHORT_IMAGE}, no protocol (TCP is the default), keys in another "
                            "order, an extra label, imagePullPolicy and resources")
def yaml_extras(p):
    return [Apply({
        "kind": "Pod", "apiVersion": "v1",
        "metadata": {"labels": {**{k: p.labels[k] for k in reversed(list(p.labels))}, "owner": "student"},
                     "name": p.pod, "namespace": p.namespace},
        "spec": {"restartPolicy": "Always", "containers": [{
            "env": [{"value": p.env_value, "name": p.env_name}],
            "ports": [{"name": p.port_name, "containerPort": p.port}],
            "image": SHORT_IMAGE, "imagePullPolicy": "IfNotPresent", "name": p.container,
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
        }]},
    }), _wait(p)]


@lab.variant("fully-qualified-extra-port", "image docker.io/library/nginx:1.22.1 spelled with index.docker.io, "
                                           "the env from a value that expands, a second port")
def fully_qualified(p):
    m = pod_manifest(p)
    c = m["spec"]["containers"][0]
    c["image"] = "index.docker.io/library/" + SHORT_IMAGE
    c["ports"].append({"containerPort": 8080, "name": "alt"})
    c["env"] = [{"name": "PREFIX", "value": p.env_value.split("-", 1)[0]},
                {"name": p.env_name, "value": "$(PREFIX)-" + p.env_value.split("-", 1)[1]}]
    return [Apply(m), _wait(p)]
