"""ConfigMaps: one from literals consumed as environment variables, one from a file mounted as a file."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-config-env-file",
    cm_env="app-settings",
    literals={"MODE": "production", "LOG_LEVEL": "debug"},
    cm_file="app-files",
    workdir="/tmp/kubelab-config-env-file",   # where the solution writes the file it loads
    file_name="app.properties",
    file_key="app.properties",                # the key --from-file gives (a near-miss renames it)
    file_text="greeting=hello\ncolor=blue\n",
    file_probe="color=blue",
    pod="app",
    image="busybox",                          # image catalog key (cluster/images.yaml)
    mount="/etc/app",
)
IMAGE = lab_image(P.image)
LITERALS = ", ".join(f"`{k}={v}`" for k, v in P.literals.items())
FILE_LINES = "\n".join(f"    {line}" for line in P.file_text.splitlines())

lab = Lab(
    id="config-env-file",
    title="A ConfigMap from literals as environment, one from a file as a mounted file",
    topic="config",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{P.namespace}`:

1. Create the ConfigMap `{P.cm_env}` from the literals {LITERALS} (`kubectl create configmap ... --from-literal`).
2. Write a file `{P.file_name}` with these two lines, and create the ConfigMap `{P.cm_file}` from it
   (`--from-file`; the key is the file name):

{FILE_LINES}

3. Create a pod `{P.pod}` running `{IMAGE}` (`sleep 3600`) that
   - gets **every** key of `{P.cm_env}` as an environment variable of the same name (`envFrom`), and
   - mounts `{P.cm_file}` as a volume at `{P.mount}`, so that the file `{P.mount}/{P.file_name}` exists in the
     container.

Both are graded inside the running container.""",
)


@lab.check("cm-literals", f"ConfigMap {P.cm_env} holds " + ", ".join(f"{k}={v}" for k, v in P.literals.items()),
           points=1, hint=f"kubectl create configmap {P.cm_env} -n {P.namespace} "
                          + " ".join(f"--from-literal={k}={v}" for k, v in P.literals.items()))
def cm_literals(ctx):
    return k8s.field_contains(ctx.kube, "ConfigMap", P.cm_env, P.namespace, "data", P.literals)


@lab.check("cm-file", f"ConfigMap {P.cm_file} has the key {P.file_name} with the file's content", points=1,
           hint=f"kubectl create configmap {P.cm_file} -n {P.namespace} --from-file={P.file_name} "
                "(the file name becomes the key; --from-file=KEY=FILE would rename it)")
def cm_file(ctx):
    return k8s.field_contains(ctx.kube, "ConfigMap", P.cm_file, P.namespace, f'data["{P.file_name}"]', P.file_probe)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1,
           hint=f"a pod that refers to a missing ConfigMap stays in CreateContainerConfigError or "
                f"ContainerCreating: `kubectl describe pod {P.pod} -n {P.namespace}`")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("env-from-configmap", "The container's environment has " + ", ".join(P.literals), points=2,
           requires=["pod-ready"],
           hint=f"under the container: envFrom: [{{configMapRef: {{name: {P.cm_env}}}}}]; environment is read "
                "at start: re-create the pod after changing the ConfigMap")
def env_from_configmap(ctx):
    return "; ".join(k8s.env_in_container(ctx.kube, P.namespace, P.pod, k, v) for k, v in P.literals.items())


@lab.check("file-mounted", f"{P.mount}/{P.file_name} in the container holds '{P.file_probe}'", points=2,
           requires=["pod-ready"],
           hint=f"volumes: [{{name: files, configMap: {{name: {P.cm_file}}}}}] and volumeMounts: "
                f"[{{name: files, mountPath: {P.mount}}}]; every key becomes a file named after it")
def file_mounted(ctx):
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/{P.file_name}", P.file_probe)


def pod_manifest(p):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image), "command": ["sleep", "3600"],
                                     "envFrom": [{"configMapRef": {"name": p.cm_env}}],
                                     "volumeMounts": [{"name": "files", "mountPath": p.mount}]}],
                     "volumes": [{"name": "files", "configMap": {"name": p.cm_file}}]}}


@lab.solution
def solution(p):
    path = f"{p.workdir}/{p.file_name}"
    source = path if p.file_key == p.file_name else f"{p.file_key}={path}"
    return [
        Run(["kubectl", "create", "configmap", p.cm_env, "-n", p.namespace,
             *[f"--from-literal={k}={v}" for k, v in p.literals.items()]]),
        Run(["mkdir", "-p", p.workdir], note=f"Write `{p.file_name}` and load it:"),
        Run(["sh", "-c", f"printf '{p.file_text.replace(chr(10), chr(92) + 'n')}' > {path}"]),
        Run(["kubectl", "create", "configmap", p.cm_file, "-n", p.namespace, f"--from-file={source}"]),
        Apply(pod_manifest(p)),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"]),
    ]


lab.near_miss("wrong-literal", "LOG_LEVEL=info instead of debug",
              params={"literals": {**P.literals, "LOG_LEVEL": "info"}}, fails=["cm-literals", "env-from-configmap"])
lab.near_miss("renamed-key", "--from-file=config=app.properties: the key (and the file) is called config",
              params={"file_key": "config"}, fails=["cm-file", "file-mounted"])
lab.near_miss("wrong-mount", "the ConfigMap is mounted at /etc/config",
              params={"mount": "/etc/config"}, fails=["file-mounted"])


@lab.variant("env-file-value-from", "the literals from an env file (`--from-env-file`), the file ConfigMap from "
             "its folder (`--from-file=DIR`), each variable by `env.valueFrom.configMapKeyRef` instead of "
             "envFrom, the volume mounted read-only under another name with `items`, the short image name")
def env_file_value_from(p):
    env_dir, file_dir = f"{p.workdir}/env", f"{p.workdir}/files"
    env_text = "".join(f"{k}={v}\\n" for k, v in p.literals.items())
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": p.pod, "namespace": p.namespace},
           "spec": {"containers": [{
               "name": "main", "image": lab_image(p.image).removeprefix("docker.io/library/"),
               "args": ["sleep", "3600"],
               "env": [{"name": k, "valueFrom": {"configMapKeyRef": {"name": p.cm_env, "key": k}}}
                       for k in p.literals],
               "volumeMounts": [{"name": "properties", "mountPath": p.mount, "readOnly": True}]}],
               "volumes": [{"name": "properties", "configMap": {
                   "name": p.cm_file, "items": [{"key": p.file_name, "path": p.file_name}]}}]}}
    return [Run(["mkdir", "-p", env_dir, file_dir]),
            Run(["sh", "-c", f"printf '{env_text}' > {env_dir}/settings.env"]),
            Run(["sh", "-c", f"printf '{p.file_text.replace(chr(10), chr(92) + 'n')}' > {file_dir}/{p.file_name}"]),
            Run(["kubectl", "create", "configmap", p.cm_env, f"--from-env-file={env_dir}/settings.env",
                 f"--namespace={p.namespace}"]),
            Run(["kubectl", "create", "configmap", p.cm_file, f"--from-file={file_dir}", f"--namespace={p.namespace}"]),
            Apply(pod),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]


@lab.variant("declarative-yaml", "both ConfigMaps written as YAML (keys in another order, the file content inline), "
             "the pod with labels, resources, imagePullPolicy and a defaultMode, everything in one apply")
def declarative_yaml(p):
    settings = {"kind": "ConfigMap", "apiVersion": "v1",
                "metadata": {"namespace": p.namespace, "name": p.cm_env, "labels": {"app": p.pod}},
                "data": dict(reversed(list(p.literals.items())))}
    files = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": p.cm_file, "namespace": p.namespace},
             "data": {p.file_name: p.file_text}}
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"namespace": p.namespace, "name": p.pod, "labels": {"app": p.pod}},
           "spec": {"volumes": [{"name": "app-files", "configMap": {"name": p.cm_file, "defaultMode": 0o444}}],
                    "containers": [{
                        "image": lab_image(p.image), "imagePullPolicy": "IfNotPresent", "name": "app",
                        "command": ["sh", "-c", "sleep 3600"],
                        "resources": {"limits": {"cpu": "100m", "memory": "32Mi"}},
                        "volumeMounts": [{"mountPath": p.mount, "name": "app-files"}],
                        "envFrom": [{"configMapRef": {"name": p.cm_env, "optional": False}}]}]}}
    return [Apply([settings, files, pod]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]
