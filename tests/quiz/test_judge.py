"""Command judging by meaning, and choice parsing."""

import pytest

from kubelab.quiz.bank import Question
from kubelab.quiz.judge import CommandError, commands_equivalent, judge, parse_command

EQUIVALENT = [
    ("kubectl get pods -n kube-system", "kubectl get po --namespace=kube-system"),
    ("kubectl get pods -n kube-system", "kubectl -n kube-system get pods"),
    ("kubectl get pods -o wide", "kubectl get pod --output wide"),
    ("kubectl get pods -o wide", "kubectl get pods -owide"),
    ("kubectl get pods -l app=nginx", "kubectl get pods --selector=app=nginx"),
    ("kubectl create deployment x --image=y", "kubectl create deploy x --image y"),
    ("kubectl create deployment x --image=y", "k create deployments x --image=y"),
    ("kubectl create -f mypod.yaml", "kubectl create --filename=mypod.yaml"),
    ("kubectl exec -it mypod -- /bin/sh", "kubectl exec -i -t mypod -- /bin/sh"),
    ("kubectl exec -it mypod -- /bin/sh", "kubectl exec --stdin --tty mypod -- /bin/sh"),
    ("kubectl exec -it mypod -c app -- sh", "kubectl exec mypod --container=app -ti -- sh"),
    ("kubectl get svc", "kubectl get services"),
    ("kubectl get ns", "kubectl get namespace"),
    ("kubectl get no", "kubectl get nodes"),
    ("kubectl get cm", "kubectl get configmaps"),
    ("kubectl get rs", "kubectl get replicaset"),
    ("kubectl get ds", "kubectl get daemonsets"),
    ("kubectl get sts", "kubectl get statefulset"),
    ("kubectl get pv,pvc", "kubectl get pvc,pv"),
    ("kubectl get sc", "kubectl get storageclasses"),
    ("kubectl get cj", "kubectl get cronjob"),
    ("kubectl get ep", "kubectl get endpoints"),
    ("kubectl rollout undo deployment web --to-revision=2", "kubectl rollout undo deploy/web --to-revision 2"),
    ("kubectl scale deployment web --replicas=3", "kubectl scale --replicas 3 deploy web"),
    ("kubectl describe pod mypod", "kubectl describe pods/mypod"),
    ("kubectl create configmap c --from-literal=a=1 --from-literal=b=2",
     "kubectl create cm c --from-literal b=2 --from-literal a=1"),
    ("kubectl get pods --all-namespaces", "kubectl get po -A"),
    ("kubectl apply -f x.yaml --record", "kubectl apply -f x.yaml --record=true"),
    ("docker run -d -p 8080:80 httpd", "docker run --detach --publish=8080:80 httpd"),
    ("docker run -d -p 8080:80 httpd", "docker container run -p 8080:80 -d httpd"),
    ("docker run -dit --name c centos", "docker run --name=c -d -i -t centos"),
    ("docker run -it centos /bin/bash", "docker run -ti centos /bin/bash"),
    ("docker run -v /a:/b:ro nginx", "docker run --volume=/a:/b:ro nginx"),
    ("docker run -e A=1 nginx", "docker run --env A=1 nginx"),
    ("docker run --rm -it busybox", "docker run -it --rm busybox"),
    ("docker run --network net2 --ip 1.2.3.4 centos", "docker run --net=net2 --ip=1.2.3.4 centos"),
    ("docker ps -a", "docker container ls --all"),
    ("docker images", "docker image ls"),
    ("docker build -t app:1 -f Dockerfile.dev .", "docker image build --file Dockerfile.dev --tag=app:1 ."),
    ("docker commit -a me -m msg c img:1", "docker container commit --author=me --message msg c img:1"),
    ("docker save -o n.tar nginx", "docker image save --output=n.tar nginx"),
    ("$ kubectl get pods", "kubectl get pods"),
    ("kubectl get pods -n app", "kubectl get pods -napp"),
    ("kubectl get pods -n app", "kubectl get pods -n=app"),
    ("kubectl create deployment web --image=nginx --replicas=3", "kubectl create deploy web --image nginx -r 3"),
    ("kubectl run web --image=nginx --dry-run=client -o yaml", "kubectl run web --image nginx --dry-run -oyaml"),
    ("kubectl logs -f web", "kubectl logs --follow web"),
]

NOT_EQUIVALENT = [
    ("kubectl get pods -n kube-system", "kubectl get pods -n default"),
    ("kubectl get pods -n kube-system", "kubectl get pods"),
    ("kubectl get pods", "kubectl get services"),
    ("kubectl create deployment x --image=y", "kubectl create deployment x --image=z"),
    ("kubectl create deployment x --image=y", "kubectl create deployment z --image=y"),
    ("kubectl scale deployment web --replicas=3", "kubectl scale deployment web --replicas=4"),
    ("kubectl rollout undo deployment web --to-revision=2", "kubectl rollout undo deployment web"),
    ("kubectl exec -it mypod -- /bin/sh", "kubectl exec -it mypod -- /bin/bash"),
    ("kubectl exec -it mypod -- /bin/sh", "kubectl exec -i mypod -- /bin/sh"),
    ("kubectl exec -it mypod -- /bin/sh", "kubectl exec -it mypod /bin/sh"),
    ("kubectl get pods -o wide", "kubectl get pods -o yaml"),
    ("kubectl label nodes n2 env=test", "kubectl label nodes n2 env=prod"),
    ("kubectl taint nodes n1 k=v:NoSchedule", "kubectl taint nodes n1 k=v:NoExecute"),
    ("kubectl taint nodes n1 k=v:NoSchedule-", "kubectl taint nodes n1 k=v:NoSchedule"),
    ("kubectl get pods -l app=nginx", "kubectl get pods -l app=web"),
    ("kubectl delete pods --all -n app", "kubectl delete pods --all"),
    ("docker run -d -p 8080:80 httpd", "docker run -d -p 80:8080 httpd"),
    ("docker run -d -p 8080:80 httpd", "docker run -p 8080:80 httpd"),
    ("docker run -d -p 8080:80 httpd", "docker run -d -p 8080:80 nginx"),
    ("docker run -it centos /bin/bash", "docker run -it centos /bin/sh"),
    ("docker run -m 400M centos", "docker run -m 500M centos"),
    ("docker ps -a", "docker ps"),
    ("docker commit -a me c img", "docker commit -m me c img"),
    ("docker build -t app:1 .", "docker build -t app:2 ."),
    ("kubectl get pods", "docker ps"),
    ("kubectl logs -f web", "kubectl logs -p web"),
    ("kubectl run web --image=nginx --dry-run=client", "kubectl run web --image=nginx --dry-run=server"),
    ("kubectl get deploy,svc", "kubectl get deploy"),
]


@pytest.mark.parametrize("a,b", EQUIVALENT)
def test_equivalent_forms(a, b):
    assert commands_equivalent(b, a), f"{b!r} should be judged equal to {a!r}: {parse_command(a)} vs {parse_command(b)}"
    assert commands_equivalent(a, b)


@pytest.mark.parametrize("a,b", NOT_EQUIVALENT)
def test_non_equivalent_forms(a, b):
    assert not commands_equivalent(b, a), f"{b!r} must not be judged equal to {a!r}"


def test_case_counts():
    assert len(EQUIVALENT) + len(NOT_EQUIVALENT) >= 30


def test_container_args_are_not_docker_flags():
    shape = parse_command("docker run --name s -it --cpu-shares 512 progrium/stress --cpu 1")
    assert ("cpu-shares", "512") in shape.flags
    assert shape.argv == ("--cpu", "1")


@pytest.mark.parametrize("bad", ["", "   ", "ls -l", "kubectl get 'pods", "docker"])
def test_unparsable_commands_raise(bad):
    with pytest.raises(CommandError):
        parse_command(bad)


def _q(kind, answer, options=None):
    return Question(id="t", topic="t", kind=kind, question="q", explanation="e", source="s",
                    options=options or {}, answer=answer)


def test_judge_choice_kinds():
    single = _q("single", "b", {"a": "x", "b": "y", "c": "z"})
    assert judge(single, "b").correct
    assert judge(single, " B ").correct
    assert not judge(single, "a").correct
    assert not judge(single, "a,b").correct
    multi = _q("multi", ["a", "c"], {"a": "x", "b": "y", "c": "z"})
    for ok in ("a,c", "c,a", "a c", "ac", ["c", "a"]):
        assert judge(multi, ok).correct, ok
    for bad in ("a", "a,b,c", "", "b"):
        assert not judge(multi, bad).correct, bad
    tf = _q("truefalse", False)
    for ok in ("false", "f", "F", "no", "b"):
        assert judge(tf, ok).correct, ok
    assert not judge(tf, "true").correct


def test_judge_command_with_several_accepted_answers():
    q = _q("command", ["docker ps -a", "docker container ls -a"])
    assert judge(q, "docker container list --all").correct
    v = judge(q, "docker ps")
    assert not v.correct and v.expected == "docker ps -a"
    v = judge(q, "docker ps 'unterminated")
    assert not v.correct and "quotes" in v.note
