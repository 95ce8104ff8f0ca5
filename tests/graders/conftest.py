import os

import pytest


def _docker_image():
    """A local image with sh and sleep: the catalog busybox, else a developer's stand-in."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        client.ping()
    except Exception as exc:
        return None, f"Docker engine not reachable ({type(exc).__name__})"
    from kubelab.cluster.api import lab_image

    for ref in (lab_image("busybox"), os.environ.get("KUBELAB_TEST_IMAGE", "kubelab-dev/test:1")):
        try:
            client.images.get(ref)
            return ref, ""
        except Exception:
            continue
    return None, f"no local image with sh+sleep (build the catalog images: {lab_image('busybox')})"


@pytest.fixture(scope="session")
def docker_image():
    ref, why = _docker_image()
    if ref is None:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(f"KUBELAB_LIVE=1 but {why}")
        pytest.skip(why)
    return ref
