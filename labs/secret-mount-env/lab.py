"""Secrets: one Secret mounted read-only for its owner (file mode) and consumed as an environment variable."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, storage_extra
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-secret-mount-env",
    secret="db-credentials",
    username="dbadmin",
    password="Kub3lab-s3cret",
    pod="db-client",
    image="busybox",                  # image catalog key (cluster/images.yaml)
    mount="/etc/db",
    mode=0o400,
    env_name="DB_PASSWORD",
    env_key="password",               # the Secret key the variable comes from
    workdir="/tmp/kubelab-secret-mount-env",  # where a solution may write files to load
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="secret-mount-env",
    title="A Secret mounted with a file mode and consumed as an environment variable",
    topic="config",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    secret_params=("password",),
    task=f"""\
In the namespace `{P.namespace}`:

1. Create a generic Secret `{P.secret}` with two keys: `username` = `{P.username}` and
   `password` = `{P.password}`.
2. Create a pod `{P.pod}` running `{IMAGE}` (`sleep 3600`) that
   - mounts the Secret at `{P.mount}` with file mode **{P.mode:04o}** (read-only for the owner): the files
     `{P.mount}/username` and `{P.mount}/password` appear;
   - sets the environment variable `{P.env_name}` from the Secret's key `password` (`secretKeyRef`).

The checks read the files and the variable inside the container and never print the password.
Afterwards, run `kubectl get secret {P.secret} -n {P.namespace} -o yaml` and decode the value with
`base64 -d`: anyone who may read the Secret reads the password.""",
)


@lab.check("secret-keys", f"Secret {P.secret} has the keys username and password", points=1,
           hint=f"kubectl create secret generic {P.secret} -n {P.namespace} --from-literal=username=... "
                "--from-literal=password=...")
def secret_keys(ctx):
    return k8s.secret_has_keys(ctx.kube, P.namespace, P.secret, ["username", "password"])


@lab.check("secret-value", "The password key holds the value the task gives", points=1, requires=["secret-keys"],
           hint="check for a typo or a trailing newline (`echo` adds one; --from-literal does not)")
def secret_value(ctx):
    return k8s.secret_value_equals(ctx.kube, P.namespace, P.secret, "password", P.password)


@lab.check("pod-ready", f"Pod {P.pod} is Running and Ready", points=1,
           hint=f"`kubectl describe pod {P.pod} -n {P.namespace}`: a missing Secret or key shows as "
                "CreateContainerConfigError")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, P.namespace, P.pod)


@lab.check("file-mode", f"{P.mount}/password has mode {P.mode:04o} in the container", points=2,
           requires=["pod-ready"],
           hint=f"volumes: [{{name: creds, secret: {{secretName: {P.secret}, defaultMode: {P.mode:#o}}}}}] "
                f"(YAML reads 0400 as octal; in JSON write {P.mode}); the default is 0644")
def file_mode(ctx):
    return storage_extra.file_mode_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/password", P.mode)


@lab.check("file-content", f"{P.mount}/password holds the password", points=1, requires=["pod-ready"],
           hint=f"volumeMounts: [{{name: creds, mountPath: {P.mount}, readOnly: true}}]")
def file_content(ctx):
    return k8s.file_in_container(ctx.kube, P.namespace, P.pod, f"{P.mount}/password", P.password, secret=True)


@lab.check("env-secret", f"{P.env_name} in the container holds the password", points=2, requires=["pod-ready"],
           hint=f"env: [{{name: {P.env_name}, valueFrom: {{secretKeyRef: {{name: {P.secret}, key: password}}}}}}]")
def env_secret(ctx):
    return k8s.env_in_container(ctx.kube, P.namespace, P.pod, P.env_name, P.password, secret=True)


def pod_manifest(p):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": p.pod, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": p.pod, "image": lab_image(p.image), "command": ["sleep", "3600"],
                                     "env": [{"name": p.env_name, "valueFrom": {
                                         "secretKeyRef": {"name": p.secret, "key": p.env_key}}}],
                                     "volumeMounts": [{"name": "creds", "mountPath": p.mount, "readOnly": True}]}],
                     "volumes": [{"name": "creds", "secret": {"secretName": p.secret, "defaultMode": p.mode}}]}}


@lab.solution
def solution(p):
    return [
        Run(["kubectl", "create", "secret", "generic", p.secret, "-n", p.namespace,
             f"--from-literal=username={p.username}", f"--from-literal=password={p.password}"]),
        Apply(pod_manifest(p), note=f"defaultMode {p.mode} is {p.mode:#o} written in decimal (JSON has no octal):"),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"]),
    ]


lab.near_miss("default-mode", "no defaultMode: the files keep 0644",
              params={"mode": 0o644}, fails=["file-mode"])
lab.near_miss("wrong-key", "DB_PASSWORD comes from the username key",
              params={"env_key": "username"}, fails=["env-secret"])
lab.near_miss("typo", "the password is stored with a typo",
              params={"password": "Kub3lab-secret"}, fails=["secret-value", "file-content", "env-secret"])


@lab.variant("env-file-no-readonly", "the Secret from an env file (`--from-env-file`), defaultMode written in "
             "decimal (256), no readOnly (Secret volumes are read-only anyway), the volume and container under "
             "other names, `optional: false`, the short image name")
def env_file_no_readonly(p):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": p.pod, "namespace": p.namespace},
           "spec": {"containers": [{
               "name": "client", "image": lab_image(p.image).removeprefix("docker.io/library/"),
               "command": ["sleep"], "args": ["3600"],
               "volumeMounts": [{"name": "secret-volume", "mountPath": p.mount}],
               "env": [{"name": p.env_name, "valueFrom": {
                   "secretKeyRef": {"key": p.env_key, "name": p.secret, "optional": False}}}]}],
               "volumes": [{"name": "secret-volume", "secret": {"secretName": p.secret, "defaultMode": int(p.mode)}}]}}
    return [Run(["mkdir", "-p", p.workdir]),
            Run(["sh", "-c", f"printf 'username=%s\\npassword=%s\\n' '{p.username}' '{p.password}' "
                             f"> {p.workdir}/db.env"]),
            Run(["kubectl", "create", "secret", "generic", p.secret, f"--from-env-file={p.workdir}/db.env",
                 "-n", p.namespace]),
            Run(["rm", "-f", f"{p.workdir}/db.env"]),
            Apply(pod),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]


@lab.variant("yaml-stringdata-items", "the Secret as YAML with `stringData`, the pod projecting both keys with "
             "`items` and a mode per file instead of defaultMode, labels and resources")
def yaml_stringdata_items(p):
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": p.secret, "namespace": p.namespace, "labels": {"app": p.pod}},
              "stringData": {"password": p.password, "username": p.username}}
    pod = {"kind": "Pod", "apiVersion": "v1",
           "metadata": {"namespace": p.namespace, "name": p.pod, "labels": {"app": p.pod}},
           "spec": {"volumes": [{"name": "db", "secret": {"secretName": p.secret, "items": [
                        {"key": "username", "path": "username", "mode": int(p.mode)},
                        {"key": "password", "path": "password", "mode": int(p.mode)}]}}],
                    "containers": [{
                        "image": lab_image(p.image), "name": p.pod, "imagePullPolicy": "IfNotPresent",
                        "command": ["sh", "-c", "sleep 3600"],
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                        "env": [{"name": p.env_name, "valueFrom": {"secretKeyRef": {"name": p.secret,
                                                                                     "key": p.env_key}}}],
                        "volumeMounts": [{"mountPath": p.mount, "name": "db", "readOnly": True}]}]}}
    return [Apply([secret, pod]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])]
