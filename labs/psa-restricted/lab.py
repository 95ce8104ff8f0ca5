"""Security: a namespace that enforces Pod Security "restricted", graded by what admission lets in."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import access, k8s
from kubelab.labs.model import Apply, Lab, Params, Run

PSA = "pod-security.kubernetes.io"
P = Params(
    namespace="lab-psa-restricted",
    level="restricted",
    labels={f"{PSA}/enforce": "restricted"},   # what the reference sets (near-misses change it)
    pod="app",
    image="busybox",
    uid=1000,
)
NS = P.namespace
IMAGE = lab_image(P.image)

lab = Lab(
    id="psa-restricted",
    title="A namespace that enforces Pod Security \"restricted\"",
    topic="security",
    shape="course",
    minutes=12,
    params=P,
    namespace=NS,
    task=f"""\
Make the namespace `{NS}` **enforce** the Pod Security Standard `{P.level}` (with Pod Security
Admission, the namespace labels `{PSA}/...`), so that the API server refuses any pod that breaks it,
privileged or merely running as root. Warnings or audit entries alone are not enough.

Then run a pod `{P.pod}` in `{NS}` that the level admits: one container of `{IMAGE}` running
`sleep 3600` as uid {P.uid}. (Try it with `kubectl apply --dry-run=server` first: the error lists every
field the level wants.)

Graded by admission itself: server-side dry-run creates of a privileged pod and of a plain root pod must
be refused, one of a compliant pod admitted, and `{P.pod}` must be running.""",
)

PRIVILEGED = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-privileged"},
              "spec": {"containers": [{"name": "c", "image": IMAGE, "command": ["sleep", "5"],
                                       "securityContext": {"privileged": True}}]}}
ROOT = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-root"},
        "spec": {"containers": [{"name": "c", "image": IMAGE, "command": ["sleep", "5"]}]}}


def restricted_context(uid):
    return {"runAsNonRoot": True, "runAsUser": uid, "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


COMPLIANT = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kubelab-compliant"},
             "spec": {"containers": [{"name": "c", "image": IMAGE, "command": ["sleep", "5"],
                                      "securityContext": restricted_context(P.uid)}]}}


# graded from the record under autograde: the replay namespace itself enforces "baseline", which refuses a
# privileged pod whatever the student set (root-refused and compliant-admitted are verified on the replay)
@lab.check("privileged-refused", "a privileged pod is refused", points=2, record_only=True,
           hint=f"kubectl label namespace {NS} {PSA}/enforce={P.level}; a `warn` or `audit` label only reports")
def privileged_refused(ctx):
    return access.refused(ctx.kube, NS, PRIVILEGED, "a privileged pod", because="PodSecurity")


@lab.check("root-refused", "a pod that may run as root (allowed by \"baseline\") is refused", points=2,
           hint=f"the level must be {P.level}: baseline forbids privileged pods but lets a pod run as root")
def root_refused(ctx):
    return access.refused(ctx.kube, NS, ROOT, "a pod without securityContext (runs as root)", because="PodSecurity")


@lab.check("compliant-admitted", f"a pod that meets \"{P.level}\" is still admitted", points=1,
           requires=["root-refused"],
           hint="enforce a level the API server knows (privileged, baseline, restricted); a typo in the label "
                "value makes every pod creation fail")
def compliant_admitted(ctx):
    return access.admitted(ctx.kube, NS, COMPLIANT, f"a pod that meets {P.level}")


@lab.check("app-running", f"Pod {P.pod} runs in {NS}", points=2,
           hint="restricted wants runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities.drop: [ALL] "
                "and seccompProfile.type: RuntimeDefault (pod or container level); `kubectl apply --dry-run=server` "
                "names what is missing")
def app_running(ctx):
    return k8s.pod_running_ready(ctx.kube, NS, P.pod)


def app_pod(p, pod_level=False):
    spec = {"terminationGracePeriodSeconds": 0,
            "containers": [{"name": p.pod, "image": lab_image(p.image), "command": ["sleep", "3600"]}]}
    if pod_level:
        sc = restricted_context(p.uid)
        spec["securityContext"] = {k: sc[k] for k in ("runAsNonRoot", "runAsUser", "seccompProfile")}
        spec["containers"][0]["securityContext"] = {k: sc[k] for k in ("allowPrivilegeEscalation", "capabilities")}
    else:
        spec["containers"][0]["securityContext"] = restricted_context(p.uid)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.pod, "namespace": p.namespace}, "spec": spec}


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])


@lab.solution
def solution(p):
    labels = [f"{k}={v}" for k, v in p.labels.items()]
    return [Run(["kubectl", "label", "namespace", p.namespace, *labels, "--overwrite"]), Apply(app_pod(p)), _wait(p)]


@lab.reset_steps
def reset(p):
    # the lab keeps its namespace between tries: take the Pod Security labels off it
    modes = [f"{PSA}/{m}{v}-" for m in ("enforce", "warn", "audit") for v in ("", "-version")]
    return [Run(["kubectl", "label", "namespace", p.namespace, *modes], ok_codes=(0, 1))]


lab.near_miss("baseline", "enforce=baseline: privileged pods are refused, root pods still admitted",
              params={"labels": {f"{PSA}/enforce": "baseline"}}, fails=["root-refused"],
              changes=["compliant-admitted"])
lab.near_miss("warn-only", "warn=restricted and audit=restricted, nothing enforced: every pod is admitted",
              params={"labels": {f"{PSA}/warn": "restricted", f"{PSA}/audit": "restricted"}},
              fails=["privileged-refused", "root-refused"], changes=["compliant-admitted"])


@lab.variant("all-modes", "enforce, enforce-version, warn and audit all set at restricted in one `kubectl label`; "
                          "the pod's settings split between pod and container level")
def all_modes(p):
    labels = [f"{PSA}/enforce=restricted", f"{PSA}/enforce-version=latest", f"{PSA}/warn=restricted",
              f"{PSA}/audit=restricted"]
    return [Run(["kubectl", "label", "namespace", p.namespace, *labels]), Apply(app_pod(p, pod_level=True)), _wait(p)]


@lab.variant("pinned-version", "enforce=restricted pinned to the cluster's version v1.34, the pod made with "
                               "`kubectl run --overrides`")
def pinned(p):
    overrides = {"apiVersion": "v1", "spec": {"containers": [
        {"name": p.pod, "image": "busybox:1.35.0", "command": ["sleep", "3600"],
         "securityContext": restricted_context(p.uid)}]}}
    return [Run(["kubectl", "label", "ns", p.namespace, f"{PSA}/enforce=restricted", f"{PSA}/enforce-version=v1.34"]),
            Run(["kubectl", "run", p.pod, "-n", p.namespace, "--image=busybox:1.35.0", "--restart=Never",
                 f"--overrides={json.dumps(overrides)}"]),
            _wait(p)]
