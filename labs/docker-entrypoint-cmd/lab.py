"""Docker: build an image whose ENTRYPOINT is the fixed command and whose CMD is the default argument."""

import json

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_extra as dx
from kubelab.labs.model import DOCKER_LABEL, Lab, Params, Run

P = Params(
    tag="kl-greet:v1",                  # the image to build
    base="busybox",                     # image catalog key of the base image (FROM)
    entrypoint='["echo", "Hello,"]',    # exec form: the fixed part of the command
    cmd='["world"]',                    # exec form: the default argument, replaced by `docker run IMAGE ARG`
    arg="kubelab",                      # an argument a user passes
    container="kl-greet",               # name to use when trying the image
)
BASE = lab_image(P.base)
LAB_ID = "docker-entrypoint-cmd"
DEFAULT_OUT = " ".join(json.loads(P.entrypoint)[1:] + json.loads(P.cmd))
ARG_OUT = " ".join(json.loads(P.entrypoint)[1:] + [P.arg])

lab = Lab(
    id=LAB_ID,
    title="ENTRYPOINT and CMD: a fixed command with a default argument",
    topic="docker",
    shape="docker",
    minutes=15,
    params=P,
    docker={"containers": [P.container], "images": [P.tag]},
    task=f"""\
Build an image `{P.tag}` from a Dockerfile so that:

- it is built `FROM {BASE}`;
- `docker run --rm {P.tag}` prints `{DEFAULT_OUT}`;
- `docker run --rm {P.tag} {P.arg}` prints `{ARG_OUT}` - the argument **replaces the default
  argument only**, the command stays.

Use the **exec form** (JSON arrays) for both instructions: `ENTRYPOINT {P.entrypoint}` and
`CMD {P.cmd}`. No build context is needed: `docker build -t {P.tag} - < Dockerfile`, or a folder
holding the Dockerfile. Try it with `docker run --rm --name {P.container} {P.tag} ...`.""",
)


@lab.check("image-exists", f"Image {P.tag} exists", points=1,
           hint=f"`docker build -t {P.tag} <folder with the Dockerfile>`; `docker images` lists local images")
def image_exists(ctx):
    return dx.image_exists(ctx.docker, P.tag)


@lab.check("built-from-base", f"{P.tag} is built FROM {BASE}", points=1, requires=["image-exists"],
           hint=f"first line of the Dockerfile: `FROM {BASE}`; `docker history {P.tag}` shows the layers")
def built_from_base(ctx):
    return dx.image_built_from(ctx.docker, P.tag, BASE)


@lab.check("entrypoint-exec-form", f"ENTRYPOINT is {P.entrypoint} (exec form)", points=2, requires=["image-exists"],
           hint=f"`ENTRYPOINT {P.entrypoint}`: the shell form (`ENTRYPOINT echo Hello,`) runs under "
                "`/bin/sh -c` and ignores CMD and every argument")
def entrypoint_exec_form(ctx):
    # `ENTRYPOINT ["/bin/echo", "Hello,"]` runs the same program: the exec form is what matters
    return dx.image_exec_form_is(ctx.docker, P.tag, "Entrypoint", json.loads(P.entrypoint))


@lab.check("cmd-default", f"CMD is {P.cmd}", points=1, requires=["image-exists"],
           hint=f"`CMD {P.cmd}`: with an ENTRYPOINT, CMD holds only its default arguments; "
                "`docker inspect -f '{{.Config.Cmd}}' IMAGE` shows it")
def cmd_default(ctx):
    return dx.image_config_is(ctx.docker, P.tag, "Cmd", json.loads(P.cmd))


@lab.check("runs-default", f"`docker run --rm {P.tag}` prints '{DEFAULT_OUT}'", points=1,
           requires=["image-exists"], hint="ENTRYPOINT followed by CMD makes the command line that runs")
def runs_default(ctx):
    return dx.image_run_prints(ctx.docker, P.tag, [], DEFAULT_OUT, labels={DOCKER_LABEL: LAB_ID})


@lab.check("runs-with-arg", f"`docker run --rm {P.tag} {P.arg}` prints '{ARG_OUT}'", points=2,
           requires=["image-exists"],
           hint="arguments after the image replace CMD only; if the whole command sits in CMD, "
                f"`{P.arg}` replaces it and Docker tries to run a program named `{P.arg}`")
def runs_with_arg(ctx):
    return dx.image_run_prints(ctx.docker, P.tag, [P.arg], ARG_OUT, labels={DOCKER_LABEL: LAB_ID})


def dockerfile(p) -> str:
    lines = [f"FROM {lab_image(p.base)}"]
    if p.entrypoint:
        lines.append(f"ENTRYPOINT {p.entrypoint}")
    if p.cmd:
        lines.append(f"CMD {p.cmd}")
    return "\n".join(lines)


@lab.solution
def solution(p):
    return [Run(["sh", "-c", f"docker build -t {p.tag} - <<EOF\n{dockerfile(p)}\nEOF"],
                note="The Dockerfile comes from standard input (no build context is needed):")]


@lab.reset_steps
def reset_steps(p):
    return [Run(["docker", "rmi", "-f", p.tag], ok_codes=(0, 1))]


lab.near_miss("shell-form", "ENTRYPOINT in shell form: `ENTRYPOINT echo Hello,` ignores CMD and arguments",
              params={"entrypoint": "echo Hello,"},
              fails=["entrypoint-exec-form", "runs-default", "runs-with-arg"])
lab.near_miss("all-in-cmd", 'no ENTRYPOINT, the whole command in CMD ["echo", "Hello,", "world"]',
              params={"entrypoint": "", "cmd": '["echo", "Hello,", "world"]'},
              fails=["entrypoint-exec-form", "cmd-default", "runs-with-arg"])
lab.near_miss("other-base", "built FROM the nginx image instead", params={"base": "nginx"},
              fails=["built-from-base"])
lab.near_miss("sh-c-entrypoint", 'ENTRYPOINT ["sh", "-c", "echo Hello,"]: exec form, but the shell ignores CMD',
              params={"entrypoint": '["sh", "-c", "echo Hello,"]'},
              fails=["entrypoint-exec-form", "runs-default", "runs-with-arg"])


def _build(tag: str, text: str, note: str = "") -> Run:
    return Run(["sh", "-c", f"docker build -t {tag} - <<EOF\n{text}\nEOF"], note=note)


@lab.variant("absolute-echo", 'ENTRYPOINT ["/bin/echo", "Hello,"], FROM the short name busybox:1.35.0')
def absolute_echo(p):
    base = lab_image(p.base).removeprefix("docker.io/library/")
    entry = json.dumps(["/bin/echo"] + json.loads(p.entrypoint)[1:])
    return [_build(p.tag, f"FROM {base}\nENTRYPOINT {entry}\nCMD {p.cmd}")]


@lab.variant("folder-context-label", "a Dockerfile in a folder (build context), CMD before ENTRYPOINT, a LABEL, "
                                     "JSON arrays written with other spacing, built as another tag then tagged")
def folder_context(p):
    entry = ", ".join(json.dumps(x) for x in json.loads(p.entrypoint))
    cmd = ", ".join(json.dumps(x) for x in json.loads(p.cmd))
    text = f"FROM {lab_image(p.base)}\nLABEL maintainer=student\nCMD [ {cmd} ]\nENTRYPOINT [ {entry} ]"
    script = (f"d=$(mktemp -d) && cat > $d/Dockerfile <<'EOF'\n{text}\nEOF\n"
              f"docker build -q -t {p.tag}-tmp $d && docker tag {p.tag}-tmp {p.tag} && docker rmi {p.tag}-tmp "
              f"&& rm -rf $d")
    return [Run(["sh", "-c", script])]
