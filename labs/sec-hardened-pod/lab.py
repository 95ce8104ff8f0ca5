"""Security: a pod that runs as non-root, on a read-only root filesystem, with no capabilities,
graded by what the running container really is."""

from kubelab.cluster.api import lab_image
from kubelab.graders import access, k8s
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-sec-hardened-pod",
    pod="hardened",
    image="busybox",
    uid=1000,                       # the reference's user id (the task asks for any non-root one)
    scratch="/tmp",                 # the one writable place (an emptyDir)
    probe="/kubelab-write-test",    # a file the check tries to write on the root filesystem
    read_only=True,
    drop=["ALL"],
    escalation=False,
    seccomp="RuntimeDefault",
)
NS, POD = P.namespace, P.pod

lab = Lab(
    id="sec-hardened-pod",
    title="A non-root pod with a read-only root and no capabilities",
    topic="security",
    shape="course",
    minutes=12,
    params=P,
    namespace=NS,
    task=f"""\
In `{NS}` run a pod `{POD}` with one container of `{lab_image(P.image)}` that keeps running
(`sleep 3600`) and is locked down:

- it runs as a **non-root** user (any uid but 0);
- its **root filesystem is read-only**; only `{P.scratch}` is writable (mount an `emptyDir` there);
- it holds **no Linux capabilities** at all (drop them all);
- it can never gain privileges (`allowPrivilegeEscalation: false`);
- it runs under the container runtime's default **seccomp** profile.

Put each setting at the pod or at the container level, where the API allows it. Graded is the running
container as the kernel sees it: `id -u`, the mount of `/`, a write to `{P.scratch}`, and the `Cap*`,
`NoNewPrivs` and `Seccomp` lines of `/proc/1/status` (try `kubectl exec -n {NS} {POD} -- cat /proc/1/status`).""",
)

@lab.check("pod-ready", f"Pod {POD} is Running and Ready", points=1,
           hint=f"`kubectl describe pod {POD} -n {NS}`: `runAsNonRoot: true` without a runAsUser fails on an image "
                "whose user is root (CreateContainerConfigError)")
def pod_ready(ctx):
    return k8s.pod_running_ready(ctx.kube, NS, POD)

def _status(ctx):
    return access.read_proc_status(ctx.kube, NS, POD)

@lab.check("non-root", "the container's process runs as a non-root uid", points=2, requires=["pod-ready"],
           hint="securityContext.runAsUser: 1000 (pod or container level), with runAsNonRoot: true for the kubelet to check")
def non_root(ctx):
    rc, out, err = ctx.kube.exec(NS, POD, ["id", "-u"])
    uid = access.effective_uid(_status(ctx))
    if rc != 0 or not out.strip().isdigit():
        raise Failed(f"pod {POD}: `id -u` failed (exit {rc}: {(err or out).strip()[:80]})", expected="a uid", found=f"exit {rc}")
    if int(out) == 0 or uid in (0, None):
        raise Failed(f"pod {POD}: uid expected not 0, found {out.strip()} (PID 1 effective uid {uid})",
                     expected="a non-root uid", found=out.strip())
    return f"pod {POD}: `id -u` = {out.strip()}, PID 1 effective uid {uid}"

@lab.check("read-only-root", "the root filesystem is read-only", points=2, requires=["pod-ready"],
           hint="container securityContext.readOnlyRootFilesystem: true (a container-level field only)")
def read_only_root(ctx):
    access.root_read_only(ctx.kube, NS, POD)
    return access.write_fails(ctx.kube, NS, POD, P.probe) + ", / is mounted ro"

@lab.check("scratch-writable", f"{P.scratch} is writable", points=1, requires=["pod-ready"],
           hint=f"volumes: [{{name: tmp, emptyDir: {{}}}}] mounted at {P.scratch}")
def scratch_writable(ctx):
    path = f"{P.scratch}/.kubelab-write-test"
    try:
        access.write_fails(ctx.kube, NS, POD, path)
    except Failed as exc:
        if exc.found == "written":
            return f"pod {POD}: {P.scratch} is writable"
        raise
    raise Failed(f"pod {POD}: writing {path}: expected to work, found it fails", expected="writable", found="refused")

@lab.check("no-capabilities", "the process holds no capabilities, not even in its bounding set", points=2,
           requires=["pod-ready"],
           hint="capabilities: {drop: [ALL]} in the container's securityContext; a non-root process has no effective "
                "capabilities anyway, but its bounding set keeps what a setuid program could regain")
def no_capabilities(ctx):
    st = _status(ctx)
    found = {k: access.capabilities(st, k) for k in ("CapEff", "CapPrm", "CapBnd")}
    held = {k: v for k, v in found.items() if v != 0}
    if held:
        shown = "; ".join(f"{k} {', '.join(access.cap_names(v)) if v is not None else 'unreadable'}" for k, v in held.items())
        raise Failed(f"pod {POD} /proc/1/status: expected no capabilities, found {shown}",
                     expected="CapEff, CapPrm, CapBnd all 0", found=shown)
    return f"pod {POD}: CapEff, CapPrm and CapBnd are 0"

@lab.check("no-escalation", "the process can never gain privileges (no_new_privs)", points=1, requires=["pod-ready"],
           hint="container securityContext.allowPrivilegeEscalation: false")
def no_escalation(ctx):
    value = _status(ctx).get("NoNewPrivs")
    if value != "1":
        raise Failed(f"pod {POD} /proc/1/status NoNewPrivs: expected 1, found {value}", expected="1", found=str(value))
    return f"pod {POD}: NoNewPrivs 1"

@lab.check("seccomp", "the process runs under a seccomp filter (RuntimeDefault)", points=1, requires=["pod-ready"],
           hint="securityContext.seccompProfile: {type: RuntimeDefault} (pod or container level); without it the "
                "kubelet runs containers Unconfined")
def seccomp(ctx):
    value = _status(ctx).get("Seccomp")
    if value != "2":
        raise Failed(f"pod {POD} /proc/1/status Seccomp: expected 2 (filter), found {value} "
                     f"({'disabled' if value == '0' else 'not a filter'})", expected="2", found=str(value))
    return f"pod {POD}: Seccomp 2 (filter)"

def container_context(p):
    sc = {"runAsUser": p.uid, "runAsNonRoot": True, "readOnlyRootFilesystem": p.read_only,
          "allowPrivilegeEscalation": p.escalation, "capabilities": {"drop": list(p.drop)}}
    if p.seccomp:
        sc["seccompProfile"] = {"type": p.seccomp}
    return sc

def pod(p, pod_context=None, container_sc=None):
    spec = {"terminationGracePeriodSeconds": 0,
            "containers": [{"name": "app", "image": lab_image(p.image), "command": ["sleep", "3600"],
                            "securityContext": container_sc if container_sc is not None else container_context(p),
                            "volumeMounts": [{"name": "tmp", "mountPath": p.scratch}]}],
            "volumes": [{"name": "tmp", "emptyDir": {}}]}
    if pod_context:
        spec["securityContext"] = pod_context
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.pod, "namespace": p.namespace}, "spec": spec}

def _wait(p):
    return Run(["kubectl", "wait", "-n", p.namespace, "--for=condition=Ready", f"pod/{p.pod}", "--timeout=90s"])

@lab.solution
def solution(p):
    return [Apply(pod(p)), _wait(p)]

lab.near_miss("runs-as-root", "no user set: busybox runs as root",
              after=lambda p: _replace(p, drop_keys=("runAsUser", "runAsNonRoot")), fails=["non-root"])
lab.near_miss("writable-root", "readOnlyRootFilesystem left out", params={"read_only": False}, fails=["read-only-root"])
lab.near_miss("drops-net-raw", "drops only NET_RAW: the bounding set keeps the runtime's other defaults",
              params={"drop": ["NET_RAW"]}, fails=["no-capabilities"])
lab.near_miss("may-escalate", "allowPrivilegeEscalation: true", params={"escalation": True}, fails=["no-escalation"])
lab.near_miss("unconfined", "no seccomp profile: the kubelet runs it Unconfined", params={"seccomp": None},
              fails=["seccomp"])

def _replace(p, drop_keys=()):
    m = pod(p)
    sc = m["spec"]["containers"][0]["securityContext"]
    for k in drop_keys:
        sc.pop(k, None)
    return [Run(["kubectl", "delete", "pod", p.pod, "-n", p.namespace, "--wait=true", "--grace-period=0"]),
            Apply(m), _wait(p)]

@lab.variant("pod-level", "runAsUser 65534 with runAsGroup and fsGroup, runAsNonRoot and seccomp at the pod level; "
                          "the container-only fields (read-only root, capabilities, escalation) on the container")
def pod_level(p):
    container_sc = {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]}}
    pod_sc = {"runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534, "runAsNonRoot": True,
              "seccompProfile": {"type": "RuntimeDefault"}}
    m = pod(p, pod_sc, container_sc)
    m["spec"]["containers"][0]["image"] = "busybox:1.35.0"
    return [Apply(m), _wait(p)]

@lab.variant("uid-only", "runAsUser 2000 without runAsNonRoot, the scratch emptyDir in memory, the command as args")
def uid_only(p):
    m = pod(p)
    c = m["spec"]["containers"][0]
    sc = c["securityContext"]
    sc.pop("runAsNonRoot")
    sc["runAsUser"] = 2000
    c["args"] = c.pop("command")
    m["spec"]["volumes"] = [{"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}}]
    return [Apply(m), _wait(p)]

