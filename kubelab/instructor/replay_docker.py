"""Docker steps of a replay: images, files, networks, volumes and containers, under the prefix.

Every container runs capped (memory, pids, one CPU, log size), never privileged, without added
capabilities, host namespaces or bind mounts, from local images only (no pulls); published ports
move to free ports on 127.0.0.1 (the grade cells map them back). Networks get subnets only from
the ranges kubelab owns; volume tars and image archives are checked before the engine sees them.
Everything made carries the label `kubelab.grade=<prefix>` and is noted in `r.made`, so cleanup
finds it by label and by name.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from pathlib import Path

from kubelab.instructor import policy
from kubelab.instructor.sandbox import (DOCKER_GRADE_LABEL, DOCKER_MEMORY_DEFAULT, DOCKER_PIDS_LIMIT,
                                        DOCKER_TMPFS_BYTES, WORKDIR_PREFIX)

LOG_MAX = {"max-size": "1m", "max-file": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def label_of(r) -> dict:
    return {DOCKER_GRADE_LABEL: r.prefix.rstrip("-")}


def made(r, what: str, name: str) -> None:
    r.made.setdefault(what, []).append(name)


def workdir(r) -> Path:
    if r.workdir is None:
        r.workdir = tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{r.prefix}")
    return Path(r.workdir)


def sidecar(rec, entry, r, what: str) -> Path | None:
    """A file the record names next to itself, inside the submission folder only."""
    from kubelab.instructor.record import SIDECAR_LIMIT

    folder_name = rec.get("_folder") if isinstance(rec, dict) else getattr(rec, "folder", None)
    if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not folder_name:
        return None
    folder = Path(folder_name).resolve()
    path = (folder / entry["file"]).resolve()
    if folder not in path.parents or not path.is_file():
        r.refused.append(f"{what}: {entry['file'][:80]} is not a file of the submission")
        return None
    if path.stat().st_size > SIDECAR_LIMIT:
        r.refused.append(f"{what}: {entry['file'][:80]} is larger than {SIDECAR_LIMIT >> 20} MiB")
        return None
    return path


def replay_images(client, r, rec, images: list[dict]) -> None:
    """The images the student built or committed, loaded under the replay's own tags."""
    from kubelab.instructor.archives import ArchiveError, retag_image_file

    for i, img in enumerate(images):
        ref = img["ref"]
        path = sidecar(rec, img, r, f"image {ref[:80]}")
        if path is None:
            continue
        tag = f"{r.prefix}image{i}:replay"
        out = None
        try:
            out = retag_image_file(path, ref, tag, workdir(r))
            with open(out, "rb") as fh:
                client.images.load(fh)
            made(r, "images", tag)
            r.images[ref] = tag
            r.applied.append(f"image {ref}")
        except (ArchiveError, ValueError) as exc:
            r.refused.append(f"image {ref[:80]}: {str(exc)[:200]} (refused on the instructor's engine)")
        except Exception as exc:  # a broken archive is the submission's problem: name it
            r.refused.append(f"image {ref[:80]}: could not be loaded ({type(exc).__name__}: {str(exc)[:200]})")
        finally:
            if out is not None:
                Path(out).unlink(missing_ok=True)


def replay_files(r, rec, files: list[dict]) -> None:
    from kubelab.instructor.archives import ArchiveError, copy_bounded
    from kubelab.instructor.record import SIDECAR_LIMIT

    for f in files:
        path = sidecar(rec, f, r, f"file {f['path'][:80]}")
        if path is None:
            continue
        copy = workdir(r) / path.name
        try:
            copy_bounded(path, copy, SIDECAR_LIMIT)
        except ArchiveError as exc:
            copy.unlink(missing_ok=True)
            r.refused.append(f"file {f['path'][:80]}: {exc}")
            continue
        r.files[f["path"]] = str(copy)
        r.applied.append(f"file {f['path']}")


def replay_networks(client, r, networks: list[dict]) -> dict:
    """User networks re-created under the prefix with the screened subnet and gateway."""
    import docker as docker_sdk
    from docker.types import IPAMConfig, IPAMPool

    out = {}
    for net in networks:
        pools = [IPAMPool(subnet=s, gateway=g) for s, g in net["pools"]]
        name = f"{r.prefix}{net['name']}"
        try:
            out[net["name"]] = client.networks.create(name, driver="bridge", labels=label_of(r),
                                                      ipam=IPAMConfig(pool_configs=pools) if pools else None)
            made(r, "networks", name)
            r.applied.append(f"network {net['name']}" + (f" ({', '.join(s for s, _ in net['pools'])})"
                                                         if net["pools"] else ""))
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"network {net['name']}: {exc.explanation or exc}")
    return out


def _helper_limits() -> dict:
    return {"mem_limit": 64 * 1024 * 1024, "pids_limit": 32, "network_disabled": True}


def replay_volumes(client, r, volumes: list[dict]) -> None:
    """Named volumes re-created under the prefix and filled with the recorded (checked, plain) tar."""
    import docker as docker_sdk

    from kubelab.cluster.api import lab_image

    for vol in volumes:
        name = f"{r.prefix}{vol['name']}"
        try:
            client.volumes.create(name, labels=label_of(r))
            made(r, "volumes", name)
            if vol.get("tar"):
                helper = client.containers.create(lab_image("busybox"), command=["true"], labels=label_of(r),
                                                  mounts=[{"Target": "/v", "Source": name, "Type": "volume"}],
                                                  **_helper_limits())
                made(r, "containers", helper.id)
                try:
                    helper.put_archive("/v", vol["tar"])
                finally:
                    helper.remove(force=True)
            r.applied.append(f"volume {vol['name']}" + (" with its files" if vol.get("tar") else ""))
        except (docker_sdk.errors.APIError, ValueError) as exc:
            r.refused.append(f"volume {vol['name']}: {getattr(exc, 'explanation', None) or exc}")
        if vol.get("skipped"):
            r.notes.append(f"volume {vol['name']}: files not recorded ({vol['skipped']})")


def _num(value) -> int:
    return int(value or 0) if not isinstance(value, bool) else 0


def _cpuset(prefix: str) -> str:
    """One CPU for a container that records no CPU quota (a quota would change what labs check)."""
    n = os.cpu_count() or 1
    return str(int(prefix[3:11], 16) % n) if prefix[3:11].isalnum() else "0"


def _joined_pid(r, spec: dict) -> str | None:
    """`--pid container:X` joins the replay's own X (the record names it; the prefix keeps it in the replay)."""
    mode = str(spec.get("pid_mode") or "")
    return f"container:{r.prefix}{mode.split(':', 1)[1]}" if mode.startswith("container:") else None


def create_kwargs(r, spec: dict, networks: dict, ports: dict, mounts: list, joins: str | None) -> dict:
    """docker create arguments for a screened run spec, with the replay's caps."""
    from docker.types import LogConfig

    nets = list(spec.get("networks") or [])
    labels = {str(k): str(v) for k, v in (spec.get("labels") or {}).items()}
    labels.update(label_of(r))
    memory = _num(spec.get("memory")) or DOCKER_MEMORY_DEFAULT
    swap = _num(spec.get("memory_swap"))
    nano, quota, period = _num(spec.get("nano_cpus")), _num(spec.get("cpu_quota")), _num(spec.get("cpu_period"))
    command, entrypoint = spec.get("command"), spec.get("entrypoint")
    return dict(
        image=spec["image"], command=command or None, entrypoint=entrypoint or None,
        name=f"{r.prefix}{spec['name']}", environment=list(spec.get("env") or []), labels=labels,
        ports=ports if not joins else None, mounts=mounts,
        network=(f"{r.prefix}{nets[0]}" if nets and not joins else None),
        network_mode=(f"container:{r.prefix}{joins}" if joins else None),
        pid_mode=_joined_pid(r, spec),
        hostname=(str(spec["hostname"])[:63] if spec.get("hostname") and not joins else None),
        mem_limit=memory, memswap_limit=swap if swap > 0 else None,
        nano_cpus=nano or None, cpu_quota=quota or None, cpu_period=period or None,
        cpuset_cpus=None if (nano or quota > 0) else _cpuset(r.prefix),
        cpu_shares=_num(spec.get("cpu_shares")) or None,
        pids_limit=DOCKER_PIDS_LIMIT, privileged=False, cap_drop=["NET_RAW", "SYS_CHROOT", "MKNOD"],
        security_opt=["no-new-privileges"], log_config=LogConfig(type="json-file", config=dict(LOG_MAX)),
        restart_policy={"Name": spec.get("restart_policy")} if spec.get("restart_policy") in policy.RESTART_POLICIES
        else None)


def replay_containers(client, r, containers: list[dict], networks: dict, refused_networks: set[str]) -> list[int]:
    """Create (and start) the screened containers. Returns the host ports to wait for."""
    import docker as docker_sdk
    from docker.types import Mount

    waits = []
    # a container that joins another's network namespace (`--network container:X`) comes after X
    # a container that joins another's network or PID namespace (`--network/--pid container:X`) comes after X
    containers = sorted(containers, key=lambda c: any(str(c.get(k) or "").startswith("container:")
                                                      for k in ("network_mode", "pid_mode")))
    for spec in containers:
        name = spec["name"]
        nets = list(spec.get("networks") or [])
        lost = [n for n in nets if n in refused_networks]
        if lost:
            r.refused.append(f"container {name}: its network {', '.join(lost)} was refused")
            continue
        try:
            client.images.get(spec["image"])
        except docker_sdk.errors.ImageNotFound:
            r.refused.append(f"container {name}: image {spec['image'][:80]} is not on the instructor's engine "
                             "(replays never pull)")
            continue
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"container {name}: image {spec['image'][:80]}: {exc.explanation}")
            continue
        ports = {}
        for p in spec.get("ports") or []:
            cport, proto, hport = int(p["container_port"]), str(p.get("protocol", "tcp")), int(p.get("host_port") or 0)
            actual = r.ports.setdefault(str(hport), free_port())
            ports[f"{cport}/{proto}"] = ("127.0.0.1", actual)
            if spec.get("running", True):
                waits.append(actual)
        mounts = []
        for m in spec.get("mounts") or []:
            if m.get("type") == "volume":
                mounts.append(Mount(target=m["target"], source=f"{r.prefix}{m['source']}", type="volume",
                                    labels=label_of(r)))
                made(r, "volumes", f"{r.prefix}{m['source']}")
            elif m.get("type") == "tmpfs":
                mounts.append(Mount(target=m["target"], source=None, type="tmpfs", tmpfs_size=DOCKER_TMPFS_BYTES))
        mode = str(spec.get("network_mode") or "")
        joins = mode.split(":", 1)[1] if mode.startswith("container:") else None
        try:
            for n in [] if joins else nets:
                if n not in networks:
                    if len(networks) >= policy.MAX_NETWORKS:
                        raise ValueError(f"network {n}: more than {policy.MAX_NETWORKS} networks (refused: flood limit)")
                    networks[n] = client.networks.create(f"{r.prefix}{n}", labels=label_of(r))
                    made(r, "networks", f"{r.prefix}{n}")
            c = client.containers.create(**create_kwargs(r, spec, networks, ports, mounts, joins))
            made(r, "containers", c.name)
            ips = spec.get("ips") if isinstance(spec.get("ips"), dict) else {}
            for i, n in enumerate([] if joins else nets):
                if ips.get(n):  # a fixed address (`--ip`) is given when (re)connecting
                    if i == 0:
                        networks[n].disconnect(c)
                    networks[n].connect(c, ipv4_address=str(ips[n]))
                elif i > 0:
                    networks[n].connect(c)
            if spec.get("running", True):
                c.start()
            r.applied.append(f"container {name}")
        except docker_sdk.errors.APIError as exc:
            r.refused.append(f"container {name}: {exc.explanation or exc}")
        except ValueError as exc:
            r.refused.append(f"container {name}: {exc}")
    return waits


def port_serves(port: int) -> bool:
    """Something behind the published port answers. Docker's port proxy accepts a connection
    before the program in the container listens, then closes it with no byte: that is not ready.
    A reply of any kind, or a connection kept open (a server that waits for its client), is."""
    with socket.socket() as s:
        s.settimeout(0.5)
        if s.connect_ex(("127.0.0.1", port)) != 0:
            return False
        try:
            s.sendall(b"HEAD / HTTP/1.0\r\n\r\n")
            return bool(s.recv(1))
        except socket.timeout:
            return True
        except OSError:
            return False


def wait_ports(ports: list[int], settle: float) -> None:
    deadline = time.monotonic() + settle
    for port in ports:
        while time.monotonic() < deadline:
            if port_serves(port):
                break
            time.sleep(0.2)
