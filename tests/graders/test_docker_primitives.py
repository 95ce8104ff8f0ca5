"""Docker primitives on fake `docker inspect` dicts, no engine."""

import pytest

from kubelab.graders import docker_engine as de
from kubelab.graders.errors import Failed


class FakeDocker(de.Docker):
    def __init__(self, containers, images=None):
        super().__init__()
        self.containers = containers
        self.images = images or {}

    def inspect(self, name):
        return self.containers.get(name)

    def image_id(self, ref):
        return self.images.get(ref)

    def container_names(self, all=True):
        return list(self.containers)


WEB = {
    "Image": "sha256:abc", "Config": {"Image": "nginx:1.22.1", "Labels": {"kubelab.lab": "x"}},
    "State": {"Running": True, "Status": "running", "Pid": 123},
    "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "", "HostPort": "8088"}]}},
    "NetworkSettings": {"Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8088"}]},
                        "Networks": {"labnet": {"IPAddress": "172.30.0.10",
                                                "IPAMConfig": {"IPv4Address": "172.30.0.10"}},
                                     "bridge": {"IPAddress": "172.17.0.2", "IPAMConfig": None}}},
    "Mounts": [{"Type": "volume", "Name": "webdata", "Source": "/var/lib/docker/volumes/webdata/_data",
                "Destination": "/usr/share/nginx/html"}],
}
STOPPED = {**WEB, "State": {"Running": False, "Status": "exited", "ExitCode": 0},
           "NetworkSettings": {"Ports": {}, "Networks": {}}}


def test_exists_running():
    d = FakeDocker({"web": WEB, "old": STOPPED})
    assert de.container_exists(d, "web") and de.container_running(d, "web")
    with pytest.raises(Failed, match=r"container old: expected running, found exited \(code 0\)"):
        de.container_running(d, "old")
    with pytest.raises(Failed, match=r"container nope: expected to exist, found nothing \(containers: web, old\)"):
        de.container_exists(d, "nope")


def test_image_by_id_or_reference():
    d = FakeDocker({"web": WEB}, images={"docker.io/library/nginx:1.22.1": "sha256:abc"})
    assert de.container_image(d, "web", "docker.io/library/nginx:1.22.1")
    d = FakeDocker({"web": WEB})  # image not present: compare normalized references
    assert de.container_image(d, "web", "docker.io/library/nginx:1.22.1")
    with pytest.raises(Failed, match="image: expected docker.io/kubelab/web:v1, found nginx:1.22.1"):
        de.container_image(d, "web", "docker.io/kubelab/web:v1")


def test_port_mapping():
    d = FakeDocker({"web": WEB, "old": STOPPED})
    assert de.port_mapping(d, "web", 80, 8088)
    assert de.port_mapping(d, "old", 80, 8088)  # configured mapping counts when stopped
    with pytest.raises(Failed, match="ports: expected 8089->80/tcp, found 8088->80/tcp"):
        de.port_mapping(d, "web", 80, 8089)


def test_volumes_networks_fixed_ip():
    d = FakeDocker({"web": WEB})
    assert de.volume_mounted(d, "web", "/usr/share/nginx/html", source="webdata", kind="volume")
    with pytest.raises(Failed, match="expected source other"):
        de.volume_mounted(d, "web", "/usr/share/nginx/html", source="other")
    with pytest.raises(Failed, match="expected a bind mount, found volume"):
        de.volume_mounted(d, "web", "/usr/share/nginx/html", kind="bind")
    with pytest.raises(Failed, match="expected one at /data, found webdata:/usr/share/nginx/html"):
        de.volume_mounted(d, "web", "/data")
    assert de.on_network(d, "web", "labnet")
    with pytest.raises(Failed, match="networks: expected other, found labnet, bridge"):
        de.on_network(d, "web", "other")
    assert de.fixed_ip(d, "web", "labnet", "172.30.0.10")
    with pytest.raises(Failed, match="expected fixed IP 172.30.0.11, found 172.30.0.10"):
        de.fixed_ip(d, "web", "labnet", "172.30.0.11")
    with pytest.raises(Failed, match=r"no fixed address \(got 172.17.0.2\)"):
        de.fixed_ip(d, "web", "bridge", "172.17.0.2")
    assert de.container_label(d, "web", "kubelab.lab", "x")


def test_normalize():
    assert de._normalize("nginx") == "docker.io/library/nginx:latest"
    assert de._normalize("kubelab/web:v1") == "docker.io/kubelab/web:v1"
    assert de._normalize("localhost:5000/x") == "localhost:5000/x:latest"
    assert de._normalize("docker.io/library/busybox:1.35.0") == "docker.io/library/busybox:1.35.0"


def test_http_refused_is_failed():
    with pytest.raises(Failed, match="expected an answer"):
        de.http_answers(1, timeout=1)


def test_engine_unreachable_is_error(monkeypatch):
    from kubelab.graders.runner import run_check

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    res = run_check(lambda ctx: de.container_running(de.Docker(), "web"), None, id="x", title="x", points=1)
    assert res.outcome.value == "error" and "docker" in res.next_step.lower()


def test_replay_never_looks_up_an_unrecorded_student_image_by_name():
    """Under a replay an image the student built is read under the tag the replay loaded it as; one the
    record does not hold (too large) must not resolve to whatever the instructor's engine calls so."""
    from kubelab.cluster.api import lab_image

    d = de.Docker(prefix="kg-abc-", images={"kl-greet:v1": "kg-abc-image0:replay"})
    assert d.engine_image("kl-greet:v1") == "kg-abc-image0:replay"
    assert d.engine_image("kl-other:v1") == "kg-abc-unrecorded-image:replay"
    assert d.engine_image("busybox:1.35.0") == "busybox:1.35.0"  # a catalog image is the instructor's own
    assert d.engine_image(lab_image("nginx")) == lab_image("nginx")
    assert de.Docker().engine_image("kl-other:v1") == "kl-other:v1"  # the student's own engine
