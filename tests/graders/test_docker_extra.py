"""docker_extra primitives on fake inspect dicts and fake cgroup files, no engine."""

import pytest

from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.graders.errors import Failed


class FakeDocker(de.Docker):
    def __init__(self, containers=None, networks=None, images=None, execs=None):
        super().__init__()
        self.containers = containers or {}
        self.execs = execs or {}
        for name, net in (networks or {}).items():
            self._cache[("network", name)] = net
        for ref, img in (images or {}).items():
            self._cache[("image-inspect", ref)] = img

    def inspect(self, name):
        return self.containers.get(name)

    def container_names(self, all=True):
        return list(self.containers)

    def exec(self, name, command):
        return self.execs.get((name, tuple(command)), (1, "no such file"))


NET = {"Driver": "bridge", "IPAM": {"Config": [{"Subnet": "172.30.10.0/24", "Gateway": "172.30.10.1"}]}}


def test_network_ipam():
    d = FakeDocker(networks={"kl-net": NET, "auto": {"Driver": "bridge", "IPAM": {"Config": [{"Subnet": "172.18.0.0/16"}]}},
                             "ov": {"Driver": "overlay", "IPAM": {"Config": []}}, "gone": None})
    assert dx.network_exists(d, "kl-net")
    assert dx.network_subnet(d, "kl-net", "172.30.10.0/24")
    assert dx.network_gateway(d, "kl-net", "172.30.10.1")
    with pytest.raises(Failed, match=r"network kl-net subnet: expected 172.30.20.0/24, found 172.30.10.0/24"):
        dx.network_subnet(d, "kl-net", "172.30.20.0/24")
    with pytest.raises(Failed, match=r"network auto gateway: expected 172.18.0.1, found none set"):
        dx.network_gateway(d, "auto", "172.18.0.1")
    with pytest.raises(Failed, match=r"network ov driver: expected bridge, found overlay"):
        dx.network_exists(d, "ov")
    with pytest.raises(Failed, match=r"network gone: expected to exist, found nothing"):
        dx.network_subnet(d, "gone", "10.0.0.0/8")


RUNNING = {"State": {"Running": True, "Status": "running", "Pid": 999999999},
           "Config": {"Hostname": "kl-host"}, "HostConfig": {"MemorySwap": 134217728}}


def test_absent_file_hostname():
    d = FakeDocker(containers={"a": RUNNING},
                   execs={("a", ("cat", "/data/note.txt")): (0, "kept\n"), ("a", ("hostname",)): (0, "kl-host\n")})
    assert dx.container_absent(d, "b")
    with pytest.raises(Failed, match=r"container a: expected to be removed, found it \(running\)"):
        dx.container_absent(d, "a")
    assert dx.file_contains(d, "a", "/data/note.txt", "kept")
    with pytest.raises(Failed, match=r"container a /data/note.txt: expected other, found kept"):
        dx.file_contains(d, "a", "/data/note.txt", "other")
    with pytest.raises(Failed, match=r"expected file /data/x, found none"):
        dx.file_contains(d, "a", "/data/x", "kept")
    assert dx.hostname_is(d, "a", "kl-host")
    with pytest.raises(Failed, match=r"container a hostname: expected other, found kl-host"):
        dx.hostname_is(d, "a", "other")


IMG = {"Id": "sha256:0123456789abcdef", "Config": {"Entrypoint": ["echo", "Hello,"], "Cmd": ["world"]},
       "RootFS": {"Layers": ["sha256:base", "sha256:mine"]}}
SHELL = {"Id": "sha256:fedcba9876543210", "Config": {"Entrypoint": ["/bin/sh", "-c", "echo Hello,"], "Cmd": None},
         "RootFS": {"Layers": ["sha256:other"]}}
BASE = {"Id": "sha256:b", "Config": {}, "RootFS": {"Layers": ["sha256:base"]}}


def test_image_config_and_base():
    d = FakeDocker(images={"greet": IMG, "shell": SHELL, "busybox": BASE, "none": None})
    assert dx.image_exists(d, "greet")
    assert dx.image_config_is(d, "greet", "Entrypoint", ["echo", "Hello,"])
    assert dx.image_config_is(d, "greet", "Cmd", ["world"])
    with pytest.raises(Failed, match=r'ENTRYPOINT: expected \["echo", "Hello,"\], found .* \(shell form\)'):
        dx.image_config_is(d, "shell", "Entrypoint", ["echo", "Hello,"])
    with pytest.raises(Failed, match=r'image shell CMD: expected \["world"\], found none'):
        dx.image_config_is(d, "shell", "Cmd", ["world"])
    assert "plus 1 layer" in dx.image_built_from(d, "greet", "busybox")
    with pytest.raises(Failed, match=r"expected to be built FROM busybox"):
        dx.image_built_from(d, "shell", "busybox")
    with pytest.raises(Failed, match=r"image none: expected to exist, found nothing"):
        dx.image_exists(d, "none")


def reader(files):
    return lambda path: files.get(path)


def test_memory_swap_and_shares_v1():
    cg = {"memory": "/docker/abc", "cpu": "/docker/abc"}
    files = {"/sys/fs/cgroup/memory/docker/abc/memory.memsw.limit_in_bytes": "134217728\n",
             "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.shares": "512\n"}
    assert dx.read_memory_swap(reader(files), cgroup=cg) == (1, 134217728)
    assert dx.read_cpu_shares(reader(files), cgroup=cg) == (1, 512)
    files["/sys/fs/cgroup/memory/docker/abc/memory.memsw.limit_in_bytes"] = "9223372036854771712"
    assert dx.read_memory_swap(reader(files), cgroup=cg) == (1, None)
    with pytest.raises(Failed, match="swap accounting off"):
        dx.read_memory_swap(reader({}), cgroup=cg)


def test_memory_swap_and_shares_v2():
    files = {"/sys/fs/cgroup/cgroup.controllers": "cpu memory", "/sys/fs/cgroup/x/memory.max": "67108864",
             "/sys/fs/cgroup/x/memory.swap.max": "67108864", "/sys/fs/cgroup/x/cpu.weight": "20"}
    assert dx.read_memory_swap(reader(files), cgroup={"": "/x"}) == (2, 134217728)
    assert dx.read_cpu_shares(reader(files), cgroup={"": "/x"}) == (2, 20)
    assert dx.shares_to_weight(1024) == 39 and dx.shares_to_weight(512) == 20 and dx.shares_to_weight(2) == 1
    files["/sys/fs/cgroup/x/memory.swap.max"] = "max"
    assert dx.read_memory_swap(reader(files), cgroup={"": "/x"}) == (2, None)


def test_memory_swap_engine_disagrees():
    d = FakeDocker(containers={"a": {**RUNNING, "HostConfig": {"MemorySwap": -1}}})
    with pytest.raises(Failed, match=r"memory\+swap \(engine\): expected 128Mi, found unlimited \(-1\)"):
        dx.memory_swap_limit_is(d, "a", 128 * 1024**2)


def test_image_exec_form_compares_what_runs():
    def img(entry):
        return {"Config": {"Entrypoint": entry, "Cmd": ["world"]}}

    d = FakeDocker(images={"abs": img(["/bin/echo", "Hello,"]), "same": img(["echo", "Hello,"]),
                           "shell": img(["/bin/sh", "-c", "echo Hello,"]), "shc": img(["sh", "-c", "echo Hello,"]),
                           "none": img(None), "other": img(["echo", "Hi,"])})
    want = ["echo", "Hello,"]
    assert "runs the same program" in dx.image_exec_form_is(d, "abs", "Entrypoint", want)
    assert dx.image_exec_form_is(d, "same", "Entrypoint", want)
    for ref in ("shell", "shc", "none", "other"):   # a shell would swallow CMD and every argument
        with pytest.raises(Failed):
            dx.image_exec_form_is(d, ref, "Entrypoint", want)
    with pytest.raises(Failed, match=r"\(shell form\)"):
        dx.image_exec_form_is(d, "shell", "Entrypoint", want)
    assert dx.image_exec_form_is(d, "shc", "Entrypoint", ["sh", "-c", "echo Hello,"])


# ---- cpu.shares -> cpu.weight on cgroup v2: whatever the host's runtime really writes ---------------

def test_the_two_conversions():
    # the linear one (runc < 1.3.2, crun < 1.23) and the new one (runc >= 1.3.2, crun >= 1.23)
    assert [dx.shares_to_weight(s) for s in (2, 512, 1024, 2048, 262144)] == [1, 20, 39, 79, 10000]
    assert [dx.shares_to_weight_quadratic(s) for s in (2, 512, 1024, 2048, 262144)] == [1, 59, 100, 174, 10000]
    assert dx.shares_to_weight_quadratic(0) == 0 and dx.shares_to_weight_quadratic(10**7) == 10000
    weights = [dx.shares_to_weight_quadratic(s) for s in range(2, 262145, 97)]
    assert weights == sorted(weights) and 1 <= min(weights) and max(weights) <= 10000   # monotonic, in range
    assert dx.classify_conversion(1024, 39) == "linear" and dx.classify_conversion(1024, 100) == "quadratic"
    assert dx.classify_conversion(1024, 55) is None


def _v2(monkeypatch, weight):
    files = {"/sys/fs/cgroup/cgroup.controllers": "cpu memory", "/sys/fs/cgroup/x/cpu.weight": f"{weight}\n"}
    monkeypatch.setattr(dx, "_container_reader", lambda d, name: (reader(files), {"": "/x"}))
    monkeypatch.setattr(dx, "_engine_key", lambda d: f"engine-{id(d)}")
    return FakeDocker(containers={"kl-low": {**RUNNING, "Config": {"Image": "busybox:1.35.0"}}})


def _runtime(conversion):
    calls = []

    def probe(d, image, shares):
        calls.append((image, shares))
        return conversion(shares)

    return probe, calls


@pytest.mark.parametrize("conversion, name", [(dx.shares_to_weight, "linear"),
                                              (dx.shares_to_weight_quadratic, "new conversion")])
def test_cpu_shares_v2_accepts_what_the_runtime_writes(monkeypatch, conversion, name):
    d = _v2(monkeypatch, conversion(512))
    probe, calls = _runtime(conversion)
    assert f"cpu.weight is {conversion(512)}" in dx.cpu_shares_is(d, "kl-low", 512, probe=probe)
    assert calls == [("busybox:1.35.0", 1024)]          # one probe with a known weight, then the formula
    assert name in dx.cpu_shares_is(d, "kl-low", 512, probe=probe)
    assert len(calls) == 1                               # cached per engine
    with pytest.raises(Failed, match=rf"expected {conversion(2048)} \(--cpu-shares 2048"):
        dx.cpu_shares_is(d, "kl-low", 2048, probe=probe)


def test_cpu_shares_v2_other_runtime_is_asked_the_exact_value(monkeypatch):
    def odd(shares):           # a runtime with a conversion we do not know
        return shares // 10

    d = _v2(monkeypatch, 51)
    probe, calls = _runtime(odd)
    assert "cpu.weight is 51" in dx.cpu_shares_is(d, "kl-low", 512, probe=probe)
    assert calls == [("busybox:1.35.0", 1024), ("busybox:1.35.0", 512)]


def test_cpu_shares_v2_without_a_probe_accepts_either_known_conversion(monkeypatch):
    for weight in (20, 59):
        d = _v2(monkeypatch, weight)
        assert dx.cpu_shares_is(d, "kl-low", 512, probe=lambda d, image, shares: None)
    d = _v2(monkeypatch, 39)
    with pytest.raises(Failed, match=r"expected 20 \(linear\) or 59 \(new conversion\)"):
        dx.cpu_shares_is(d, "kl-low", 512, probe=lambda d, image, shares: None)


def test_cpu_shares_v1_is_the_value_itself(monkeypatch):
    files = {"/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.shares": "512\n"}
    monkeypatch.setattr(dx, "_container_reader", lambda d, name: (reader(files), {"cpu": "/docker/abc"}))
    d = FakeDocker(containers={"kl-low": RUNNING})
    assert "cpu.shares is 512 (cgroup v1" in dx.cpu_shares_is(d, "kl-low", 512, probe=None)
    with pytest.raises(Failed, match="cpu.shares \\(cgroup v1\\): expected 2048, found 512"):
        dx.cpu_shares_is(d, "kl-low", 2048, probe=None)
