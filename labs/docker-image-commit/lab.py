"""Docker: commit a container to an image, tag it for a private registry, save it with its layers."""

import json
import re
import tarfile

from kubelab.cluster.api import lab_image
from kubelab.graders import docker_extra as dx
from kubelab.graders.meaning import same_image
from kubelab.graders.errors import Failed, expect_equal
from kubelab.labs.model import DOCKER_LABEL, Lab, Params, Run

P = Params(
    source="kl-src",                                 # the container whose changes become an image
    base="busybox",                                  # image catalog key it runs
    file="/snap.txt",                                # the file it writes ...
    text="snapshot",                                 # ... with this content
    tag="kl-snap:v1",                                # the committed image
    author="kubelab",                                # docker commit -a
    registry_tag="127.0.0.1:5000/kubelab/snap:v1",   # the name a private registry at 127.0.0.1:5000 needs
    tar="/tmp/kubelab-snap.tar",                     # where the image is saved
)
BASE = lab_image(P.base)
LAB_ID = "docker-image-commit"

lab = Lab(
    id=LAB_ID,
    title="Commit, tag for a private registry, save",
    topic="docker",
    shape="docker",
    minutes=12,
    params=P,
    docker={"containers": [P.source], "images": [P.tag, P.registry_tag], "files": [P.tar]},
    task=f"""\
Turn a container's changes into an image and get the image ready to move.

1. Run a container `{P.source}` from `{BASE}` that writes `{P.text}` to `{P.file}` (it may exit afterwards).
2. **Commit** `{P.source}` as the image `{P.tag}`, with the author `{P.author}`.
3. Give the image the name a private registry listening on `127.0.0.1:5000` needs:
   `{P.registry_tag}` (no registry runs here, so do not push - the name is what is graded).
4. **Save** `{P.tag}` with its layers and history to `{P.tar}` (a tar that `docker load` reads back;
   `docker export` would write a container's flat file system instead).""",
)


@lab.check("image-exists", f"Image {P.tag} exists", points=1,
           hint=f"`docker commit ... {P.source} {P.tag}`; `docker images` lists local images")
def image_exists(ctx):
    return dx.image_exists(ctx.docker, P.tag)


@lab.check("image-has-file", f"{P.tag} holds {P.file} with '{P.text}'", points=2, requires=["image-exists"],
           hint=f"the container must write the file before you commit: "
                f"`docker run --name {P.source} {BASE} sh -c 'echo {P.text} > {P.file}'`")
def image_has_file(ctx):
    return dx.image_run_prints(ctx.docker, P.tag, ["cat", P.file], P.text, labels={DOCKER_LABEL: LAB_ID})


@lab.check("author", f"{P.tag} was committed with author {P.author}", points=1, requires=["image-exists"],
           hint=f"`docker commit -a {P.author} ...` (`--author`); `docker inspect -f '{{{{.Author}}}}' {P.tag}` shows it")
def author(ctx):
    found = (dx.must_inspect_image(ctx.docker, P.tag).get("Author") or "").strip()
    # `-a "kubelab <kubelab@example.com>"` (docker's own example form) names the same author
    if P.author and re.fullmatch(rf"{re.escape(P.author)}\s*<[^<>]*>", found):
        return f"image {P.tag} author is {found}"
    return expect_equal(f"image {P.tag} author", P.author, found)


@lab.check("keeps-layers", f"{P.tag} keeps {BASE}'s layers plus one (commit, not export/import)", points=1,
           requires=["image-exists"],
           hint="`docker commit` adds the container layer on top of the image's layers; "
                "`docker export | docker import` flattens everything into one new layer")
def keeps_layers(ctx):
    return dx.image_built_from(ctx.docker, P.tag, BASE)


@lab.check("registry-tag", f"{P.registry_tag} names the same image", points=2, requires=["image-exists"],
           hint=f"`docker tag {P.tag} {P.registry_tag}`: the registry host:port is the first part of the name")
def registry_tag(ctx):
    want = dx.must_inspect_image(ctx.docker, P.tag)["Id"]
    info = dx.inspect_image(ctx.docker, P.registry_tag)
    if info is None:
        raise Failed(f"image {P.registry_tag}: expected to exist, found nothing", expected="exists", found="nothing")
    return expect_equal(f"image ID of {P.registry_tag}", want[7:19], info["Id"][7:19])


@lab.check("saved-tar", f"{P.tar} is `docker save` output holding {P.tag}", points=2, requires=["image-exists"],
           hint=f"`docker save -o {P.tar} {P.tag}` (or `> {P.tar}`); `docker export` writes a container's "
                "file system without manifest.json, which `docker load` cannot read")
def saved_tar(ctx):
    try:
        with tarfile.open(ctx.host_path(P.tar)) as tar:
            names = tar.getnames()
            if "manifest.json" not in names:
                raise Failed(f"{P.tar}: expected an image archive with manifest.json, found a plain file system "
                             f"({len(names)} entries: docker export?)", expected="manifest.json", found="no manifest")
            manifest = json.load(tar.extractfile("manifest.json"))
    except (OSError, tarfile.TarError) as exc:
        raise Failed(f"{P.tar}: expected a tar archive, found {type(exc).__name__}: {exc}",
                     expected="tar archive", found="none") from exc
    tags = [t for entry in manifest for t in entry.get("RepoTags") or []]
    if not any(same_image(t, P.tag) for t in tags):  # kl-snap:v1 is docker.io/library/kl-snap:v1
        raise Failed(f"{P.tar}: expected image {P.tag}, found {', '.join(tags) or 'untagged images'}",
                     expected=P.tag, found=", ".join(tags) or "none")
    return f"{P.tar} holds {P.tag} ({len(manifest)} image(s))"


@lab.solution
def solution(p):
    author = ["-a", p.author] if p.author else []
    return [Run(["docker", "run", "--name", p.source, lab_image(p.base), "sh", "-c", f"echo {p.text} > {p.file}"]),
            Run(["docker", "commit", *author, p.source, p.tag]),
            Run(["docker", "tag", p.tag, p.registry_tag]),
            Run(["docker", "save", "-o", p.tar, p.tag])]


@lab.reset_steps
def reset_steps(p):
    return [Run(["docker", "rmi", "-f", p.tag, p.registry_tag, "localhost:5000/kubelab/snap:v1"], ok_codes=(0, 1)),
            Run(["rm", "-f", p.tar])]


lab.near_miss("no-author", "committed without -a", params={"author": ""}, fails=["author"])
lab.near_miss("export-import", "the image made with docker export | docker import: one flat layer, no author",
              after=lambda p: [Run(["sh", "-c", f"docker export {p.source} | docker import - {p.tag}"])],
              fails=["author", "keeps-layers", "registry-tag"])
lab.near_miss("exported-tar", "the tar written by docker export instead of docker save",
              after=lambda p: [Run(["sh", "-c", f"docker export -o {p.tar} {p.source}"])], fails=["saved-tar"])
lab.near_miss("wrong-registry", "tagged for localhost:5000 instead of 127.0.0.1:5000",
              params={"registry_tag": "localhost:5000/kubelab/snap:v1"}, fails=["registry-tag"])


@lab.variant("exec-then-commit", "a long-running container changed with docker exec, committed while it runs "
             "(long option names, a commit message), tagged with `docker image tag`, saved with `>`")
def exec_then_commit(p):
    short = lab_image(p.base).removeprefix("docker.io/library/")  # busybox:1.35.0, as students type it
    return [Run(["docker", "run", "-d", "--name", p.source, short, "sleep", "3600"]),
            Run(["docker", "exec", p.source, "sh", "-c", f"echo {p.text} > {p.file}"]),
            Run(["docker", "container", "commit", "--author", p.author, "--message", f"add {p.file}",
                 p.source, p.tag]),
            Run(["docker", "image", "tag", p.tag, p.registry_tag]),
            Run(["sh", "-c", f"docker save {p.tag} > {p.tar}"])]


@lab.variant("registry-name-first", "committed under the registry name with `-a 'NAME <email>'`, then tagged "
             "with the short name; both names saved, gzip-compressed (`docker load` reads that too)")
def registry_name_first(p):
    return [Run(["docker", "run", "--name", p.source, lab_image(p.base), "sh", "-c",
                 f"printf '%s\\n' {p.text} > {p.file}"]),
            Run(["docker", "commit", f"--author={p.author} <{p.author}@example.com>", p.source, p.registry_tag]),
            Run(["docker", "tag", p.registry_tag, p.tag]),
            Run(["sh", "-c", f"docker save {p.tag} {p.registry_tag} | gzip > {p.tar}"])]
