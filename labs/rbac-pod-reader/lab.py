"""Security: a ServiceAccount that may read pods and change nothing, graded by what the API lets it do."""

from kubelab.cluster.api import lab_image
from kubelab.graders import access, k8s
from kubelab.graders.errors import Failed
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-rbac-pod-reader",
    sa="monitor",
    role="pod-reader",                 # the reference's Role name (the task fixes none)
    clusterrole="rbac-pod-reader",     # the name the task fixes for a ClusterRole, should one be used
    verbs=["get", "list", "watch"],
    resources=["pods"],
    subject_sa="monitor",              # whom the RoleBinding names (a near-miss binds default)
    app="app",                         # a pod the seed runs, there to be listed
    image="busybox",
)
NS, SA = P.namespace, P.sa
READS = [(v, "pods") for v in P.verbs]
WRITES = [("create", "pods"), ("delete", "pods"), ("patch", "pods"), ("update", "pods"), ("deletecollection", "pods")]
SECRETS = [("get", "secrets"), ("list", "secrets"), ("watch", "secrets")]
AS = f"system:serviceaccount:{NS}:{SA}"

lab = Lab(
    id="rbac-pod-reader",
    title="A ServiceAccount that may read pods and change nothing",
    topic="security",
    shape="course",
    minutes=12,
    params=P,
    namespace=NS,
    cluster_kinds=("ClusterRole",),
    task=f"""\
A monitoring agent will run in `{NS}` under its own identity. Give it exactly what it needs:

1. a **ServiceAccount** `{SA}` in `{NS}`;
2. RBAC so that `{SA}` may **get, list and watch pods** in `{NS}`;
3. and nothing that changes pods (no create, delete, patch, update) and no access to **Secrets**.

Name the Role and the RoleBinding as you like. A RoleBinding may also bind a ClusterRole (its rules then
apply in `{NS}` only); if you make a ClusterRole for this, call it `{P.clusterrole}` (reset removes it).

Prove it yourself before you check:

```
kubectl auth can-i list pods -n {NS} --as {AS}      # yes
kubectl auth can-i delete pods -n {NS} --as {AS}    # no
kubectl auth can-i get secrets -n {NS} --as {AS}    # no
```

Graded is what the API lets `{SA}` do: by SubjectAccessReview (what `can-i` asks), and by requests made
with a token of `{SA}` itself (what a pod running as `{SA}` would send).""",
)


@lab.check("sa-exists", f"ServiceAccount {SA} exists in {NS}", points=1, hint=f"kubectl create serviceaccount {SA} -n {NS}")
def sa_exists(ctx):
    return k8s.exists(ctx.kube, "ServiceAccount", SA, NS)


@lab.check("reads-pods", f"{SA} may get, list and watch pods in {NS}", points=2, requires=["sa-exists"],
           hint=f"a Role with rules [{{apiGroups: [\"\"], resources: [pods], verbs: [get, list, watch]}}] and a "
                f"RoleBinding whose subject is {{kind: ServiceAccount, name: {SA}, namespace: {NS}}}; "
                f"`kubectl auth can-i --list -n {NS} --as {AS}` shows what it holds")
def reads_pods(ctx):
    return access.access_is(ctx.kube, NS, SA, allowed=READS)


@lab.check("cannot-change-pods", f"{SA} may not create, delete, patch or update pods", points=2, requires=["sa-exists"],
           hint="list only the verbs get, list and watch; `*` or `delete` in verbs grants more than asked")
def cannot_change_pods(ctx):
    return access.access_is(ctx.kube, NS, SA, allowed=(), denied=WRITES)


@lab.check("no-secrets", f"{SA} may not read Secrets", points=1, requires=["sa-exists"],
           hint="resources: [pods] only; `kubectl auth can-i get secrets -n NS --as ...` must say no")
def no_secrets(ctx):
    return access.access_is(ctx.kube, NS, SA, allowed=(), denied=SECRETS)


@lab.check("token-works", f"with its own token {SA} lists the pods of {NS} and is refused a delete", points=2,
           requires=["sa-exists"],
           hint=f"a pod with serviceAccountName: {SA} sends this token; `kubectl create token {SA} -n {NS}` "
                "gives you one to try with `kubectl --token=...` from a kubeconfig without your own client "
                "certificate (`--kubeconfig=/dev/null --server=... --certificate-authority=...`, as notebook 10 "
                "section 3 shows)")
def token_works(ctx):
    pods = f"/api/v1/namespaces/{ctx.kube.namespaces.get(NS, NS)}/pods"
    listed = access.as_token(ctx.kube, NS, SA, "GET", pods)
    if listed != 200:
        raise Failed(f"GET {pods} with {SA}'s token: expected 200, found {listed}", expected="200", found=str(listed))
    deleted = access.as_token(ctx.kube, NS, SA, "DELETE", f"{pods}/{P.app}", query=[("dryRun", "All")])
    if deleted != 403:
        raise Failed(f"DELETE pod {P.app} (dry run) with {SA}'s token: expected 403 Forbidden, found {deleted}",
                     expected="403", found=str(deleted))
    return f"{SA}'s token: list pods 200, delete pod 403"


def app_pod(p):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": p.app, "namespace": p.namespace},
            "spec": {"terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "app", "image": lab_image(p.image), "command": ["sleep", "3600"]}]}}


@lab.seed
def seed(p):
    return [Apply(app_pod(p))]


def rbac(p, role_kind="Role", role_name=None):
    role_name = role_name or p.role
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
               "metadata": {"name": f"{p.sa}-reads-pods", "namespace": p.namespace},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
               "subjects": [{"kind": "ServiceAccount", "name": p.subject_sa, "namespace": p.namespace}]}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": role_kind,
            "metadata": {"name": role_name, **({"namespace": p.namespace} if role_kind == "Role" else {})},
            "rules": [{"apiGroups": [""], "resources": list(p.resources), "verbs": list(p.verbs)}]}
    return role, binding


@lab.solution
def solution(p):
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": p.sa, "namespace": p.namespace}}
    return [Apply([sa, *rbac(p)])]


@lab.reset_steps
def reset(p):
    return [Run(["kubectl", "delete", "clusterrole", p.clusterrole, "--ignore-not-found"])]


lab.near_miss("can-delete", "verbs get, list, watch and delete: the agent could delete pods",
              params={"verbs": ["get", "list", "watch", "delete"]}, fails=["cannot-change-pods", "token-works"])
lab.near_miss("secrets-too", "resources pods and secrets: the agent reads every Secret",
              params={"resources": ["pods", "secrets"]}, fails=["no-secrets"])
lab.near_miss("binds-default", "the RoleBinding names the default ServiceAccount, not the agent's",
              params={"subject_sa": "default"}, fails=["reads-pods", "token-works"])
lab.near_miss("list-only", "only the verb list: get and watch are missing",
              params={"verbs": ["list"]}, fails=["reads-pods"])


@lab.variant("kubectl-create", "`kubectl create serviceaccount/role/rolebinding`, the verbs in another order")
def kubectl_create(p):
    return [Run(["kubectl", "create", "serviceaccount", p.sa, "-n", p.namespace]),
            Run(["kubectl", "create", "role", "pods-ro", "-n", p.namespace, "--verb=watch,list,get",
                 "--resource=pods"]),
            Run(["kubectl", "create", "rolebinding", "monitor-pods-ro", "-n", p.namespace, "--role=pods-ro",
                 f"--serviceaccount={p.namespace}:{p.sa}"])]


@lab.variant("clusterrole", f"a ClusterRole {P.clusterrole} (the verbs as three rules) bound in the namespace "
                            "by a RoleBinding made with `kubectl create rolebinding --clusterrole`")
def clusterrole(p):
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": p.clusterrole},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": [v]} for v in ("list", "watch", "get")]}
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": p.sa, "namespace": p.namespace}}
    return [Apply([sa, role]),
            Run(["kubectl", "create", "rolebinding", "monitor", "-n", p.namespace, f"--clusterrole={p.clusterrole}",
                 f"--serviceaccount={p.namespace}:{p.sa}"])]
