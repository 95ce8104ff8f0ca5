"""Troubleshooting: a kubeconfig whose current context points at a dead API server and whose good
context has the wrong namespace. The lab works on its own copy; your ~/.kube/config is never written."""

import os
import subprocess

from kubelab.graders import k8s
from kubelab.graders.errors import Failed, InfraError
from kubelab.labs.actions import kube_context
from kubelab.labs.model import Apply, Lab, Params, Run

P = Params(
    namespace="lab-trouble-kubeconfig-context",
    kubeconfig="~/.kube/kubelab-trouble.yaml",   # the lab's copy (written by start, removed by reset)
    context="kind-kubelab",                      # the good context in the copy (cluster and user of the course)
    old_context="kubelab-old",                   # the current context: an old API server address
    old_server="https://127.0.0.1:6443",
    marker="where-am-i",                         # a ConfigMap only the lab namespace has
    switch_to="kind-kubelab",                    # the context the repair makes current ("": none, a near-miss)
    ns_on="--current",                           # the context the repair sets the namespace on ("": none)
)
NS, F = P.namespace, P.kubeconfig

lab = Lab(
    id="trouble-kubeconfig-context",
    title="kubectl talks to the wrong place",
    topic="troubleshooting",
    shape="course",
    minutes=8,
    params=P,
    namespace=P.namespace,
    not_autogradable="the graded state is a kubeconfig file on the student's machine, which the Submit record "
                     "does not carry and a class replay cannot re-create",
    task=f"""\
A colleague handed you the kubeconfig `{F}` for working in the namespace `{NS}` of the course
cluster. With it, `kubectl --kubeconfig {F} get configmaps` fails: it cannot reach the API server.

Repair **that file** (use `kubectl --kubeconfig {F} config ...` or `export KUBECONFIG={F}`; leave your
own `~/.kube/config` alone) so that, with no other flags:

- `kubectl --kubeconfig {F} get namespace {NS}` reaches the course cluster;
- `kubectl --kubeconfig {F} get configmaps` lists the ConfigMaps of `{NS}` (among them `{P.marker}`):
  the current context works in that namespace.

Look at `kubectl --kubeconfig {F} config get-contexts` and `config view`. Graded is what the file does,
not how you changed it.""",
)


def kubeconfig_path(p=P) -> str:
    return os.path.expanduser(p.kubeconfig)


def kubectl_with_file(args: list[str]) -> tuple[int, str, str]:
    """kubectl with the lab's kubeconfig and nothing else (no --context, no -n): what the student runs."""
    from kubelab.cluster.tools import find_tool

    path = kubeconfig_path()
    if not os.path.exists(path):
        raise Failed(f"{F}: expected the lab's kubeconfig, found no such file (`kubelab lab start {lab.id}` makes it)",
                     expected="the file", found="nothing")
    argv = [str(find_tool("kubectl") or "kubectl"), "--kubeconfig", path, *args, "--request-timeout=5s"]
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=15, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"could not run {' '.join(argv)}: {exc}") from exc
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def _uid_through_file(what: str, args: list[str], want: str) -> str:
    rc, out, err = kubectl_with_file([*args, "-o", "jsonpath={.metadata.uid}"])
    shown = f"kubectl --kubeconfig {F} {' '.join(args)}"
    if rc != 0:
        found = f"exit {rc}: {err.splitlines()[-1][:160] if err else out[:160]}"
        raise Failed(f"`{shown}`: expected {what}, found {found}", expected=what, found=found)
    if out != want:
        raise Failed(f"`{shown}`: expected {what}, found another object (uid {out})", expected=want, found=out)
    return f"`{shown}` finds {what}"


@lab.check("reaches-cluster", f"With {F}, kubectl reaches the course cluster", points=2,
           hint=f"`kubectl --kubeconfig {F} config get-contexts`: which context is current, which cluster does it use, "
                f"and is that cluster's server the one the other context uses (`config view`)?")
def reaches_cluster(ctx):
    ns = k8s.must_get(ctx.kube, "Namespace", NS)
    return _uid_through_file(f"namespace {NS} of the course cluster", ["get", "namespace", NS], ns["metadata"]["uid"])


@lab.check("default-namespace", f"With {F}, kubectl works in namespace {NS} by default", points=1,
           requires=["reaches-cluster"],
           hint=f"a context carries a namespace: `kubectl --kubeconfig {F} config set-context --current --namespace=...`")
def default_namespace(ctx):
    cm = k8s.must_get(ctx.kube, "ConfigMap", P.marker, NS)
    return _uid_through_file(f"configmap {P.marker} of {NS}", ["get", "configmap", P.marker], cm["metadata"]["uid"])


def _file(p):
    return p.kubeconfig.replace("~/", "$HOME/", 1)


@lab.seed
def seed(p):
    f = _file(p)
    script = f"""set -e
F="{f}"; T="$F.tmp.$$"
real=$(readlink -f "${{KUBECONFIG:-$HOME/.kube/config}}" 2>/dev/null || true)
if [ "$(readlink -f "$F")" = "$real" ]; then echo "refusing: $F is your own kubeconfig" >&2; exit 1; fi
mkdir -p "$(dirname "$F")"
umask 077
kubectl config view --minify --flatten --context {kube_context()} > "$T"
K="kubectl --kubeconfig $T"
$K config rename-context {kube_context()} {p.context} >/dev/null 2>&1 || true
CA=$($K config view --raw -o jsonpath='{{.clusters[0].cluster.certificate-authority-data}}')
USER=$($K config view -o jsonpath='{{.contexts[0].context.user}}')
$K config set-cluster {p.old_context} --server={p.old_server} >/dev/null
$K config set clusters.{p.old_context}.certificate-authority-data "$CA" >/dev/null
$K config set-context {p.old_context} --cluster={p.old_context} --user="$USER" --namespace={p.namespace} >/dev/null
$K config use-context {p.old_context} >/dev/null
mv "$T" "$F"
"""
    marker = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": p.marker, "namespace": p.namespace},
              "data": {"hello": "you are in the right namespace"}}
    return [Apply(marker), Run(["sh", "-c", script], note="a copy of your kind-kubelab context, then broken")]


@lab.solution
def solution(p):
    steps = []
    if p.switch_to:
        steps.append(Run(["sh", "-c", f"kubectl --kubeconfig {p.kubeconfig} config use-context {p.switch_to}"]))
    if p.ns_on:
        steps.append(Run(["sh", "-c", f"kubectl --kubeconfig {p.kubeconfig} config set-context {p.ns_on} "
                                      f"--namespace={p.namespace}"]))
    return steps


@lab.reset_steps
def reset(p):
    return [Run(["sh", "-c", f"rm -f \"{_file(p)}\""])]


lab.near_miss("context-only", f"switched to {P.context}, whose namespace is still default",
              params={"ns_on": ""}, fails=["default-namespace"])
lab.near_miss("namespace-on-other-context", f"set the namespace on {P.context} but left {P.old_context} current",
              params={"switch_to": "", "ns_on": P.context}, fails=["reaches-cluster"], changes=["default-namespace"])


@lab.variant("server-fixed", f"`export KUBECONFIG={F}`, then the server of {P.old_context} set to the one "
                             f"{P.context} uses (that context's namespace was right already)")
def server_fixed(p):
    return [Run(["sh", "-c", f"export KUBECONFIG={p.kubeconfig}; "
                             "kubectl config set-cluster " + p.old_context + " --server=\"$(kubectl config view -o "
                             f"jsonpath='{{.clusters[?(@.name==\"{p.context}\")].cluster.server}}')\""])]


@lab.variant("new-context", "a new context with the good cluster and user and the namespace, made current")
def new_context(p):
    return [Run(["sh", "-c", f"kubectl --kubeconfig {p.kubeconfig} config set-context lab --cluster={p.context} "
                             f"--user={p.context} --namespace={p.namespace} && "
                             f"kubectl --kubeconfig {p.kubeconfig} config use-context lab"])]
