"""Controllers: a CronJob with a schedule, a concurrency policy and history limits."""

from kubelab.cluster.api import lab_image
from kubelab.graders import k8s
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-cronjob-schedule",
    cronjob="report",
    container="report",
    image="busybox",
    schedule="*/15 * * * *",
    concurrency="Forbid",
    keep_ok=2,
    keep_failed=1,
    manual_job="report-now",
    restart="OnFailure",
)
IMAGE = lab_image(P.image)
NS, CJ = P.namespace, P.cronjob

lab = Lab(
    id="cronjob-schedule",
    title="A CronJob with a schedule and history limits",
    topic="controllers",
    shape="course",
    minutes=12,
    params=P,
    namespace=P.namespace,
    task=f"""\
In the namespace `{NS}` create a CronJob `{CJ}` whose container `{P.container}` runs `{IMAGE}` with
`sh -c "date; echo report done"`:

- it runs **every 15 minutes** (schedule `{P.schedule}`, or any schedule that fires at the same times);
- a new run never starts while the previous one is still running (concurrency policy `{P.concurrency}`);
- it keeps the last **{P.keep_ok}** successful Jobs and the last **{P.keep_failed}** failed Job;
- its pods use `restartPolicy: {P.restart}`.

You do not want to wait 15 minutes: start one run by hand as a Job named `{P.manual_job}` created
from the CronJob (`kubectl create job --from=...`); it must complete.""",
)


@lab.check("cronjob-exists", f"CronJob {CJ} exists in {NS}", points=1,
           hint=f"`kubectl create cronjob {CJ} -n {NS} --image={IMAGE} --schedule='{P.schedule}' "
                "--dry-run=client -o yaml -- sh -c '...'`")
def cronjob_exists(ctx):
    return k8s.exists(ctx.kube, "CronJob", CJ, NS)


@lab.check("schedule", f"Schedule {P.schedule}", points=1, requires=["cronjob-exists"],
           hint="spec.schedule has five fields: minute hour day-of-month month day-of-week; */15 = every 15th minute")
def schedule(ctx):
    return k8s.schedule_is(ctx.kube, "CronJob", CJ, NS, "spec.schedule", P.schedule)


@lab.check("concurrency", f"concurrencyPolicy {P.concurrency}", points=1, requires=["cronjob-exists"],
           hint="spec.concurrencyPolicy: Allow (default), Forbid or Replace")
def concurrency(ctx):
    return k8s.field_equals(ctx.kube, "CronJob", CJ, NS, "spec.concurrencyPolicy", P.concurrency)


@lab.check("history-limits", f"Keeps {P.keep_ok} successful and {P.keep_failed} failed Jobs", points=1,
           requires=["cronjob-exists"],
           hint="spec.successfulJobsHistoryLimit and spec.failedJobsHistoryLimit (defaults 3 and 1)")
def history_limits(ctx):
    k8s.field_equals(ctx.kube, "CronJob", CJ, NS, "spec.successfulJobsHistoryLimit", P.keep_ok)
    return k8s.field_equals(ctx.kube, "CronJob", CJ, NS, "spec.failedJobsHistoryLimit", P.keep_failed)


@lab.check("manual-run", f"Job {P.manual_job}, made from the CronJob, completed", points=2,
           requires=["cronjob-exists"],
           hint=f"`kubectl create job {P.manual_job} -n {NS} --from=cronjob/{CJ}`")
def manual_run(ctx):
    k8s.field_equals(ctx.kube, "Job", P.manual_job, NS, 'metadata.annotations["cronjob.kubernetes.io/instantiate"]',
                     "manual")
    return k8s.job_succeeded(ctx.kube, NS, P.manual_job)


@lab.check("pod-template", f"Its pods run {P.container} from {IMAGE} with restartPolicy {P.restart}", points=1,
           requires=["cronjob-exists"],
           hint="spec.jobTemplate.spec.template.spec: restartPolicy and containers[].name/image "
                "(`kubectl create cronjob --restart=...`)")
def pod_template(ctx):
    tpl = "spec.jobTemplate.spec.template.spec"
    k8s.image_is(ctx.kube, "CronJob", CJ, NS, f"{tpl}.containers[name={P.container}].image", IMAGE)
    return k8s.field_equals(ctx.kube, "CronJob", CJ, NS, f"{tpl}.restartPolicy", P.restart)


def cronjob(p):
    return {
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": p.cronjob, "namespace": p.namespace},
        "spec": {
            "schedule": p.schedule, "concurrencyPolicy": p.concurrency,
            "successfulJobsHistoryLimit": p.keep_ok, "failedJobsHistoryLimit": p.keep_failed,
            "jobTemplate": {"spec": {"backoffLimit": 2, "template": {"spec": {
                "restartPolicy": p.restart, "terminationGracePeriodSeconds": 0,
                "containers": [{"name": p.container, "image": lab_image(p.image),
                                "command": ["sh", "-c", "date; echo report done"]}],
            }}}},
        },
    }


@lab.solution
def solution(p):
    return [
        Apply(cronjob(p)),
        Run(["kubectl", "create", "job", p.manual_job, "-n", p.namespace, f"--from=cronjob/{p.cronjob}"]),
        Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Complete", f"job/{p.manual_job}",
             "--timeout=120s"]),
    ]


lab.near_miss("hourly", "runs at minute 15 of every hour (15 * * * *)", params={"schedule": "15 * * * *"},
              fails=["schedule"])
lab.near_miss("default-history", "keeps the default 3 successful Jobs", params={"keep_ok": 3},
              fails=["history-limits"])
lab.near_miss("allow", "concurrency policy left at Allow", params={"concurrency": "Allow"}, fails=["concurrency"])
lab.near_miss("restart-never", "its pods use restartPolicy Never", params={"restart": "Never"},
              fails=["pod-template"])
lab.near_miss("every-20", "fires every 20 minutes (0,20,40 * * * *)", params={"schedule": "0,20,40 * * * *"},
              fails=["schedule"])


@lab.variant("listed-minutes", "schedule 0,15,30,45 * * * * (the same minutes as */15), written in YAML with the "
                               "command in args and extra Job fields")
def listed_minutes(p):
    cj = cronjob(p.replace(schedule="0,15,30,45 * * * *"))
    spec = cj["spec"]["jobTemplate"]["spec"]
    spec["ttlSecondsAfterFinished"] = 600
    c = spec["template"]["spec"]["containers"][0]
    c["command"], c["args"] = ["/bin/sh", "-c"], ["date; echo report done"]
    c["image"] = lab_image(p.image).removeprefix("docker.io/library/")
    return [Apply(cj), *_manual(p)]


def _manual(p):
    return [Run(["kubectl", "create", "job", p.manual_job, "-n", p.namespace, f"--from=cronjob/{p.cronjob}"]),
            Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Complete", f"job/{p.manual_job}",
                 "--timeout=120s"])]


@lab.variant("create-cronjob-patch", "`kubectl create cronjob` with schedule 0-59/15 * * * *, then "
                                     "`kubectl patch` for the policy and the successful-Jobs limit (the failed one keeps its default 1)")
def create_and_patch(p):
    import json

    # failedJobsHistoryLimit left at its default (1), which is what the task asks for
    patch = {"spec": {"concurrencyPolicy": p.concurrency, "successfulJobsHistoryLimit": p.keep_ok}}
    return [Run(["kubectl", "create", "cronjob", p.cronjob, "-n", p.namespace,
                 f"--image={lab_image(p.image).removeprefix('docker.io/library/')}", "--schedule=0-59/15 * * * *",
                 f"--restart={p.restart}", "--", "sh", "-c", "date; echo report done"]),
            Run(["kubectl", "patch", "cronjob", p.cronjob, "-n", p.namespace, "--type=merge", "-p", json.dumps(patch)]),
            *_manual(p)]
