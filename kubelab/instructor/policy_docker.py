"""The Docker half of the screen: run specs, networks, volumes and sidecars a replay may re-create.

Every value is checked for its type and its bound before the engine sees it (a malformed one refuses
that item by name, never the replay); subnets come only from the ranges kubelab owns, volume tars
must be plain tars under a cap. Never raises.
"""

from __future__ import annotations

import ipaddress
import re

from kubelab.instructor.screening import IMAGE_ID, Refused, _list, _mapping, _short, cap_lines
from kubelab.instructor.sandbox import DOCKER_MEMORY_MAX, DOCKER_NANO_CPUS_MAX, OWNED_SUBNETS

DOCKER_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")
RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")
MAX_CONTAINERS = 10
MAX_NETWORKS = 4
MAX_VOLUMES = 5
MAX_SIDECARS = 4
MAX_PORTS = 10


def _int(value, what: str, lo: int = 0, hi: int | None = None) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise Refused(f"{what} {_short(value)} is not a number")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        raise Refused(f"{what} {value} (allowed {lo}..{hi})")
    return value


def _strings(value, what: str, allow_str: bool = False) -> list:
    if value is None:
        return []
    if allow_str and isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Refused(f"{what} must be a list of strings")
    return value


def container_problems(spec: dict) -> list[str]:
    """What a Docker replay refuses: privileged, added capabilities, host namespaces, bind mounts, devices."""
    problems = []
    if spec.get("privileged"):
        problems.append("--privileged")
    if spec.get("cap_add"):
        problems.append(f"--cap-add {','.join(map(str, _strings(spec['cap_add'], 'cap_add', True)))}")
    for key in ("network_mode", "pid_mode", "ipc_mode", "userns_mode", "uts_mode"):
        if str(spec.get(key) or "") == "host":
            problems.append(f"{key.replace('_mode', '')}=host")
    if spec.get("devices"):
        problems.append("--device")
    for m in _list(spec.get("mounts"), "mounts"):
        if not isinstance(m, dict) or m.get("type") not in ("volume", "tmpfs"):
            src = m.get("source", "?") if isinstance(m, dict) else "?"
            problems.append(f"bind mount of {_short(src)} (only named volumes and tmpfs are replayed)")
    for opt in _strings(spec.get("security_opt"), "security_opt", True):
        if "unconfined" in opt:
            problems.append(f"--security-opt {_short(opt)}")
    return problems


def container_limit_problems(spec: dict) -> list[str]:
    """Malformed or oversized values of a run spec (every one would otherwise stop the replay)."""
    problems = []
    image = spec["image"]
    if IMAGE_ID.match(image) or image.startswith("sha256:"):
        problems.append(f"image {_short(image)} (an image id, not a name: refused)")
    _strings(spec.get("command"), "command", True)
    _strings(spec.get("entrypoint"), "entrypoint", True)
    _strings(spec.get("env"), "env")
    _mapping(spec.get("labels"), "labels", strings=True)
    memory = _int(spec.get("memory"), "--memory")
    if memory > DOCKER_MEMORY_MAX:
        problems.append(f"--memory {memory} (at most {DOCKER_MEMORY_MAX >> 20} MiB in a replay)")
    swap = spec.get("memory_swap")
    if swap not in (None, 0, -1):
        swap = _int(swap, "--memory-swap")
        if swap > 2 * DOCKER_MEMORY_MAX:
            problems.append(f"--memory-swap {swap} (at most {2 * DOCKER_MEMORY_MAX >> 20} MiB in a replay)")
    nano = _int(spec.get("nano_cpus"), "--cpus")
    quota, period = _int(spec.get("cpu_quota"), "--cpu-quota", -1), _int(spec.get("cpu_period"), "--cpu-period")
    if nano > DOCKER_NANO_CPUS_MAX or (quota > 0 and quota / (period or 100_000) > DOCKER_NANO_CPUS_MAX / 1e9):
        problems.append(f"more than {DOCKER_NANO_CPUS_MAX / 1e9:g} CPU (the replay's cap)")
    _int(spec.get("cpu_shares"), "--cpu-shares", 0, 262144)
    if spec.get("restart_policy") not in (None, "", *RESTART_POLICIES):
        problems.append(f"restart policy {_short(spec.get('restart_policy'))}")
    ports = _list(spec.get("ports"), "ports")
    if len(ports) > MAX_PORTS:
        problems.append(f"more than {MAX_PORTS} published ports")
    for p in ports:
        if not isinstance(p, dict):
            raise Refused("ports: an entry is not a mapping")
        _int(p.get("container_port"), "container port", 1, 65535)
        _int(p.get("host_port"), "host port", 0, 65535)
        if str(p.get("protocol", "tcp")) not in ("tcp", "udp", "sctp"):
            problems.append(f"protocol {_short(p.get('protocol'))}")
    for m in _list(spec.get("mounts"), "mounts"):
        target = m.get("target") if isinstance(m, dict) else None
        if not isinstance(target, str) or not target.startswith("/"):
            problems.append(f"mount target {_short(target)} (an absolute path)")
        if isinstance(m, dict) and m.get("type") == "volume" and not (isinstance(m.get("source"), str)
                                                                      and DOCKER_NAME.match(m["source"])):
            problems.append(f"volume name {_short(m.get('source'))}")
    nets = _strings(spec.get("networks"), "networks")
    if len(nets) > MAX_NETWORKS or any(not DOCKER_NAME.match(n) for n in nets):
        problems.append(f"networks {_short(nets)} (at most {MAX_NETWORKS} valid names)")
    ips = _mapping(spec.get("ips"), "ips", strings=True)
    for net, ip in ips.items():
        try:
            ipaddress.IPv4Address(ip)
        except ValueError:
            problems.append(f"--ip {_short(ip)} is not an IPv4 address")
    mode = spec.get("network_mode")
    if mode is not None and not isinstance(mode, str):
        raise Refused(f"network_mode {_short(mode)}")
    if spec.get("hostname") is not None and not isinstance(spec.get("hostname"), str):
        raise Refused(f"hostname {_short(spec.get('hostname'))}")
    return problems


def screen_containers(containers, max_containers: int = MAX_CONTAINERS) -> tuple[list[dict], list[str]]:
    """(replayable container specs, refusals). Never raises."""
    allowed, refused = [], []
    if not isinstance(containers, list):
        return [], [f"containers: expected a list, found {type(containers).__name__}"]
    for i, spec in enumerate(containers):
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not isinstance(spec.get("image"), str):
            refused.append(f"container #{i + 1}: needs a name and an image")
            continue
        name = _short(spec["name"])
        try:
            if not DOCKER_NAME.match(spec["name"]):
                raise Refused(f"{name!r} is not a valid container name")
            problems = container_problems(spec)
            if problems:
                refused.append(f"container {name}: {'; '.join(problems)} (refused on the instructor's engine)")
                continue
            problems = container_limit_problems(spec)
        except Refused as exc:
            problems = [f"{exc} (malformed)"]
        except Exception as exc:  # never raises
            problems = [f"unreadable ({type(exc).__name__}: {_short(str(exc), 120)}) (malformed)"]
        if problems:
            refused.append(f"container {name}: {'; '.join(problems)} (refused on the instructor's engine)")
            continue
        if len(allowed) >= max_containers:
            refused.append(f"container {name}: more than {max_containers} containers (refused: flood limit)")
            continue
        allowed.append(spec)
    return allowed, cap_lines(refused)


def _owned(net: ipaddress.IPv4Network) -> bool:
    return any(net.subnet_of(ipaddress.ip_network(r)) for r in OWNED_SUBNETS)


def screen_networks(networks, max_networks: int = MAX_NETWORKS) -> tuple[list[dict], list[str]]:
    """Recorded Docker networks -> ([{name, pools: [(subnet, gateway)]}], refused). Subnets only from
    the ranges kubelab owns (OWNED_SUBNETS): a recorded `8.8.8.0/24` would become a route on the host."""
    allowed, refused = [], []
    if not isinstance(networks, list):
        return [], [f"networks: expected a list, found {type(networks).__name__}"]
    for i, net in enumerate(networks):
        name = net.get("name") if isinstance(net, dict) else None
        what = f"network {_short(name)}" if isinstance(name, str) else f"network #{i + 1}"
        try:
            if not isinstance(name, str) or not DOCKER_NAME.match(name):
                raise Refused("needs a valid name")
            if net.get("driver", "bridge") != "bridge":
                raise Refused(f"driver {_short(net.get('driver'))} (only bridge networks are replayed)")
            pools = []
            for c in _list(net.get("ipam"), "ipam"):
                if not isinstance(c, dict) or not c.get("Subnet"):
                    continue
                try:
                    subnet = ipaddress.IPv4Network(str(c["Subnet"]), strict=True)
                    gateway = ipaddress.IPv4Address(str(c["Gateway"])) if c.get("Gateway") else None
                except ValueError as exc:
                    raise Refused(f"subnet/gateway {_short(c)}: {exc}") from exc
                if not _owned(subnet):
                    raise Refused(f"subnet {subnet} (replays use only {' and '.join(OWNED_SUBNETS)}: any other "
                                  "subnet becomes a route on the instructor's host)")
                if subnet.prefixlen < 20:
                    raise Refused(f"subnet {subnet} (at most a /20 in a replay)")
                if gateway is not None and gateway not in subnet:
                    raise Refused(f"gateway {gateway} is not in {subnet}")
                pools.append((str(subnet), str(gateway) if gateway else None))
            if len(pools) > 1:
                raise Refused("more than one subnet")
        except Refused as exc:
            refused.append(f"{what}: {exc} (refused on the instructor's engine)")
            continue
        except Exception as exc:
            refused.append(f"{what}: unreadable ({type(exc).__name__}) (refused: malformed)")
            continue
        if len(allowed) >= max_networks:
            refused.append(f"{what}: more than {max_networks} networks (refused: flood limit)")
            continue
        allowed.append({"name": name, "pools": pools})
    return allowed, cap_lines(refused)


def screen_volumes(volumes, max_volumes: int = MAX_VOLUMES) -> tuple[list[dict], list[str]]:
    """Recorded volumes -> ([{name, tar: bytes | None, skipped}], refused). A volume's files must be a
    plain tar under the cap (a compressed one would be expanded by the engine)."""
    import base64
    import binascii

    from kubelab.instructor.archives import ArchiveError, check_volume_tar

    allowed, refused = [], []
    if not isinstance(volumes, list):
        return [], [f"volumes: expected a list, found {type(volumes).__name__}"]
    for i, vol in enumerate(volumes):
        name = vol.get("name") if isinstance(vol, dict) else None
        what = f"volume {_short(name)}" if isinstance(name, str) else f"volume #{i + 1}"
        try:
            if not isinstance(name, str) or not DOCKER_NAME.match(name):
                raise Refused("needs a valid name")
            data = None
            if vol.get("tar"):
                if not isinstance(vol["tar"], str):
                    raise Refused(f"tar: expected base64 text, found {type(vol['tar']).__name__}")
                try:
                    data = base64.b64decode(vol["tar"], validate=True)
                except (binascii.Error, ValueError) as exc:
                    raise Refused(f"tar is not base64 ({exc})") from exc
                try:
                    check_volume_tar(data)
                except ArchiveError as exc:
                    raise Refused(f"files: {exc}") from exc
        except Refused as exc:
            refused.append(f"{what}: {exc} (refused on the instructor's engine)")
            continue
        except Exception as exc:
            refused.append(f"{what}: unreadable ({type(exc).__name__}) (refused: malformed)")
            continue
        if len(allowed) >= max_volumes:
            refused.append(f"{what}: more than {max_volumes} volumes (refused: flood limit)")
            continue
        allowed.append({"name": name, "tar": data, "skipped": _short(vol.get("skipped"), 120) if vol.get("skipped") else ""})
    return allowed, cap_lines(refused)


def screen_sidecars(entries, what: str, max_entries: int = MAX_SIDECARS) -> tuple[list[dict], list[str]]:
    """Image/file entries of a record: {ref|path, file} mappings of strings, at most max_entries."""
    allowed, refused = [], []
    if not isinstance(entries, list):
        return [], [f"{what}s: expected a list, found {type(entries).__name__}"]
    key = "ref" if what == "image" else "path"
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get(key), str) or not isinstance(e.get("file"), str):
            if isinstance(e, dict) and e.get("skipped"):
                continue
            refused.append(f"{what} #{i + 1}: needs {key} and file (refused: malformed)")
            continue
        if len(allowed) >= max_entries:
            refused.append(f"{what} {_short(e[key])}: more than {max_entries} (refused: flood limit)")
            continue
        allowed.append(e)
    return allowed, cap_lines(refused)
