"""More Docker check primitives: networks (IPAM), images (ENTRYPOINT/CMD, base image, what a
run prints), files and hostnames inside containers, memory+swap and CPU-share cgroup limits.

Same contract as `docker_engine`: return an observation, raise Failed (the student's) or
InfraError (the engine's). The cgroup readers take a `read(path)` function, like `cgroups`.
"""

from __future__ import annotations

from kubelab.graders.cgroups import Reader, _join, exec_reader, file_reader, parse_proc_cgroup
from kubelab.graders.docker_engine import Docker, container_pid, must_inspect
from kubelab.graders.errors import Failed, expect_equal
from kubelab.graders.fields import field


# ---- networks ------------------------------------------------------------------------------

def inspect_network(d: Docker, name: str) -> dict | None:
    """`docker network inspect <name>` as a dict, or None when there is no such network."""
    return d.network(name)


def network_exists(d: Docker, name: str, driver: str | None = "bridge") -> str:
    """Passes when the network exists (with this driver)."""
    net = inspect_network(d, name)
    if net is None:
        raise Failed(f"network {name}: expected to exist, found nothing", expected="exists", found="nothing")
    if driver and net.get("Driver") != driver:
        raise Failed(f"network {name} driver: expected {driver}, found {net.get('Driver')}",
                     expected=driver, found=str(net.get("Driver")))
    return f"network {name} exists ({net.get('Driver')})"


def _ipam(d: Docker, name: str) -> list[dict]:
    network_exists(d, name, driver=None)
    return field(inspect_network(d, name), "IPAM.Config") or []


def network_subnet(d: Docker, name: str, subnet: str) -> str:
    """Passes when the network's IPAM config has exactly this subnet (docker network create --subnet)."""
    found = [c.get("Subnet") for c in _ipam(d, name) if c.get("Subnet")]
    if not any(_same_network(subnet, f) for f in found):
        shown = ", ".join(found) or "none"
        raise Failed(f"network {name} subnet: expected {subnet}, found {shown}", expected=subnet, found=shown)
    return f"network {name} has subnet {subnet}"


def _same_network(a: str, b: str) -> bool:
    """`172.30.10.0/24` and `172.30.10.5/24` (which Docker stores as typed) are the same subnet."""
    import ipaddress

    try:
        return ipaddress.ip_network(a, strict=False) == ipaddress.ip_network(b, strict=False)
    except ValueError:
        return a == b


def network_gateway(d: Docker, name: str, gateway: str, effective: bool = False) -> str:
    """Passes when the network's IPAM config sets this gateway (docker network create --gateway).

    effective=True: a subnet created without --gateway counts with the gateway Docker gives it (what
    the containers on the network use as their default route; with none attached, the subnet's first
    host address, the default IPAM's rule), so `--subnet 10.1.2.0/24` alone has the gateway 10.1.2.1."""
    config = _ipam(d, name)
    found = [c.get("Gateway") for c in config if c.get("Gateway")]
    if effective:
        found += [g for g in _default_gateways(d, name, config) if g not in found]
    if gateway not in found:
        shown = ", ".join(found) or "none set"
        raise Failed(f"network {name} gateway: expected {gateway}, found {shown}", expected=gateway, found=shown)
    return f"network {name} has gateway {gateway}"


def _default_gateways(d: Docker, name: str, config: list[dict]) -> list[str]:
    """The gateways Docker chose for the network's subnets that name none."""
    import ipaddress

    chosen = []
    for c in config:
        if c.get("Gateway") or not c.get("Subnet"):
            continue
        try:
            subnet = ipaddress.ip_network(c["Subnet"], strict=False)
        except ValueError:
            continue
        seen = []
        for member in (inspect_network(d, name).get("Containers") or {}).values():
            info = d.inspect(member.get("Name") or "") if member.get("Name") else None
            gw = ((field(info, "NetworkSettings.Networks") or {}).get(name) or {}).get("Gateway") if info else None
            if gw and ipaddress.ip_address(gw) in subnet:
                seen.append(gw)
        chosen += seen or [str(next(subnet.hosts()))]
    return chosen


# ---- containers: absent, files, hostname ------------------------------------------------------

def container_absent(d: Docker, name: str) -> str:
    """Passes when there is no container with this name (it was removed)."""
    info = d.inspect(name)
    if info is not None:
        status = (info.get("State") or {}).get("Status", "present")
        raise Failed(f"container {name}: expected to be removed, found it ({status})",
                     expected="removed", found=status)
    return f"container {name} is gone"


def file_contains(d: Docker, name: str, path: str, text: str) -> str:
    """Passes when `cat path` inside the running container prints `text` (stripped)."""
    rc, out = d.exec(name, ["cat", path])
    if rc != 0:
        raise Failed(f"container {name}: expected file {path}, found none ({out.strip()[:80]})",
                     expected=path, found="no such file")
    return expect_equal(f"container {name} {path}", text, out.strip())


def hostname_is(d: Docker, name: str, hostname: str) -> str:
    """Passes when the container's configured hostname and its kernel's (UTS) hostname are `hostname`."""
    configured = field(must_inspect(d, name), "Config.Hostname")
    rc, out = d.exec(name, ["hostname"])
    live = out.strip() if rc == 0 else None
    if live != hostname:
        raise Failed(f"container {name} hostname: expected {hostname}, found {live or configured}",
                     expected=hostname, found=str(live or configured))
    return f"container {name} hostname (UTS) is {hostname}"


# ---- images ---------------------------------------------------------------------------------

def inspect_image(d: Docker, ref: str) -> dict | None:
    key = ("image-inspect", ref)
    if key not in d._cache:
        import docker

        try:
            d._cache[key] = d.client.api.inspect_image(d.engine_image(ref))
        except docker.errors.NotFound:
            d._cache[key] = None
        except docker.errors.APIError as exc:
            if exc.status_code and exc.status_code < 500:
                d._cache[key] = None
            else:
                raise d._infra(exc) from exc
        except Exception as exc:
            raise d._infra(exc) from exc
    return d._cache[key]


def must_inspect_image(d: Docker, ref: str) -> dict:
    info = inspect_image(d, ref)
    if info is None:
        raise Failed(f"image {ref}: expected to exist, found nothing (see `docker images`)",
                     expected="exists", found="nothing")
    return info


def image_exists(d: Docker, ref: str) -> str:
    info = must_inspect_image(d, ref)
    return f"image {ref} exists ({info['Id'][7:19]})"


def image_config_is(d: Docker, ref: str, key: str, expected: list[str] | None) -> str:
    """Passes when the image's Config.<key> (Entrypoint, Cmd) is exactly `expected` (a list: exec form)."""
    found = field(must_inspect_image(d, ref), f"Config.{key}")
    if (found or None) != (expected or None):
        raise Failed(f"image {ref} {key.upper()}: expected {_form(expected)}, found {_form(found)}",
                     expected=_form(expected), found=_form(found))
    return f"image {ref} {key.upper()} is {_form(found)}"


def image_exec_form_is(d: Docker, ref: str, key: str, expected: list[str]) -> str:
    """Passes when the image's Config.<key> (Entrypoint, Cmd) is in exec form and runs the program
    `expected` runs: `["/bin/echo", "Hello,"]` == `["echo", "Hello,"]`. A shell wrapper (`["/bin/sh",
    "-c", ...]`, what the shell form `ENTRYPOINT echo Hello,` stores, or `["sh", "-c", ...]`) does
    not count: the arguments appended to an ENTRYPOINT (CMD, `docker run IMAGE ARG`) would go to the
    shell as $0, $1..., not to the program."""
    from kubelab.graders.meaning import normalize_command

    def wrapped(argv) -> bool:
        return bool(argv) and len(argv) >= 2 and (normalize_command(argv[:1]) or ("",))[0] in _SHELLS \
            and argv[1] == "-c"

    found = field(must_inspect_image(d, ref), f"Config.{key}")
    if wrapped(expected) or wrapped(found):
        ok = found == expected
    else:
        ok = bool(found) and normalize_command(found) == normalize_command(expected)
    if not ok:
        raise Failed(f"image {ref} {key.upper()}: expected {_form(expected)}, found {_form(found)}",
                     expected=_form(expected), found=_form(found))
    same = "" if found == expected else f" (runs the same program as {_form(expected)})"
    return f"image {ref} {key.upper()} is {_form(found)}{same}"


_SHELLS = ("sh", "bash", "ash", "dash")


def _form(value) -> str:
    if not value:
        return "none"
    import json

    shown = json.dumps(value)
    if len(value) >= 3 and value[:2] == ["/bin/sh", "-c"]:
        return f"{shown} (shell form)"
    return shown


def image_built_from(d: Docker, ref: str, base: str) -> str:
    """Passes when the image's layers start with all of `base`'s layers (FROM base)."""
    mine = field(must_inspect_image(d, ref), "RootFS.Layers") or []
    theirs = field(must_inspect_image(d, base), "RootFS.Layers") or []
    if not theirs or mine[:len(theirs)] != theirs:
        raise Failed(f"image {ref}: expected to be built FROM {base}, found other base layers",
                     expected=f"FROM {base}", found="different layers")
    return f"image {ref} is {base} plus {len(mine) - len(theirs)} layer(s)"


RUN_LIMITS = {"mem_limit": 256 * 1024 * 1024, "pids_limit": 64, "nano_cpus": 1_000_000_000}


def image_run_prints(d: Docker, ref: str, args: list[str], expected: str, labels: dict | None = None,
                     timeout: float = 15.0) -> str:
    """Passes when `docker run --rm <ref> <args...>` prints `expected` (stripped) and exits 0."""
    import docker

    shown = " ".join(["docker run --rm", ref, *args])
    must_inspect_image(d, ref)
    try:
        # the image is the student's: capped like a replayed container (memory, pids, one CPU, logs)
        c = d.client.containers.create(d.engine_image(ref), command=args or None, labels=labels or {}, network_disabled=True,
                                       mem_limit=RUN_LIMITS["mem_limit"], memswap_limit=RUN_LIMITS["mem_limit"],
                                       pids_limit=RUN_LIMITS["pids_limit"], nano_cpus=RUN_LIMITS["nano_cpus"],
                                       security_opt=["no-new-privileges"],
                                       log_config={"Type": "json-file", "Config": {"max-size": "1m"}})
    except docker.errors.APIError as exc:
        if exc.status_code and exc.status_code < 500:
            raise Failed(f"`{shown}`: cannot create the container ({exc.explanation})") from exc
        raise d._infra(exc) from exc
    try:
        try:
            c.start()
        except docker.errors.APIError as exc:
            raise Failed(f"`{shown}`: expected to print {expected!r}, found it does not start "
                         f"({' '.join(str(exc.explanation).split())[:120]})",
                         expected=expected, found="does not start") from exc
        code = c.wait(timeout=timeout).get("StatusCode")
        out = c.logs(stdout=True, stderr=True).decode(errors="replace").strip()
    except Failed:
        raise
    except Exception as exc:
        raise d._infra(exc) from exc
    finally:
        try:
            c.remove(force=True, v=True)  # with its anonymous volumes (an image's VOLUME)
        except Exception:
            pass
    if code != 0 or out != expected:
        found = f"{out[:80]!r}" + (f" (exit {code})" if code else "")
        raise Failed(f"`{shown}`: expected to print {expected!r}, found {found}", expected=expected, found=found)
    return f"`{shown}` prints {out!r}"


# ---- cgroups: memory+swap, CPU shares ------------------------------------------------------------

def _container_reader(d: Docker, name: str) -> tuple[Reader, dict[str, str]]:
    """A file reader and the container's cgroup paths: the host's view when the PID is visible,
    else the container's own view (its cgroup at the root)."""
    pid = container_pid(d, name)
    host = file_reader()
    text = host(f"/proc/{pid}/cgroup")
    if text is not None:
        return host, parse_proc_cgroup(text)
    return exec_reader(lambda argv: d.exec(name, argv)), {}


def read_memory_swap(read: Reader, root: str = "/sys/fs/cgroup", cgroup: dict[str, str] | None = None
                     ) -> tuple[int, int | None]:
    """(cgroup version, memory+swap limit in bytes or None for no limit).

    v1: memory.memsw.limit_in_bytes. v2: memory.max + memory.swap.max (v2 limits swap alone).
    Raises Failed when the files are not there (e.g. swap accounting is off).
    """
    from kubelab.graders.cgroups import UNLIMITED_V1

    cgroup = cgroup or {}
    if read(f"{root}/cgroup.controllers") is not None:
        base = _join(root, cgroup.get("", "/"))
        mem = (read(f"{base}/memory.max") or "").strip()
        swap = (read(f"{base}/memory.swap.max") or "").strip()
        if not swap:
            raise Failed(f"cgroup v2: no memory.swap.max under {base} (swap accounting off?)", found="no file")
        if mem in ("", "max") or swap == "max":
            return 2, None
        return 2, int(mem) + int(swap)
    base = _join(f"{root}/memory", cgroup.get("memory", "/"))
    text = read(f"{base}/memory.memsw.limit_in_bytes")
    if text is None:
        raise Failed(f"cgroup v1: no memory.memsw.limit_in_bytes under {base} (swap accounting off?)",
                     found="no file")
    value = int(text)
    return 1, None if value >= UNLIMITED_V1 else value


def read_cpu_shares(read: Reader, root: str = "/sys/fs/cgroup", cgroup: dict[str, str] | None = None
                    ) -> tuple[int, int]:
    """(cgroup version, value): v1 cpu.shares; v2 cpu.weight (Docker maps shares to weight)."""
    cgroup = cgroup or {}
    if read(f"{root}/cgroup.controllers") is not None:
        text = read(f"{_join(root, cgroup.get('', '/'))}/cpu.weight")
        if text is None:
            raise Failed("cgroup v2: no cpu.weight file", found="no file")
        return 2, int(text)
    for ctrl in ("cpu,cpuacct", "cpu", "cpuacct,cpu"):
        text = read(f"{_join(f'{root}/{ctrl}', cgroup.get('cpu', '/'))}/cpu.shares")
        if text is not None:
            return 1, int(text)
    raise Failed("cgroup v1: no cpu.shares file", found="no file")


def shares_to_weight(shares: int) -> int:
    """The linear cgroup v2 mapping of cpu-shares (2..262144) to cpu.weight (1..10000) that runc < 1.3.2
    and crun < 1.23 write: 1024 -> 39, 512 -> 20, 2048 -> 79."""
    return 1 + ((shares - 2) * 9999) // 262142


def shares_to_weight_quadratic(shares: int) -> int:
    """The mapping runc >= 1.3.2 and crun >= 1.23 write (a quadratic in log2(shares) that keeps the
    default 1024 at the v2 default weight 100): 1024 -> 100, 512 -> 59, 2048 -> 174 (Kubernetes blog,
    2025-10-25, "New Conversion from cgroup v1 CPU Shares to v2 CPU Weight")."""
    import math

    if shares <= 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    l = math.log2(shares)
    return min(10000, math.ceil(10 ** ((l * l + 125 * l) / 612.0 - 7.0 / 34.0)))


# name -> (cpu-shares -> cpu.weight, how to say it)
CONVERSIONS = {
    "linear": (shares_to_weight, "the linear conversion (runc < 1.3.2, crun < 1.23)"),
    "quadratic": (shares_to_weight_quadratic, "the new conversion (runc >= 1.3.2, crun >= 1.23)"),
}
PROBE_SHARES = 1024   # the two conversions disagree most visibly here: 39 vs 100
_conversion_cache: dict[str, str] = {}


def classify_conversion(probe_shares: int, weight: int) -> str | None:
    """Which known conversion turns probe_shares into weight (None: neither)."""
    return next((name for name, (fn, _) in CONVERSIONS.items() if fn(probe_shares) == weight), None)


def probe_cpu_weight(d: Docker, image: str, shares: int) -> int | None:
    """Start a throw-away container with --cpu-shares `shares` and read the cpu.weight the runtime
    wrote (cgroup v2, private cgroup namespace: the container's cgroup is /sys/fs/cgroup). None when
    it cannot be found out (the image has no cat, the engine refuses)."""
    import docker

    try:
        c = d.client.containers.create(image, command=["cat", "/sys/fs/cgroup/cpu.weight"], cpu_shares=shares,
                                       network_disabled=True, labels={"kubelab.probe": "cpu-weight"})
    except docker.errors.APIError:
        return None
    try:
        c.start()
        c.wait(timeout=15)
        out = c.logs(stdout=True, stderr=False).decode(errors="replace").strip()
        return int(out) if out.isdigit() else None
    except Exception:
        return None
    finally:
        try:
            c.remove(force=True)
        except Exception:
            pass


def runtime_weight(d: Docker, image: str, shares: int, probe=probe_cpu_weight) -> tuple[int | None, str]:
    """(the cpu.weight this engine's runtime writes for `shares`, which conversion that is).

    Asked of the runtime itself, not of a version string: one probe container with --cpu-shares
    1024 tells the conversions apart (cached per engine). If the runtime writes something neither
    formula gives, a probe with `shares` itself answers."""
    key = _engine_key(d)
    if key not in _conversion_cache:
        weight = probe(d, image, PROBE_SHARES)
        name = classify_conversion(PROBE_SHARES, weight) if weight is not None else None
        if name is None:
            exact = probe(d, image, shares)
            return exact, f"what this runtime writes (--cpu-shares {PROBE_SHARES} gave cpu.weight {weight})"
        _conversion_cache[key] = name
    fn, how = CONVERSIONS[_conversion_cache[key]]
    return fn(shares), how


def _mib(n: int | None) -> str:
    if n is None or n <= 0:
        return "no limit"
    return f"{n // 1024**2}Mi" if n % 1024**2 == 0 else f"{n} bytes"


def memory_swap_limit_is(d: Docker, name: str, expected_bytes: int) -> str:
    """Passes when both the engine (HostConfig.MemorySwap) and the cgroup files say that memory+swap
    is limited to `expected_bytes` (docker run --memory-swap)."""
    engine = field(must_inspect(d, name), "HostConfig.MemorySwap") or 0
    if engine != expected_bytes:
        shown = "unlimited (-1)" if engine == -1 else _mib(engine)
        raise Failed(f"container {name} memory+swap (engine): expected {_mib(expected_bytes)}, found {shown}",
                     expected=_mib(expected_bytes), found=shown)
    read, cgroup = _container_reader(d, name)
    version, found = read_memory_swap(read, cgroup=cgroup)
    if found != expected_bytes:
        raise Failed(f"container {name} memory+swap (cgroup v{version}): expected {_mib(expected_bytes)}, "
                     f"found {_mib(found)}", expected=_mib(expected_bytes), found=_mib(found))
    return f"container {name} memory+swap limit is {_mib(found)} (engine and cgroup v{version})"


def _engine_key(d: Docker) -> str:
    try:
        return str(d.client.api.base_url)
    except Exception:
        return "engine"


def cpu_shares_is(d: Docker, name: str, shares: int, probe=probe_cpu_weight) -> str:
    """Passes when the container's CPU weight is `shares` (docker run --cpu-shares), read from the
    cgroup files: v1 cpu.shares holds the value itself; v2 cpu.weight holds what the runtime
    converted it to, linearly (old runc/crun) or by the new conversion (runc >= 1.3.2, crun >= 1.23),
    whichever this host's runtime really uses (see runtime_weight)."""
    read, cgroup = _container_reader(d, name)
    version, found = read_cpu_shares(read, cgroup=cgroup)
    if version == 1:
        if found != shares:
            raise Failed(f"container {name} cpu.shares (cgroup v1): expected {shares}, found {found}",
                         expected=str(shares), found=str(found))
        return f"container {name} cpu.shares is {found} (cgroup v1, --cpu-shares {shares})"
    image = field(must_inspect(d, name), "Config.Image") or field(must_inspect(d, name), "Image")
    want, how = runtime_weight(d, image, shares, probe=probe)
    if want is None:
        want = shares_to_weight_quadratic(shares)
        if found in (want, shares_to_weight(shares)):
            return f"container {name} cpu.weight is {found} (cgroup v2, --cpu-shares {shares})"
        raise Failed(f"container {name} cpu.weight (cgroup v2): expected {shares_to_weight(shares)} (linear) or "
                     f"{want} (new conversion) for --cpu-shares {shares}, found {found}",
                     expected=f"{shares_to_weight(shares)} or {want}", found=str(found))
    if found != want:
        raise Failed(f"container {name} cpu.weight (cgroup v2): expected {want} (--cpu-shares {shares} by {how}), "
                     f"found {found}", expected=str(want), found=str(found))
    return f"container {name} cpu.weight is {found} (cgroup v2: --cpu-shares {shares} by {how})"
