"""graders/access.py: pure parsing, and the primitives on a FakeKube whose POST answers like the API."""

import pytest

from kubelab.graders import access
from kubelab.graders.errors import Failed, InfraError

from tests.graders.fakes import FakeKube

STATUS = """Name:\tsleep
Uid:\t1000\t1000\t1000\t1000
CapInh:\t0000000000000000
CapPrm:\t0000000000000000
CapEff:\t0000000000000000
CapBnd:\t00000000a80425fb
NoNewPrivs:\t0
Seccomp:\t2
"""
MOUNTS = """overlay / overlay ro,relatime,lowerdir=/a,upperdir=/b 0 0
proc /proc proc rw,nosuid 0 0
tmpfs /tmp tmpfs rw 0 0
"""


class PostKube(FakeKube):
    """A FakeKube that answers SubjectAccessReviews from a set of allowed (user, verb, resource, ns)
    and dry-run creates from a function; it keeps what was posted."""

    def __init__(self, allowed=(), admit=None, sa_status=None, **kw):
        super().__init__(**kw)
        self.allowed = set(allowed)
        self.admit = admit or (lambda obj: (201, obj))
        self.sa_status = sa_status or {}
        self.posts = []

    def post(self, path, body, query):
        self.posts.append((path, body, query))
        if path == access.SAR_PATH:
            spec = body["spec"]
            a = spec["resourceAttributes"]
            key = (spec["user"], a["verb"], a["resource"], a["namespace"])
            return 201, {"status": {"allowed": key in self.allowed}}
        return self.admit(body)

    def as_sa(self, sa, method, path, body, query):
        return self.sa_status.get((sa, method), 403)


def test_proc_status_fields():
    st = access.proc_status(STATUS)
    assert access.effective_uid(st) == 1000
    assert access.capabilities(st, "CapEff") == 0
    assert access.capabilities(st, "CapBnd") == 0xa80425fb
    assert "NET_BIND_SERVICE" in access.cap_names(0xa80425fb) and "CHOWN" in access.cap_names(0xa80425fb)
    assert access.capabilities(st, "CapAmb") is None
    assert access.effective_uid({"Uid": "x"}) is None


def test_mount_options_last_mount_wins():
    assert access.mount_options(MOUNTS)[0] == "ro"
    assert access.mount_options(MOUNTS + "overlay / overlay rw 0 0\n")[0] == "rw"
    assert access.mount_options("garbage\n") is None


def test_root_read_only_reads_the_mount():
    k = FakeKube(exec_result=(0, MOUNTS, ""))
    assert "ro" in access.root_read_only(k, "ns", "p")
    k = FakeKube(exec_result=(0, MOUNTS.replace("ro,relatime", "rw,relatime"), ""))
    with pytest.raises(Failed, match="read-only"):
        access.root_read_only(k, "ns", "p")


def test_write_fails_names_the_outcome():
    assert "fails" in access.write_fails(FakeKube(exec_result=(0, "DENIED\n", "")), "ns", "p", "/x")
    with pytest.raises(Failed) as exc:
        access.write_fails(FakeKube(exec_result=(0, "WROTE\n", "")), "ns", "p", "/x")
    assert exc.value.found == "written"


def test_access_is_asks_for_the_mapped_namespace_and_names_each_difference():
    user = "system:serviceaccount:kg-1:monitor"
    k = PostKube(allowed={(user, "list", "pods", "kg-1"), (user, "delete", "pods", "kg-1")},
                 namespaces={"lab-x": "kg-1"})
    with pytest.raises(Failed) as exc:
        access.access_is(k, "lab-x", "monitor", allowed=[("list", "pods"), ("get", "pods")], denied=[("delete", "pods")])
    assert "get pods: expected allowed, found denied" in exc.value.message
    assert "delete pods: expected denied, found allowed" in exc.value.message
    groups = k.posts[0][1]["spec"]["groups"]
    assert "system:serviceaccounts:kg-1" in groups  # group bindings count, in the replay's namespace
    assert "list pods yes" in access.access_is(k, "lab-x", "monitor", allowed=[("list", "pods")])


def test_sar_error_is_infrastructure():
    class Broken(PostKube):
        def post(self, path, body, query):
            return 403, {"message": "forbidden"}

    with pytest.raises(InfraError):
        access.can(Broken(), "ns", "sa", "get", "pods")


def test_dry_run_create_maps_the_namespace_and_never_persists():
    def admit(obj):
        if obj["spec"]["containers"][0].get("securityContext", {}).get("privileged"):
            return 403, {"reason": "Forbidden", "message": 'violates PodSecurity "restricted:latest"'}
        return 201, obj

    k = PostKube(admit=admit, namespaces={"lab-x": "kg-1"})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox", "securityContext": {"privileged": True}}]}}
    assert "refused" in access.refused(k, "lab-x", pod, "a privileged pod", because="PodSecurity")
    path, body, query = k.posts[-1]
    assert path == "/api/v1/namespaces/kg-1/pods" and ("dryRun", "All") in query
    assert body["metadata"]["namespace"] == "kg-1" and "namespace" not in pod["metadata"]  # the input untouched
    with pytest.raises(Failed, match="another reason"):
        access.refused(k, "lab-x", pod, "a privileged pod", because="exceeded quota")
    pod["spec"]["containers"][0]["securityContext"] = {}
    assert "admitted" in access.admitted(k, "lab-x", pod, "a plain pod")
    with pytest.raises(Failed, match="expected refused, found admitted"):
        access.refused(k, "lab-x", pod, "a plain pod")


def test_token_request_failure_never_shows_a_token():
    class TokenKube(PostKube):
        def post(self, path, body, query):
            return 201, {"status": {"token": "eyJ-secret-token"}}

    assert access.request_token(TokenKube(), "ns", "sa") == "eyJ-secret-token"

    class NoSA(PostKube):
        def post(self, path, body, query):
            return 404, {"message": "serviceaccounts \"sa\" not found"}

    with pytest.raises(Failed, match="expected to exist"):
        access.request_token(NoSA(), "ns", "sa")


def test_rbac_lab_token_check_on_a_fake():
    from kubelab.labs.engine import Context
    from kubelab.labs.registry import get_lab

    lab = get_lab("rbac-pod-reader")
    check = lab.check_by_id("token-works")
    k = PostKube(sa_status={("monitor", "GET"): 200, ("monitor", "DELETE"): 403})
    assert "list pods 200" in check.fn(Context(lab, kube=k))
    k = PostKube(sa_status={("monitor", "GET"): 200, ("monitor", "DELETE"): 200})
    with pytest.raises(Failed, match="expected 403"):
        check.fn(Context(lab, kube=k))


def test_record_keeps_dry_runs_and_never_a_token():
    from kubelab.instructor.evidence import MASK, SnapshotKube, TapKube

    class TokenKube(PostKube):
        def post(self, path, body, query):
            if path.endswith("/token"):
                return 201, {"status": {"token": "eyJ-secret-token"}}
            return super().post(path, body, query)

    inner = TokenKube(admit=lambda obj: (403, {"reason": "Forbidden", "message": "violates PodSecurity"}))
    tap = TapKube(inner)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}
    assert access.dry_run_create(tap, "lab-x", pod)[0] is False
    assert access.request_token(tap, "lab-x", "sa") == "eyJ-secret-token"   # the check still gets it
    assert "eyJ-secret-token" not in str(tap.reads) and MASK in str(tap.reads)
    snap = SnapshotKube(tap.reads)
    ok, why, _ = access.dry_run_create(snap, "lab-x", pod)
    assert ok is False and "PodSecurity" in why
    other = {**pod, "metadata": {"name": "q"}}
    with pytest.raises(Failed, match="not in the record"):
        access.dry_run_create(snap, "lab-x", other)
