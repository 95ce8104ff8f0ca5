"""Docker: data in a named volume outlives the container that wrote it."""

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_engine as de
from kubelab.graders import docker_extra as dx
from kubelab.labs.model import Lab, Params, Run

P = Params(
    volume="kl-data",            # the named volume
    path="/data",                # where both containers mount it
    file="note.txt",             # the file the writer leaves behind
    text="kubelab keeps me",     # its content
    writer="kl-writer",          # the container that writes, then is removed
    reader="kl-reader",          # the container that finds the data again
    image="busybox",             # image catalog key
)
IMAGE = lab_image(P.image)

lab = Lab(
    id="docker-volume-data",
    title="Data that outlives its container",
    topic="docker",
    shape="docker",
    minutes=12,
    params=P,
    docker={"containers": [P.writer, P.reader], "volumes": [P.volume]},
    task=f"""\
A container's own writable layer is deleted with the container; a volume is not.

1. Create a named volume `{P.volume}`.
2. Run a container `{P.writer}` from `{IMAGE}` with `{P.volume}` mounted at `{P.path}` that writes
   the line `{P.text}` to `{P.path}/{P.file}`.
3. **Remove** `{P.writer}` (`docker rm`).
4. Run a detached container `{P.reader}` from `{IMAGE}` that keeps running (`sleep 3600`), with the
   same volume mounted at `{P.path}`, and confirm: `docker exec {P.reader} cat {P.path}/{P.file}`.""",
)


@lab.check("volume-exists", f"Named volume {P.volume} exists", points=1,
           hint=f"`docker volume create {P.volume}` (or let `-v {P.volume}:{P.path}` create it); "
                "`docker volume ls` lists volumes")
def volume_exists(ctx):
    if ctx.docker.volume(P.volume) is None:
        from kubelab.graders.errors import Failed

        raise Failed(f"volume {P.volume}: expected to exist, found nothing", expected="exists", found="nothing")
    return f"volume {P.volume} exists"


@lab.check("reader-running", f"Container {P.reader} is running", points=1,
           hint=f"`docker run -d --name {P.reader} ... {IMAGE} sleep 3600`: a container stops when its "
                "command ends, so give it one that lasts")
def reader_running(ctx):
    return de.container_running(ctx.docker, P.reader)


@lab.check("reader-mount", f"{P.reader} mounts the volume {P.volume} at {P.path}", points=2,
           requires=["reader-running"],
           hint=f"`-v {P.volume}:{P.path}` (volume name first, path in the container second); "
                f"`-v {P.path}` alone makes a new anonymous volume, a host path makes a bind mount")
def reader_mount(ctx):
    return de.volume_mounted(ctx.docker, P.reader, P.path, source=P.volume, kind="volume")


@lab.check("data-survives", f"{P.reader} reads '{P.text}' from {P.path}/{P.file}", points=2,
           requires=["reader-mount"],
           hint=f"the writer must write into the volume: `sh -c 'echo {P.text} > {P.path}/{P.file}'` "
                f"with `-v {P.volume}:{P.path}`")
def data_survives(ctx):
    return dx.file_contains(ctx.docker, P.reader, f"{P.path}/{P.file}", P.text)


@lab.check("writer-removed", f"The writer {P.writer} has been removed", points=1, requires=["data-survives"],
           hint=f"`docker rm {P.writer}` (it has exited; `-f` if it still runs): the data must not depend on it")
def writer_removed(ctx):
    return dx.container_absent(ctx.docker, P.writer)


@lab.solution
def solution(p):
    image = lab_image(p.image)
    return [Run(["docker", "volume", "create", p.volume]),
            Run(["docker", "run", "--name", p.writer, "-v", f"{p.volume}:{p.path}", image,
                 "sh", "-c", f"echo {p.text} > {p.path}/{p.file}"]),
            Run(["docker", "rm", p.writer]),
            Run(["docker", "run", "-d", "--name", p.reader, "-v", f"{p.volume}:{p.path}", image, "sleep", "3600"])]


lab.near_miss("writer-kept", "the writer container is still there", fails=["writer-removed"],
              after=lambda p: [Run(["docker", "create", "--name", p.writer, lab_image(p.image)])])
lab.near_miss("anonymous-volume", "the reader mounts `-v /data` (a new anonymous volume) instead of the named one",
              after=lambda p: [Run(["docker", "rm", "-f", p.reader]),
                               Run(["docker", "run", "-d", "--rm", "--name", p.reader, "-v", p.path, lab_image(p.image),
                                    "sleep", "3600"])],
              fails=["reader-mount"], changes=["data-survives", "writer-removed"])
lab.near_miss("wrong-text", "the writer wrote other text", params={"text": "hello"}, fails=["data-survives"],
              changes=["writer-removed"])
lab.near_miss("reader-exited", "the reader has no long-running command and exited",
              after=lambda p: [Run(["docker", "rm", "-f", p.reader]),
                               Run(["docker", "run", "--name", p.reader, "-v", f"{p.volume}:{p.path}",
                                    lab_image(p.image), "true"])],
              fails=["reader-running"], changes=["reader-mount", "data-survives", "writer-removed"])


def _short(ref: str) -> str:
    """The image reference as students type it: docker.io/library/busybox:1.35.0 -> busybox:1.35.0."""
    return ref.removeprefix("docker.io/library/")


@lab.variant("mount-flag-rm", "`--mount type=volume,...` instead of -v, no `docker volume create` (the first "
             "mount creates it), the writer run with `--rm` so Docker removes it; the short image name")
def mount_flag_rm(p):
    image = _short(lab_image(p.image))
    return [Run(["docker", "run", "--rm", "--name", p.writer, "--mount", f"source={p.volume},target={p.path}", image,
                 "sh", "-c", f"echo '{p.text}' > {p.path}/{p.file}"]),
            Run(["docker", "run", "--detach", "--name", p.reader,
                 "--mount", f"type=volume,src={p.volume},dst={p.path},readonly", image, "sleep", "3600"])]


@lab.variant("long-options-ro", "`--volume` long form, printf instead of echo, `docker container rm`, the reader "
             "mounting the volume read-only (`:ro`) with its options in another order")
def long_options_ro(p):
    image = lab_image(p.image)
    return [Run(["docker", "volume", "create", p.volume]),
            Run(["docker", "run", "--volume", f"{p.volume}:{p.path}", "--name", p.writer, image,
                 "sh", "-c", f"printf '%s\\n' '{p.text}' > {p.path}/{p.file}"]),
            Run(["docker", "container", "rm", p.writer]),
            Run(["docker", "run", "--volume", f"{p.volume}:{p.path}:ro", "-d", "--name", p.reader, image,
                 "sleep", "3600"])]
