"""Troubleshooting: a Deployment stuck in CreateContainerConfigError on a ConfigMap key that does not exist."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-missing-configkey",
    deployment="paint",
    container="app",
    image="busybox",                  # image catalog key (cluster/images.yaml)
    labels={"app": "paint"},
    configmap="app-config",
    data={"color": "blue", "size": "large"},
    var="APP_COLOR",
    value="blue",
    key="color",                      # the key the repaired Deployment reads
    broken_key="colour",              # the key the seeded Deployment reads (not in the ConfigMap)
    env_form="key-ref",               # how the solution sets the variable: key-ref | literal | optional
)
IMAGE = lab_image(P.image)
NS, D, CM = P.namespace, P.deployment, P.configmap

lab = Lab(
    id="trouble-missing-configkey",
    title="A pod that cannot start: a ConfigMap key that is not there",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` runs `{IMAGE}` (`sleep 3600`), but its pod never starts: `kubectl get pods`
shows `CreateContainerConfigError`. Find out why (`kubectl describe pod`, the Events at the bottom) and
repair it so that:

- the Deployment's pod is Running and Ready;
- inside its container the environment variable `{P.var}` is `{P.value}`;
- the value comes **from the ConfigMap `{CM}`** (a `configMapKeyRef` or an `envFrom`), not from a literal
  `value:` in the pod spec.

You may fix the Deployment, the ConfigMap, or both: only the running result is graded. Keep the
ConfigMap's existing keys. A container reads its environment when it starts: a pod created before
your fix keeps what it had (`kubectl rollout restart` makes new ones).""",
)


def _pod(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    return workloads_extra.only_pod(ctx.kube, NS, field(dep, "spec.selector.matchLabels") or P.labels)


@lab.check("pod-ready", f"The Deployment {D} has one pod, Running and Ready", points=2,
           hint=f"`kubectl describe pod -n {NS} -l app={P.labels['app']}`: the Events name the ConfigMap key the "
                f"container asks for; compare with `kubectl get configmap {CM} -n {NS} -o yaml`")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, NS, _pod(ctx)["metadata"]["name"])


@lab.check("env-value", f"{P.var}={P.value} inside the running container", points=2, requires=["pod-ready"],
           hint=f"`kubectl exec -n {NS} deploy/{D} -- env`; a reference marked `optional: true` starts the pod "
                "but leaves the variable unset when the key is missing")
def env_value(ctx):
    return k8s.env_in_container(ctx.kube, NS, _pod(ctx)["metadata"]["name"], P.var, P.value)


@lab.check("from-configmap", f"{P.var} comes from the ConfigMap {CM}, not a literal", points=1,
           requires=["pod-ready"],
           hint=f"env: [{{name: {P.var}, valueFrom: {{configMapKeyRef: {{name: {CM}, key: <a key of {CM}>}}}}}}] "
                f"(`kubectl get cm {CM} -n {NS} -o yaml` lists its keys), or envFrom with a configMapRef")
def from_configmap(ctx):
    pod = _pod(ctx)
    c = k8s.container_of(pod)
    cm = k8s.must_get(ctx.kube, "ConfigMap", CM, NS)
    data = cm.get("data") or {}
    entries = [e for e in c.get("env") or [] if e.get("name") == P.var]
    if entries:  # an env entry wins over envFrom; the last of duplicate names wins
        e = entries[-1]
        ref = field(e, "valueFrom.configMapKeyRef") or {}
        if "value" in e or not ref:
            found = f"the literal value {e.get('value')!r}" if "value" in e else "a value from " + \
                ", ".join(k for k in (e.get("valueFrom") or {})) or "nothing"
            raise Failed(f"pod {pod['metadata']['name']} env {P.var}: expected a configMapKeyRef to {CM}, "
                         f"found {found}", expected=f"configMapKeyRef {CM}", found=found)
        if ref.get("name") != CM or ref.get("key") not in data:
            found = f"configMapKeyRef {ref.get('name')}/{ref.get('key')}"
            why = "" if ref.get("name") != CM else f" (ConfigMap {CM} has no key {ref.get('key')!r})"
            raise Failed(f"pod {pod['metadata']['name']} env {P.var}: expected a key of ConfigMap {CM}, "
                         f"found {found}{why}", expected=f"a key of {CM}", found=found)
        return f"{P.var} comes from ConfigMap {CM}, key {ref['key']}"
    for src in c.get("envFrom") or []:
        name = field(src, "configMapRef.name")
        prefix = src.get("prefix") or ""
        if name == CM and P.var.startswith(prefix) and P.var[len(prefix):] in data:
            return f"{P.var} comes from ConfigMap {CM} (envFrom, key {P.var[len(prefix):]})"
    raise Failed(f"pod {pod['metadata']['name']}: expected {P.var} from ConfigMap {CM}, found no env entry or "
                 f"envFrom of {CM} that sets it", expected=f"{P.var} from {CM}", found="none")


def configmap(p):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": p.configmap, "namespace": p.namespace},
            "data": dict(p.data)}


def deployment(p, key):
    if p.env_form == "literal":
        env = {"name": p.var, "value": p.value}
    else:
        env = {"name": p.var, "valueFrom": {"configMapKeyRef": {"name": p.configmap, "key": key}}}
        if p.env_form == "optional":
            env["valueFrom"]["configMapKeyRef"]["optional"] = True
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": lab_image(p.image), "command": ["sleep", "3600"],
                                "env": [env]}],
            }},
        },
    }


def _rollout(p):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", "--timeout=90s"])


@lab.seed
def seed(p):
    return [Apply([configmap(p), deployment(p.replace(env_form="key-ref"), p.broken_key)])]


@lab.solution
def solution(p):
    key = p.broken_key if p.env_form == "optional" else p.key
    return [Apply(deployment(p, key), note="Point the Deployment at the key the ConfigMap has:"), _rollout(p)]


lab.near_miss("literal-value", f"the Deployment sets {P.var}: {P.value} as a literal value",
              params={"env_form": "literal"}, fails=["from-configmap"])
lab.near_miss("optional-ref", f"the missing key marked optional: true: the pod starts without {P.var}",
              params={"env_form": "optional"}, fails=["env-value", "from-configmap"])
lab.near_miss("other-key", f"the Deployment reads the key size: {P.var} is large",
              params={"key": "size"}, fails=["env-value"])


@lab.variant("fix-configmap", f"add the key {P.broken_key} to the ConfigMap (`kubectl patch cm`), then "
                              "`kubectl rollout restart`")
def fix_configmap(p):
    patch = {"data": {p.broken_key: p.value}}
    return [Run(["kubectl", "patch", "configmap", p.configmap, "-n", p.namespace, "--type=merge",
                 "-p", json.dumps(patch)]),
            Run(["kubectl", "rollout", "restart", "-n", p.namespace, f"deploy/{p.deployment}"]), _rollout(p)]


@lab.variant("json-patch-key", "`kubectl patch --type=json`: replace the key the reference reads, in place")
def json_patch_key(p):
    ops = [{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/key",
            "value": p.key}]
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]


@lab.variant("set-env-from", "`kubectl set env --from=configmap/... --keys=color --prefix=APP_`: kubectl "
                              "writes the configMapKeyRef (upper-casing the name) over the broken entry")
def set_env_from(p):
    prefix = p.var[: len(p.var) - len(p.key)]
    return [Run(["kubectl", "set", "env", f"deployment/{p.deployment}", "-n", p.namespace,
                 f"--from=configmap/{p.configmap}", f"--keys={p.key}", f"--prefix={prefix}"]), _rollout(p)]


@lab.variant("edit-as-replace", "what `kubectl edit` does: get the Deployment, sed the key, `kubectl replace`")
def edit_replace(p):
    script = (f"for try in 1 2 3 4 5; do kubectl get deploy {p.deployment} -n {p.namespace} -o yaml | "
              f"sed 's/key: {p.broken_key}$/key: {p.key}/' | kubectl replace -f - && exit 0; sleep 1; done; exit 1")
    return [Run(["sh", "-c", script]), _rollout(p)]


@lab.variant("envfrom-new-key", f"a key {P.var} added to the ConfigMap, the env entry replaced by envFrom of the "
                                "whole ConfigMap")
def envfrom_new_key(p):
    ops = [{"op": "remove", "path": "/spec/template/spec/containers/0/env"},
           {"op": "add", "path": "/spec/template/spec/containers/0/envFrom",
            "value": [{"configMapRef": {"name": p.configmap}}]}]
    return [Run(["kubectl", "patch", "configmap", p.configmap, "-n", p.namespace, "--type=merge",
                 "-p", json.dumps({"data": {p.var: p.value}})]),
            Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "--type=json",
                 "-p", json.dumps(ops)]), _rollout(p)]
