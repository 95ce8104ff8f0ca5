"""storage_extra primitives with a fake exec (no cluster, no Docker)."""

import pytest

from kubelab.graders import k8s, storage_extra as se
from kubelab.graders.errors import Failed, InfraError
from tests.graders.fakes import FakeKube


def test_file_mode_follows_symlinks_and_shows_octal():
    kube = FakeKube(exec_result=(0, "400\n", ""))
    assert "0400" in se.file_mode_in_container(kube, "lab", "p", "/etc/db/password", 0o400)
    assert kube.exec_calls[0] == ["stat", "-L", "-c", "%a", "/etc/db/password"]
    with pytest.raises(Failed, match="mode: expected 0400, found 0644"):
        se.file_mode_in_container(FakeKube(exec_result=(0, "644\n", "")), "lab", "p", "/f", 0o400)
    with pytest.raises(Failed, match="expected to exist"):
        se.file_mode_in_container(FakeKube(exec_result=(1, "", "stat: can't stat '/f'")), "lab", "p", "/f", 0o400)


def test_lines_in_container():
    kube = FakeKube(exec_result=(0, "boot Mon\nboot Tue\n", ""))
    assert "2 line(s)" in se.lines_in_container(kube, "lab", "p", "/data/boots.log", "boot", 2)
    with pytest.raises(Failed, match="at least 3 line"):
        se.lines_in_container(kube, "lab", "p", "/data/boots.log", "boot", 3)


def test_file_on_node_uses_the_runner():
    assert "with 'hello'" in se.file_on_node("w1", "/kubelab/x", "hello", runner=lambda n, argv: (0, "hello\n"))
    with pytest.raises(Failed, match="expected to exist"):
        se.file_on_node("w1", "/kubelab/x", runner=lambda n, argv: (1, "No such file"))
    with pytest.raises(Failed, match="expected to contain 'hello'"):
        se.file_on_node("w1", "/kubelab/x", "hello", runner=lambda n, argv: (0, "bye"))

    def broken(node, argv):
        raise ConnectionError("docker.sock")

    with pytest.raises(InfraError):
        se.file_on_node("w1", "/kubelab/x", runner=broken)


def _pvc(storage, modes):
    return {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "lab"},
            "spec": {"accessModes": modes, "resources": {"requests": {"storage": storage}}}}


def test_claim_asks_for_any_unit_and_the_mode():
    from kubelab.graders.storage_extra import claim_asks_for

    assert "accessModes ReadWriteOnce" in claim_asks_for(FakeKube([_pvc("67108864", ["ReadWriteOnce"])]),
                                                         "lab", "data", "64Mi", "ReadWriteOnce")
    assert claim_asks_for(FakeKube([_pvc("524288000", ["ReadWriteOnce"])]), "lab", "data", "500Mi", "ReadWriteOnce")
    with pytest.raises(Failed, match="expected 64Mi, found 1Gi"):
        claim_asks_for(FakeKube([_pvc("1Gi", ["ReadWriteOnce"])]), "lab", "data", "64Mi", "ReadWriteOnce")
    with pytest.raises(Failed, match="found 0.5Gi"):  # 512Mi is not 500Mi
        claim_asks_for(FakeKube([_pvc("0.5Gi", ["ReadWriteOnce"])]), "lab", "data", "500Mi", "ReadWriteOnce")
    with pytest.raises(Failed, match="accessModes: expected ReadWriteOnce, found ReadWriteMany"):
        claim_asks_for(FakeKube([_pvc("64Mi", ["ReadWriteMany"])]), "lab", "data", "64Mi", "ReadWriteOnce")


def test_claim_bound_by_class_needs_a_class_the_cluster_has():
    from kubelab.graders.storage_extra import claim_bound_by_class

    def claim(cls):
        pvc = _pvc("64Mi", ["ReadWriteOnce"])
        pvc["spec"].update({"volumeName": "pv-1", **({"storageClassName": cls} if cls is not None else {})})
        pvc["status"] = {"phase": "Bound"}
        return pvc

    standard = {"kind": "StorageClass", "metadata": {"name": "standard"}}
    assert "provisioned by the StorageClass standard" in claim_bound_by_class(
        FakeKube([claim("standard"), standard]), "lab", "data")
    with pytest.raises(Failed, match="class fast-ssd is no StorageClass"):  # a hand-made PV of a missing class
        claim_bound_by_class(FakeKube([claim("fast-ssd"), standard]), "lab", "data")
    with pytest.raises(Failed, match="claim of no class"):
        claim_bound_by_class(FakeKube([claim(""), standard]), "lab", "data")
    pending = claim("standard")
    pending["status"] = {"phase": "Pending"}
    with pytest.raises(Failed, match="expected Bound, found Pending"):
        claim_bound_by_class(FakeKube([pending, standard]), "lab", "data")
