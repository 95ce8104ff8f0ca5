import pytest


@pytest.fixture
def dead_docker(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/kubelab-test/docker.sock")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture(autouse=True)
def _cluster_put_back(request):
    """A lab that breaks the whole cluster (lab.cluster_wide) is reset when its test failed, before the test's
    exclusive cluster.lock is let go: nobody else ever runs on a cluster a failed test left broken."""
    yield
    lab_id = getattr(getattr(request.node, "callspec", None), "params", {}).get("lab_id")
    rep = getattr(request.node, "rep_call", None)
    if (not isinstance(lab_id, str) or rep is None or rep.passed or rep.skipped
            or request.node.get_closest_marker("live") is None):  # a skipped test changed nothing
        return
    from kubelab.labs import actions
    from kubelab.labs.registry import get_lab

    lab = get_lab(lab_id)
    if lab.cluster_wide:
        actions.reset(lab, keep_namespace=True)
