"""Controllers: a Job with completions, parallelism and a backoff limit."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-job-completions",
    job="batch",
    container="worker",
    image="busybox",
    completions=4,
    parallelism=2,
    backoff=2,
)
IMAGE = lab_image(P.image)
NS, J = P.namespace, P.job

lab = Lab(
    id="job-completions",
    title="A parallel Job that completes",
    topic="controllers",
    shape="course",
    minutes=10,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{NS}` create a Job `{J}` whose container `{P.container}` runs `{IMAGE}` with
`sh -c "echo processed item on $(hostname)"`:

- it must succeed **{P.completions}** times (`completions`), running at most **{P.parallelism}** pods at
  once (`parallelism`);
- it gives up after **{P.backoff}** failed retries (`backoffLimit`);
- its pods never restart in place (`restartPolicy: Never`: a failed pod is replaced by a new one).

The Job must complete: `kubectl get job {J} -n {NS}` shows `{P.completions}/{P.completions}`.""",
)


@lab.check("job-exists", f"Job {J} exists in {NS}", points=1,
           hint=f"`kubectl create job {J} -n {NS} --image={IMAGE} --dry-run=client -o yaml -- sh -c '...'` "
                "gives a start; completions and parallelism are not flags: edit the YAML")
def job_exists(ctx):
    return k8s.exists(ctx.kube, "Job", J, NS)


@lab.check("completions", f"completions {P.completions}", points=1, requires=["job-exists"],
           hint="spec.completions (a Job's spec is immutable here: delete and create it again)")
def completions(ctx):
    return k8s.field_equals(ctx.kube, "Job", J, NS, "spec.completions", P.completions)


@lab.check("parallelism", f"parallelism {P.parallelism}", points=1, requires=["job-exists"],
           hint="spec.parallelism")
def parallelism(ctx):
    return k8s.field_equals(ctx.kube, "Job", J, NS, "spec.parallelism", P.parallelism)


@lab.check("backoff-limit", f"backoffLimit {P.backoff} and restartPolicy Never", points=1,
           requires=["job-exists"],
           hint="spec.backoffLimit, and spec.template.spec.restartPolicy: Never")
def backoff_limit(ctx):
    k8s.field_equals(ctx.kube, "Job", J, NS, "spec.template.spec.restartPolicy", "Never")
    return k8s.field_equals(ctx.kube, "Job", J, NS, "spec.backoffLimit", P.backoff)


@lab.check("succeeded", f"Job {J} succeeded {P.completions} times", points=2, requires=["job-exists"],
           hint=f"`kubectl describe job {J} -n {NS}` and `kubectl logs -n {NS} job/{J}` show what the pods did")
def succeeded(ctx):
    return k8s.job_succeeded(ctx.kube, NS, J, times=P.completions)


COMMAND = "echo processed item on $(hostname)"


def job(p, restart="Never"):
    spec = {
        "completions": p.completions, "parallelism": p.parallelism, "backoffLimit": p.backoff,
        "template": {"spec": {
            "restartPolicy": restart, "terminationGracePeriodSeconds": 0,
            "containers": [{"name": p.container, "image": lab_image(p.image), "command": ["sh", "-c", COMMAND]}],
        }},
    }
    if p.backoff is None:  # left out: the API server defaults it to 6
        del spec["backoffLimit"]
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": p.job, "namespace": p.namespace},
            "spec": spec}


def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Complete", f"job/{p.job}", "--timeout=120s"])


@lab.solution
def solution(p):
    return [Apply(job(p)), _wait(p)]


lab.near_miss("serial", "parallelism left at 1", params={"parallelism": 1}, fails=["parallelism"])
lab.near_miss("too-few", "completions 2: done too early", params={"completions": 2},
              fails=["completions", "succeeded"])
lab.near_miss("on-failure", "restartPolicy OnFailure",
              after=lambda p: [Run(["kubectl", "delete", "job", "-n", p.namespace, p.job, "--wait=true"]),
                               Apply(job(p, restart="OnFailure")),
                               Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Complete", f"job/{p.job}",
                                    "--timeout=120s"])],
              fails=["backoff-limit"])
lab.near_miss("default-backoff", "no backoffLimit: the API server sets the default, 6 retries",
              params={"backoff": None}, fails=["backoff-limit"])


@lab.variant("from-create-job", "`kubectl create job batch --image=busybox:1.35.0 --dry-run=client -o yaml -- sh -c "
             "...` saved, completions/parallelism/backoffLimit added, applied (the generated restartPolicy Never, "
             "empty resources and status kept)")
def from_create_job(p):
    manifest = {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"creationTimestamp": None, "name": p.job, "namespace": p.namespace},
        "spec": {
            "backoffLimit": p.backoff, "completions": p.completions, "parallelism": p.parallelism,
            "template": {
                "metadata": {"creationTimestamp": None},
                "spec": {"containers": [{"command": ["sh", "-c", COMMAND], "image": "busybox:1.35.0",
                                         "name": p.container, "resources": {}}],
                         "restartPolicy": "Never"},
            },
        },
        "status": {},
    }
    return [Apply(manifest), _wait(p)]


@lab.variant("indexed-args", "an Indexed Job (completionMode: Indexed), the command as args to the image's sh, "
             "image docker.io/busybox:1.35.0, a TTL and a deadline; waited for by jsonpath on status.succeeded")
def indexed_args(p):
    manifest = job(p)
    spec = manifest["spec"]
    spec.update({"completionMode": "Indexed", "activeDeadlineSeconds": 300, "ttlSecondsAfterFinished": 3600})
    c = spec["template"]["spec"]["containers"][0]
    del c["command"]
    c.update({"image": "docker.io/busybox:1.35.0", "args": ["sh", "-c", COMMAND],
              "resources": {"limits": {"cpu": "100m", "memory": "32Mi"}}})
    return [Apply(manifest),
            Run(["kubectl", "wait", f"job/{p.job}", "-n", p.namespace,
                 f"--for=jsonpath={{.status.succeeded}}={p.completions}", "--timeout=120s"])]
