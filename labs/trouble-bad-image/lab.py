"""Troubleshooting: a Deployment whose rollout is stuck on an image tag that does not exist."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s, workloads_extra
from kubelab.graders.errors import Failed
from kubelab.graders.fields import field
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-bad-image",
    deployment="web",
    container="web",
    labels={"app": "web"},
    replicas=2,
    image="nginx",                     # catalog key: what the Deployment ran before and must run again
    fixed=lab_image("nginx"),          # the reference the repair sets (near-misses change it)
    broken="docker.io/library/nginx:1.22.9",   # a tag that does not exist (no node has it, no registry)
)
IMAGE = lab_image(P.image)
SHORT_IMAGE = IMAGE.removeprefix("docker.io/library/")
NS, D = P.namespace, P.deployment

lab = Lab(
    id="trouble-bad-image",
    title="A rollout stuck on an image that does not exist",
    topic="troubleshooting",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
The Deployment `{D}` in `{NS}` ran fine until someone changed its image to `{P.broken}`.
Since then its rollout is stuck: a new pod never starts. Find out why (`kubectl rollout status`,
`kubectl get pods`, `kubectl describe pod`: the Events at the bottom name the image and the pull
error) and repair the Deployment so that:

- it runs the image `{IMAGE}` (the one the cluster has);
- it keeps its **{P.replicas}** replicas, all Ready and available;
- its rollout is complete (no pod of the broken version is left).

How you repair it is up to you.""",
)


@lab.check("rollout-complete", f"Deployment {D}: rollout complete, {P.replicas}/{P.replicas} updated and available",
           points=2,
           hint=f"`kubectl rollout status deploy/{D} -n {NS}` waits for it; `kubectl describe pod -n {NS} "
                f"-l app={P.labels['app']}` shows ErrImagePull / ImagePullBackOff in the Events while the "
                "image cannot be pulled")
def rollout_complete(ctx):
    dep = k8s.must_get(ctx.kube, "Deployment", D, NS)
    want = P.replicas
    spec_replicas = field(dep, "spec.replicas")
    st = dep.get("status") or {}
    found = {"replicas": st.get("replicas", 0), "updated": st.get("updatedReplicas", 0),
             "available": st.get("availableReplicas", 0), "unavailable": st.get("unavailableReplicas", 0)}
    observed = st.get("observedGeneration", 0) >= field(dep, "metadata.generation")
    if spec_replicas != want:
        raise Failed(f"deployment {D} spec.replicas: expected {want}, found {spec_replicas}",
                     expected=str(want), found=str(spec_replicas))
    if not observed or found != {"replicas": want, "updated": want, "available": want, "unavailable": 0}:
        text = ", ".join(f"{k} {v}" for k, v in found.items())
        raise Failed(f"deployment {D} rollout: expected {want} replicas, all updated and available, found {text}",
                     expected=f"{want} updated and available", found=text)
    return f"deployment {D}: rollout complete, {want}/{want} updated and available"


@lab.check("pods-run-image", f"Its {P.replicas} pods are Ready and run {IMAGE}", points=2,
           hint=f"`kubectl get pods -n {NS} -o wide` and `kubectl get deploy {D} -n {NS} -o "
                "jsonpath='{.spec.template.spec.containers[*].image}'`: the image must be one the nodes "
                f"have ({IMAGE}; {SHORT_IMAGE} is the same image)")
def pods_run_image(ctx):
    return workloads_extra.deployment_pods_run(ctx.kube, NS, D, IMAGE, P.replicas)


def deployment(p, image):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": p.deployment, "namespace": p.namespace, "labels": dict(p.labels)},
        "spec": {
            "replicas": p.replicas,
            "selector": {"matchLabels": dict(p.labels)},
            "template": {"metadata": {"labels": dict(p.labels)}, "spec": {
                "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": image, "ports": [{"containerPort": 80}]}],
            }},
        },
    }


def _rollout(p, timeout="120s"):
    return Run(["kubectl", "rollout", "status", "-n", p.namespace, f"deploy/{p.deployment}", f"--timeout={timeout}"])


@lab.seed
def seed(p):
    return [Apply(deployment(p, lab_image(p.image))), _rollout(p),
            Run(["kubectl", "set", "image", "-n", p.namespace, f"deployment/{p.deployment}",
                 f"{p.container}={p.broken}"])]


def _runs_here(image):
    from kubelab.cluster.api import image_catalog
    from kubelab.graders.meaning import same_image

    return any(same_image(image, v["ref"]) for v in image_catalog().values())


@lab.solution
def solution(p):
    steps = [Run(["kubectl", "set", "image", "-n", p.namespace, f"deployment/{p.deployment}",
                  f"{p.container}={p.fixed}"])]
    if p.fixed == p.broken:   # near-miss: the failing pods deleted instead (the ReplicaSet makes them again)
        steps.append(Run(["kubectl", "delete", "pod", "-n", p.namespace, "--wait=false", "-l",
                          ",".join(f"{k}={v}" for k, v in p.labels.items())]))
    if _runs_here(p.fixed):   # a rollout to an image no node has never completes: nothing to wait for
        steps.append(_rollout(p))
    return steps


lab.near_miss("other-missing-tag", "set the image to nginx:1.23, a tag the cluster does not have either",
              params={"fixed": "nginx:1.23"}, fails=["rollout-complete", "pods-run-image"])
lab.near_miss("other-image", f"set the image to {lab_image('web-v1')}: it runs, but it is not the stated image",
              params={"fixed": lab_image("web-v1")}, fails=["pods-run-image"])
lab.near_miss("deleted-pods", "deleted the failing pods instead of repairing the Deployment: the ReplicaSet "
                              "creates them again with the same bad image",
              params={"fixed": P.broken}, fails=["rollout-complete", "pods-run-image"])


@lab.variant("rollout-undo", "`kubectl rollout undo`: back to the revision before the broken image")
def rollout_undo(p):
    return [Run(["kubectl", "rollout", "undo", "-n", p.namespace, f"deployment/{p.deployment}"]), _rollout(p)]


@lab.variant("patch-short-name", f"`kubectl patch` (strategic merge) with the short image name {SHORT_IMAGE}")
def patch_short(p):
    patch = {"spec": {"template": {"spec": {"containers": [{"name": p.container, "image": SHORT_IMAGE}]}}}}
    return [Run(["kubectl", "patch", "deployment", p.deployment, "-n", p.namespace, "-p", json.dumps(patch)]),
            _rollout(p)]


@lab.variant("reapply-yaml", "the whole Deployment applied again as YAML, image docker.io/nginx:1.22.1, "
                             "imagePullPolicy IfNotPresent")
def reapply(p):
    m = deployment(p, "docker.io/" + SHORT_IMAGE)
    m["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"
    return [Apply(m), _rollout(p)]
