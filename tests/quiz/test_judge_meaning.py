"""Each equivalence class of the command judge, one test per class, and the
real-kubectl judge's safety and fallbacks."""

import os
import stat

import pytest

from kubelab.quiz import dryrun, meaning
from kubelab.quiz.judge import commands_equivalent


def same(a, b):
    return commands_equivalent(a, b)


# ---------------------------------------------------------------- label selectors as sets
@pytest.mark.parametrize("a,b,eq", [
    ("app=web,tier=fe", "tier=fe,app=web", True),
    ("app==web", "app=web", True),
    ("tier = fe, app=web", "app=web,tier=fe", True),
    ("env in (a,b),app", "app,env in (b, a)", True),
    ("app=web", "app!=web", False),
    ("app=web", "app=web,tier=fe", False),
    ("env in (a)", "env notin (a)", False),
])
def test_selector_sets(a, b, eq):
    assert (meaning.selector(a) == meaning.selector(b)) is eq
    assert same(f"kubectl get pods -l '{a}'", f"kubectl get pods --selector='{b}'") is eq


# ---------------------------------------------------------------- images
@pytest.mark.parametrize("a,b,eq", [
    ("nginx", "nginx:latest", True),
    ("nginx", "docker.io/library/nginx:latest", True),
    ("nginx", "index.docker.io/library/nginx", True),
    ("me/app", "docker.io/me/app:latest", True),
    ("localhost:5000/app", "localhost:5000/app:latest", True),
    ("nginx", "nginx:1.27", False),
    ("nginx", "quay.io/nginx", False),
    ("localhost:5000/app", "app", False),
    ("nginx@sha256:abc", "nginx", False),
])
def test_image_defaults(a, b, eq):
    assert (meaning.image(a) == meaning.image(b)) is eq
    assert same(f"docker run -d {a}", f"docker run -d {b}") is eq


def test_image_flag_of_kubectl_and_docker_build_tag():
    assert same("kubectl create deployment web --image=nginx:latest", "kubectl create deployment web --image nginx")
    assert same("docker build -t app:latest .", "docker build --tag app .")
    assert not same("docker build -t app:2 .", "docker build -t app .")


def test_the_container_command_after_the_image_is_not_an_image():
    assert not same("docker run centos sleep:latest", "docker run centos sleep")


# ---------------------------------------------------------------- docker byte sizes and cpus
@pytest.mark.parametrize("a,b,eq", [
    ("400m", "400M", True), ("400m", "400mb", True), ("400MB", "400mib", True), ("400m", "419430400", True),
    ("1g", "1024m", True), ("1.5g", "1536m", True), ("512k", "524288", True), ("400 m", "400m", True),
    ("400", "400m", False), ("400k", "400m", False), ("4g", "400m", False),
])
def test_docker_memory_units(a, b, eq):
    assert (meaning.docker_bytes(a) == meaning.docker_bytes(b)) is eq
    assert same(f"docker run -m '{a}' centos", f"docker run --memory='{b}' centos") is eq


def test_memory_swap_unlimited_and_cpus():
    assert same("docker run -m 1g --memory-swap -1 centos", "docker run -m 1024M --memory-swap=-1 centos")
    assert same("docker run --cpus .5 centos", "docker run --cpus=0.50 centos")
    assert not same("docker run --cpus 1 centos", "docker run --cpus 0.5 centos")


# ---------------------------------------------------------------- Kubernetes quantities
@pytest.mark.parametrize("a,b,eq", [
    ("0.5", "500m", True), ("1", "1000m", True), ("1Gi", "1024Mi", True), ("1e3", "1k", True),
    ("128Mi", "134217728", True),
    ("400M", "400Mi", False), ("1G", "1Gi", False), ("500m", "5", False),
])
def test_kubernetes_quantities(a, b, eq):
    assert (meaning.quantity(a) == meaning.quantity(b)) is eq
    assert same(f"kubectl set resources deploy web --limits=memory={a}",
                f"kubectl set resources deploy web --limits=memory={b}") is eq


def test_resource_lists_are_sets():
    assert same("kubectl set resources deploy web --requests=memory=64Mi,cpu=0.25",
                "kubectl set resources deploy web --requests=cpu=250m,memory=64Mi")


# ---------------------------------------------------------------- kubectl explain aliases
@pytest.mark.parametrize("a,b,eq", [
    ("pods.spec", "pod.spec", True), ("po.spec.containers", "pods.spec.containers", True),
    ("deploy.spec.strategy", "deployments.spec.strategy", True), ("svc", "service", True),
    ("pvc.spec", "persistentvolumeclaim.spec", True),
    ("pods.spec", "pods.status", False), ("rs.spec", "deploy.spec", False),
])
def test_explain_resource_aliases(a, b, eq):
    assert same(f"kubectl explain {a}", f"kubectl explain {b}") is eq


# ---------------------------------------------------------------- the default namespace
def test_explicit_default_namespace_is_no_namespace():
    assert same("kubectl get pods -n default", "kubectl get pods")
    assert same("kubectl --namespace default get svc", "kubectl get services")
    assert not same("kubectl get pods -n kube-system", "kubectl get pods")
    assert not same("kubectl get pods -A", "kubectl get pods")


# ---------------------------------------------------------------- label/annotate/taint changes as a set
def test_label_and_taint_changes_in_any_order():
    assert same("kubectl label nodes n1 b=2 a=1", "kubectl label nodes n1 a=1 b=2")
    assert same("kubectl annotate pod web y=2 x=1", "kubectl annotate pods web x=1 y=2")
    assert same("kubectl taint nodes n1 b=2:NoExecute a=1:NoSchedule", "kubectl taint nodes n1 a=1:NoSchedule b=2:NoExecute")
    assert same("kubectl label pods --all b=2 a=1", "kubectl label pods --all a=1 b=2")
    assert not same("kubectl label nodes n2 a=1", "kubectl label nodes n1 a=1")     # the node name is not a change


# ---------------------------------------------------------------- Pod-only verbs, --now
def test_pod_verbs_accept_pod_slash_name():
    assert same("kubectl logs pod/web", "kubectl logs web")
    assert same("kubectl exec -it po/web -- sh", "kubectl exec -it web -- sh")
    assert not same("kubectl logs deploy/web", "kubectl logs web")
    assert same("kubectl delete pod web --now", "kubectl delete pod web --grace-period 1")


# ---------------------------------------------------------------- docker ports and volumes
@pytest.mark.parametrize("a,b,eq", [
    ("8080:80", "0.0.0.0:8080:80", True), ("8080:80", "8080:80/tcp", True),
    ("8080:80", "127.0.0.1:8080:80", False), ("8080:80", "8080:80/udp", False), ("8080:80", "80:8080", False),
])
def test_published_ports(a, b, eq):
    assert same(f"docker run -d -p {a} httpd", f"docker run -d --publish {b} httpd") is eq


def test_volume_default_mode():
    assert same("docker run -v /a:/b:rw nginx", "docker run -v /a:/b nginx")
    assert not same("docker run -v /a:/b:ro nginx", "docker run -v /a:/b nginx")


# ---------------------------------------------------------------- docker defaults written out
def test_docker_defaults_written_out():
    assert same("docker network create --driver=bridge n", "docker network create n")
    assert same("docker run --net bridge --restart=no -d nginx", "docker run -d nginx")
    assert not same("docker network create --driver overlay n", "docker network create n")
    assert not same("docker run --restart unless-stopped -d nginx", "docker run -d nginx")


# ---------------------------------------------------------------- the real kubectl as the judge
needs_kubectl = pytest.mark.skipif(dryrun.kubectl_binary() is None, reason="no kubectl installed")


@needs_kubectl
def test_kubectl_decides_create_commands(data_dir):
    dryrun._memo.clear()                                            # made here, not remembered from another test
    assert same("kubectl create deploy web --replicas=3 --image docker.io/library/nginx:latest",
                "kubectl create deployment web --image=nginx -r 3")
    assert same("kubectl create cm c --from-literal b=2 --from-literal=a=1 -n default",
                "kubectl create configmap c --from-literal=a=1 --from-literal=b=2")
    assert not same("kubectl create deployment web --image=nginx -r 2", "kubectl create deployment web --image=nginx -r 3")
    assert (data_dir / "judge-cache.json").is_file()               # results are cached


@needs_kubectl
def test_own_output_flags_still_count(data_dir):
    assert not same("kubectl create deployment web --image=nginx --dry-run=client -o yaml",
                    "kubectl create deployment web --image=nginx")
    assert same("kubectl create deploy web --image nginx:latest -oyaml --dry-run=client",
                "kubectl create deployment web --image=nginx --dry-run=client -o yaml")


@pytest.mark.parametrize("line", [
    "kubectl create secret generic s --from-file=/etc/shadow",
    "kubectl create secret generic s --from-file /etc/shadow",
    "kubectl create -f pod.yaml",
    "kubectl create deployment web --image=nginx --kubeconfig=/root/.kube/config",
    "kubectl create deployment web --image=nginx --server https://example.org",
    "kubectl create deployment web --image=nginx --context kind-kubelab",
    "kubectl create deployment web --image=nginx --token=abc",
    "kubectl create secret tls t --cert=c.pem --key=k.pem",
    "kubectl apply -f x.yaml",
    "kubectl run web --image=nginx",
    "kubectl get pods",
    "kubectl foo create deployment",
    "docker run nginx",
    "kubectl create deployment web --image='nginx",
])
def test_lines_that_are_never_run(line):
    assert dryrun.runnable_argv(line) is None


def test_no_kubectl_falls_back_to_the_shape(monkeypatch, data_dir):
    monkeypatch.setenv("KUBELAB_JUDGE_KUBECTL", "none")
    dryrun._memo.clear()
    assert dryrun.same_objects("kubectl create deploy web --image nginx", "kubectl create deployment web --image=nginx") is None
    assert same("kubectl create deploy web --image nginx", "kubectl create deployment web --image=nginx")   # shape
    assert not same("kubectl create deploy web --replicas=3 --image nginx",
                    "kubectl create deployment web --image=nginx -r 2")


def test_a_failing_kubectl_falls_back_to_the_shape(monkeypatch, tmp_path, data_dir):
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho 'error: boom' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("KUBELAB_JUDGE_KUBECTL", str(fake))
    dryrun._memo.clear()
    assert dryrun.same_objects("kubectl create ns a", "kubectl create namespace a") is None
    assert same("kubectl create ns a", "kubectl create namespace a")
    assert not (data_dir / "judge-cache.json").exists()           # failures are not cached


def test_kubectl_runs_offline_in_a_sandbox(monkeypatch, tmp_path, data_dir):
    """The fake kubectl records its environment: no real kubeconfig, no real HOME."""
    seen = tmp_path / "env.txt"
    fake = tmp_path / "kubectl"
    fake.write_text(f"#!/bin/sh\nenv > {seen}\necho '{{\"kind\": \"Namespace\", \"apiVersion\": \"v1\", "
                    "\"metadata\": {\"name\": \"a\"}}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("KUBELAB_JUDGE_KUBECTL", str(fake))
    dryrun._memo.clear()
    assert dryrun.object_of("kubectl create ns a") == {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "a"}}
    env = dict(line.split("=", 1) for line in seen.read_text().splitlines() if "=" in line)
    assert env["KUBECONFIG"].startswith(os.path.realpath(env["HOME"])) or env["KUBECONFIG"].startswith(env["HOME"])
    assert env["HOME"] != os.environ.get("HOME")
    assert "kubelab-judge-" in env["HOME"]


def test_the_sandbox_goes_when_the_process_ends(tmp_path):
    import subprocess
    import sys

    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\necho '{\"kind\": \"Namespace\", \"apiVersion\": \"v1\", \"metadata\": {\"name\": \"a\"}}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    code = ("from kubelab.quiz import dryrun; assert dryrun.object_of('kubectl create ns a'); "
            "print(dryrun._sandbox)")
    env = {**os.environ, "KUBELAB_JUDGE_KUBECTL": str(fake), "KUBELAB_DATA_DIR": str(tmp_path / "data")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert not os.path.exists(out.stdout.strip())
