"""Docker check primitives on the Docker SDK (docker-py).

`Docker` is a small cached reader for one check run; containers are read once as their
`docker inspect` dict. Primitives return an observation or raise Failed; an unreachable
engine raises InfraError with a next step.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from typing import Any

from kubelab.graders.errors import NEXT_DOCKER, Failed, InfraError, expect_equal
from kubelab.graders.fields import field
from kubelab.graders.meaning import same_image

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def docker_client(timeout: float = 10.0):
    """A docker.DockerClient from the environment (cached per DOCKER_HOST). Raises InfraError."""
    import docker

    key = os.environ.get("DOCKER_HOST", "")
    with _lock:
        if key not in _clients:
            try:
                _clients[key] = docker.from_env(timeout=timeout)
            except Exception as exc:
                raise InfraError(f"the Docker engine is not reachable ({type(exc).__name__}: "
                                 f"{' '.join(str(exc).split())[:160]})", NEXT_DOCKER) from exc
        return _clients[key]


class Docker:
    """Cached reads of the Docker engine for one check run.

    Under `kubelab autograde` a submission's containers are re-run as `<prefix><name>` with
    published ports moved; `Docker(prefix=..., ports=...)` reads that replay in the lab's own
    terms: names go out prefixed and come back without it (containers, networks, volumes,
    mounts), recorded host ports stand for the replay's ports. Checks never see the mapping.
    """

    def __init__(self, prefix: str = "", ports: dict | None = None, closed_port: int = 9,
                 images: dict | None = None):
        self.images = dict(images or {})  # recorded image ref -> the tag the replay loaded it as
        self._cache: dict[tuple, Any] = {}
        self._broken: InfraError | None = None
        self.prefix = prefix
        self.ports = {str(k): int(v) for k, v in (ports or {}).items()}  # recorded host port -> replay port
        self.closed_port = closed_port

    # -- the replay mapping -----------------------------------------------------------------
    def engine_name(self, name: str) -> str:
        return self.prefix + name if self.prefix and not name.startswith(self.prefix) else name

    def engine_image(self, ref: str) -> str:
        """The reference an image the lab names has on this engine (a replay loads it under its own tag)."""
        mapped = self.images.get(ref) or self.images.get(_normalize(ref))
        if mapped or not self.prefix:
            return mapped or ref
        # a replay: an image the student made but the record does not hold (too large, refused) is not
        # looked up by its name on the instructor's engine, where another image may carry it
        from kubelab.cluster.api import image_catalog

        catalog = {_normalize(v["ref"]) for v in image_catalog().values()}
        return ref if _normalize(ref) in catalog else f"{self.prefix}unrecorded-image:replay"

    def lab_name(self, name: str) -> str:
        return name[len(self.prefix):] if self.prefix and name.startswith(self.prefix) else name

    def host_port(self, port: int) -> int:
        """The port a recorded host port is published on now (itself outside a replay)."""
        return int(self.ports.get(str(port), self.closed_port)) if self.prefix else int(port)

    def _in_lab_terms(self, info: dict) -> dict:
        import copy

        info = copy.deepcopy(info)
        info["Name"] = "/" + self.lab_name((info.get("Name") or "").lstrip("/"))
        back = {str(v): k for k, v in self.ports.items()}
        for path in (("HostConfig", "PortBindings"), ("NetworkSettings", "Ports")):
            for binds in ((info.get(path[0]) or {}).get(path[1]) or {}).values():
                for b in binds or []:
                    if isinstance(b, dict) and str(b.get("HostPort")) in back:
                        b["HostPort"] = back[str(b["HostPort"])]
        nets = (info.get("NetworkSettings") or {}).get("Networks")
        if isinstance(nets, dict):
            info["NetworkSettings"]["Networks"] = {self.lab_name(k): v for k, v in nets.items()}
        for m in info.get("Mounts") or []:
            if m.get("Type") == "volume" and m.get("Name"):
                m["Name"] = self.lab_name(m["Name"])
        mode = (info.get("HostConfig") or {}).get("NetworkMode") or ""
        if mode and mode not in ("default", "bridge", "host", "none") and not mode.startswith("container:"):
            info["HostConfig"]["NetworkMode"] = self.lab_name(mode)
        return info

    @property
    def client(self):
        if self._broken:
            raise self._broken
        try:
            return docker_client()
        except InfraError as exc:
            self._broken = exc
            raise

    def clear(self) -> None:
        self._cache.clear()
        self._broken = None

    def _infra(self, exc: Exception) -> InfraError:
        err = InfraError(f"the Docker engine could not be asked ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:160]})", NEXT_DOCKER)
        self._broken = err
        return err

    def inspect(self, name: str) -> dict | None:
        """`docker inspect <name>` as a dict, or None when there is no such container."""
        key = ("container", name)
        if key not in self._cache:
            import docker

            client = self.client
            try:
                info = client.api.inspect_container(self.engine_name(name))
                self._cache[key] = self._in_lab_terms(info) if self.prefix else info
            except docker.errors.NotFound:
                self._cache[key] = None
            except docker.errors.APIError as exc:
                if exc.status_code and exc.status_code < 500:
                    raise Failed(f"container {name}: {exc.explanation}", found=str(exc.explanation)) from exc
                raise self._infra(exc) from exc
            except Exception as exc:
                raise self._infra(exc) from exc
        return self._cache[key]

    def image_id(self, ref: str) -> str | None:
        key = ("image", ref)
        if key not in self._cache:
            import docker

            try:
                self._cache[key] = self.client.api.inspect_image(self.engine_image(ref))["Id"]
            except docker.errors.NotFound:
                self._cache[key] = None
            except Exception as exc:
                raise self._infra(exc) from exc
        return self._cache[key]

    def container_names(self, all: bool = True) -> list[str]:
        try:
            names = [c["Names"][0].lstrip("/") for c in self.client.api.containers(all=all)]
        except Exception as exc:
            raise self._infra(exc) from exc
        if self.prefix:
            return [self.lab_name(n) for n in names if n.startswith(self.prefix)]
        return names

    def network(self, name: str) -> dict | None:
        """`docker network inspect <name>` as a dict, or None when there is no such network."""
        key = ("network", name)
        if key not in self._cache:
            import docker

            try:
                net = self.client.api.inspect_network(self.engine_name(name))
                if self.prefix:
                    net = dict(net, Name=self.lab_name(net.get("Name") or ""))
                    net["Containers"] = {cid: dict(c, Name=self.lab_name(c.get("Name") or ""))
                                         for cid, c in (net.get("Containers") or {}).items()}
                self._cache[key] = net
            except docker.errors.NotFound:
                self._cache[key] = None
            except Exception as exc:
                raise self._infra(exc) from exc
        return self._cache[key]

    def volume(self, name: str) -> dict | None:
        """`docker volume inspect <name>` as a dict, or None when there is no such volume."""
        key = ("volume", name)
        if key not in self._cache:
            import docker

            try:
                vol = self.client.api.inspect_volume(self.engine_name(name))
                self._cache[key] = dict(vol, Name=self.lab_name(vol.get("Name") or "")) if self.prefix else vol
            except docker.errors.NotFound:
                self._cache[key] = None
            except Exception as exc:
                raise self._infra(exc) from exc
        return self._cache[key]

    def http_answers(self, port: int, path: str = "/", **kwargs) -> str:
        """http_answers() on the port a recorded host port is published on now; messages name the recorded one."""
        actual = self.host_port(port)
        try:
            return http_answers(actual, path, **kwargs).replace(f":{actual}", f":{port}")
        except Failed as exc:
            exc.message = exc.message.replace(f":{actual}", f":{port}")
            exc.args = (exc.message,)
            raise

    def exec(self, name: str, command: list[str]) -> tuple[int, str]:
        """Run a command in a running container: (exit code, output)."""
        try:
            container = self.client.containers.get(self.engine_name(name))
            rc, out = container.exec_run(command, demux=False)
        except Exception as exc:
            import docker

            if isinstance(exc, docker.errors.NotFound):
                raise Failed(f"container {name}: expected to exist, found nothing", found="nothing") from exc
            if isinstance(exc, docker.errors.APIError) and exc.status_code and exc.status_code < 500:
                raise Failed(f"container {name}: cannot run a command in it ({exc.explanation})") from exc
            raise self._infra(exc) from exc
        return rc, (out or b"").decode(errors="replace")


# ---- primitives -----------------------------------------------------------------------------

def must_inspect(d: Docker, name: str) -> dict:
    info = d.inspect(name)
    if info is None:
        others = [n for n in d.container_names()][:5]
        found = f"nothing (containers: {', '.join(others)})" if others else "nothing"
        raise Failed(f"container {name}: expected to exist, found {found}", expected="exists", found=found)
    return info


def container_exists(d: Docker, name: str) -> str:
    must_inspect(d, name)
    return f"container {name} exists"


def container_running(d: Docker, name: str) -> str:
    """Passes when the container's State.Running is true."""
    info = must_inspect(d, name)
    state = info.get("State") or {}
    if not state.get("Running"):
        found = state.get("Status", "not running")
        if state.get("Status") == "exited":
            found = f"exited (code {state.get('ExitCode')})"
        raise Failed(f"container {name}: expected running, found {found}", expected="running", found=found)
    return f"container {name} is running"


def _normalize(ref: str) -> str:
    """'nginx' -> 'docker.io/library/nginx:latest' (Docker's reference rules, digests dropped)."""
    ref = ref.split("@")[0]
    first, _, rest = ref.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        ref = f"docker.io/{ref if rest else 'library/' + ref}"
    if ":" not in ref.rsplit("/", 1)[-1]:
        ref += ":latest"
    return ref


def container_image(d: Docker, name: str, image: str) -> str:
    """Passes when the container runs the image `image` (same image ID, or same normalized reference)."""
    info = must_inspect(d, name)
    configured = field(info, "Config.Image") or ""
    want_id = d.image_id(image)
    if (want_id and info.get("Image") == want_id) or same_image(configured, image):
        return f"container {name} runs {image}"
    raise Failed(f"container {name} image: expected {image}, found {configured}", expected=image, found=configured)


def port_mapping(d: Docker, name: str, container_port: int, host_port: int, proto: str = "tcp") -> str:
    """Passes when host port `host_port` is published to `container_port` (docker run -p H:C)."""
    info = must_inspect(d, name)
    key = f"{container_port}/{proto}"
    bindings = field(info, "HostConfig.PortBindings") or {}
    live = field(info, "NetworkSettings.Ports") or {}
    hosts = {b.get("HostPort") for b in (bindings.get(key) or []) + (live.get(key) or []) if b}
    if str(host_port) in hosts:
        return f"container {name} publishes host port {host_port} -> {key}"
    shown = ", ".join(f"{b.get('HostPort') or '?'}->{k}" for k, bs in bindings.items() for b in (bs or [])) or "no published ports"
    raise Failed(f"container {name} ports: expected {host_port}->{key}, found {shown}",
                 expected=f"{host_port}->{key}", found=shown)


def http_answers(port: int, path: str = "/", contains: str | None = None, host: str | None = None,
                 timeout: float = 3.0) -> str:
    """Passes when GET http://host:port/path answers 2xx (with `contains` in the body, if given)."""
    host = host or os.environ.get("KUBELAB_DOCKER_HOST_IP", "127.0.0.1")
    url = f"http://{host}:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = resp.read(65536).decode(errors="replace")
            status = resp.status
    except urllib.error.HTTPError as exc:
        raise Failed(f"GET {url}: expected 2xx, found {exc.code}", expected="2xx", found=str(exc.code)) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Failed(f"GET {url}: expected an answer, found {reason}", expected="an answer", found=str(reason)) from exc
    if contains is not None and contains not in body:
        raise Failed(f"GET {url}: expected the page to contain {contains!r}, found {body.strip()[:60]!r}",
                     expected=contains, found=body.strip()[:60])
    return f"GET {url} answered {status}"


def volume_mounted(d: Docker, name: str, destination: str, source: str | None = None,
                   kind: str | None = None) -> str:
    """Passes when something is mounted at `destination` (from volume/host path `source`, of `kind`)."""
    info = must_inspect(d, name)
    mounts = info.get("Mounts") or []
    for m in mounts:
        if m.get("Destination") != destination:
            continue
        src = m.get("Name") if m.get("Type") == "volume" else m.get("Source")
        if source is not None and src != source:
            raise Failed(f"container {name} mount {destination}: expected source {source}, found {src}",
                         expected=source, found=str(src))
        if kind is not None and m.get("Type") != kind:
            raise Failed(f"container {name} mount {destination}: expected a {kind} mount, found {m.get('Type')}",
                         expected=kind, found=str(m.get("Type")))
        return f"container {name} mounts {src} at {destination}"
    shown = ", ".join(f"{m.get('Name') or m.get('Source')}:{m.get('Destination')}" for m in mounts) or "no mounts"
    raise Failed(f"container {name} mounts: expected one at {destination}, found {shown}",
                 expected=destination, found=shown)


def on_network(d: Docker, name: str, network: str) -> str:
    """Passes when the container is attached to the network."""
    info = must_inspect(d, name)
    nets = field(info, "NetworkSettings.Networks") or {}
    if network not in nets:
        shown = ", ".join(nets) or "none"
        raise Failed(f"container {name} networks: expected {network}, found {shown}", expected=network, found=shown)
    return f"container {name} is on network {network}"


def fixed_ip(d: Docker, name: str, network: str, ip: str) -> str:
    """Passes when the container has the fixed address `ip` on `network` (docker run --ip)."""
    on_network(d, name, network)
    info = must_inspect(d, name)
    net = field(info, "NetworkSettings.Networks")[network] or {}
    configured = (net.get("IPAMConfig") or {}).get("IPv4Address") or ""
    if configured != ip:
        actual = net.get("IPAddress") or "none"
        found = f"{configured} (configured)" if configured else f"no fixed address (got {actual})"
        raise Failed(f"container {name} on {network}: expected fixed IP {ip}, found {found}", expected=ip, found=found)
    return expect_equal(f"container {name} IP on {network}", ip, net.get("IPAddress") or configured)


def container_pid(d: Docker, name: str) -> int:
    """The host PID of the container's first process (Failed when it is not running)."""
    container_running(d, name)
    return int(field(must_inspect(d, name), "State.Pid"))


def container_label(d: Docker, name: str, key: str, value: str) -> str:
    info = must_inspect(d, name)
    labels = field(info, "Config.Labels") or {}
    return expect_equal(f"container {name} label {key}", value, labels.get(key))
