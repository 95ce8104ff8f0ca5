import pytest

from kubelab.graders.fields import field, has_subset, parse_path

POD = {"metadata": {"labels": {"app": "web", "app.kubernetes.io/name": "x"}},
       "spec": {"containers": [{"name": "side", "image": "a"}, {"name": "web", "image": "b",
                                                               "ports": [{"name": "http", "containerPort": 80}]}]}}


@pytest.mark.parametrize("path,value", [
    ("spec.containers[0].image", "a"),
    ("spec.containers[-1].image", "b"),
    ("spec.containers[name=web].ports[name=http].containerPort", 80),
    ('metadata.labels["app.kubernetes.io/name"]', "x"),
    ("metadata.labels.app", "web"),
    ("spec.containers[5].image", None),
    ("spec.nothing.here", None),
    ("spec.containers[name=none].image", None),
])
def test_field(path, value):
    assert field(POD, path) == value


def test_bad_path():
    with pytest.raises(ValueError):
        parse_path("spec..x[")


def test_has_subset():
    assert has_subset({"a": 1, "b": 2}, {"a": 1})
    assert not has_subset({"a": 1}, {"a": 2})
