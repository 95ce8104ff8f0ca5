"""capture_docker names the container another one joins (`--network/--pid container:X`), not its id:
the replay re-creates X under its own prefix, so an id would join nothing (and a shared PID namespace
would replay as a separate one, passing a check the student failed)."""

from types import SimpleNamespace

from kubelab.instructor.record import capture_docker


class FakeDocker:
    def __init__(self, infos):
        self.infos = infos
        self.client = SimpleNamespace(api=SimpleNamespace(containers=lambda all, filters: []))

    def inspect(self, name):
        return self.infos.get(name) or next((i for i in self.infos.values() if i["Id"] == name), None)


def info(name, cid, **host):
    return {"Name": f"/{name}", "Id": cid, "Config": {"Image": "busybox", "Hostname": cid[:12]},
            "HostConfig": host, "State": {"Running": True}}


def test_joined_namespaces_are_named():
    first = "a" * 64
    docker = FakeDocker({"kl-ns-a": info("kl-ns-a", first),
                         "kl-ns-b": info("kl-ns-b", "b" * 64, NetworkMode=f"container:{first}",
                                         PidMode=f"container:{first}")})
    lab = SimpleNamespace(id="ns-uts-shared-net", docker={"containers": ["kl-ns-a", "kl-ns-b"]})
    specs = {s["name"]: s for s in capture_docker(lab, docker)}
    assert specs["kl-ns-b"]["network_mode"] == "container:kl-ns-a"
    assert specs["kl-ns-b"]["pid_mode"] == "container:kl-ns-a"
    assert not specs["kl-ns-a"]["pid_mode"]
