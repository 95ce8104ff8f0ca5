"""Validate every lab folder without a cluster.

Each problem names the file (and line where known) and says what is wrong:
ids unique and well-formed, points numeric, titles/hints/task/solution present, near-misses
naming real checks and parameters, images from the catalog (variants may spell them differently),
rendered files in sync. Two warnings fail lint too, because such a check fails every student who
picks another name: a check path that selects by a literal name instead of a lab parameter
(`[name=data]`), and one that selects by a parameter whose value the task text never states."""

from __future__ import annotations

import ast
import numbers
import re
from dataclasses import dataclass
from pathlib import Path

from kubelab.labs.model import ID_RE, SHAPES, TOPICS, Apply, Lab, Run
from kubelab.labs.registry import LabLoadError, lab_folders, labs_dir, load_folder

MIN_VARIANTS = 2  # correct alternative solutions every lab proves (a correct answer marked wrong is a defect)


@dataclass
class Problem:
    path: str
    message: str
    level: str = "error"   # "warning": still a problem (lint fails), but about grading, not the format

    def __str__(self) -> str:
        return f"{self.path}: {'warning: ' if self.level == 'warning' else ''}{self.message}"


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def lint_lab(lab: Lab) -> list[Problem]:
    folder = lab.folder
    labpy = _rel(folder / "lab.py")
    out: list[Problem] = []

    def add(msg: str, where: str = labpy) -> None:
        out.append(Problem(where, msg))

    if lab.id != folder.name:
        add(f"lab id {lab.id!r} must equal the folder name {folder.name!r}")
    if not ID_RE.match(lab.id):
        add(f"lab id {lab.id!r} is not well-formed (lower-case words joined by '-')")
    if not str(lab.title).strip():
        add("title is empty")
    if lab.topic not in TOPICS:
        add(f"topic {lab.topic!r} is not one of {', '.join(TOPICS)}")
    if lab.shape not in SHAPES:
        add(f"shape {lab.shape!r} is not one of {', '.join(SHAPES)}")
    if not isinstance(lab.minutes, int) or isinstance(lab.minutes, bool) or lab.minutes <= 0:
        add(f"minutes must be a positive whole number, found {lab.minutes!r}")
    if not str(lab.task).strip():
        add("task text is empty")
    if lab.shape != "docker" and not lab.namespace:
        add("a cluster lab needs a namespace (e.g. namespace=f\"lab-{id}\")")
    if lab.shape == "docker" and not lab.docker.get("containers"):
        add("a Docker lab must name its containers in docker={'containers': [...]} so that reset removes them")
    if not lab.checks:
        add("declares no checks")

    seen: set[str] = set()
    for c in lab.checks:
        where = f"{labpy}:{c.fn.__code__.co_firstlineno}" if hasattr(c.fn, "__code__") else labpy
        if not isinstance(c.id, str) or not ID_RE.match(c.id):
            add(f"check id {c.id!r} is not well-formed (lower-case words joined by '-')", where)
        if c.id in seen:
            add(f"check id {c.id!r} is declared twice", where)
        seen.add(c.id)
        if isinstance(c.points, bool) or not isinstance(c.points, numbers.Real):
            add(f"check {c.id!r}: points must be a number, found {c.points!r}", where)
        elif c.points <= 0:
            add(f"check {c.id!r}: points must be positive, found {c.points!r}", where)
        if not str(c.title).strip():
            add(f"check {c.id!r}: title is empty", where)
        if not str(c.hint).strip():
            add(f"check {c.id!r}: hint is missing", where)
        for r in c.requires:
            if r not in seen or r == c.id:
                add(f"check {c.id!r} requires {r!r}, which is not a check declared before it", where)
        if c.record_only and lab.shape == "docker":
            add(f"check {c.id!r}: record_only is for cluster labs (the record keeps Kubernetes reads only)", where)

    scope = lab.node_scope
    if scope is not None:
        if lab.shape == "docker":
            add("node_scope is for cluster labs")
        elif not scope.nodes or not (scope.labels or scope.taints or scope.cordon):
            add("node_scope names no node, or no label key, taint key or cordon on it")
        elif lab._reset is None:
            add("node_scope without @lab.reset_steps: autograde re-applies node state and needs the steps that undo it")

    for name in ("cluster_wide", "not_autogradable"):
        if not isinstance(getattr(lab, name), str):
            add(f"{name} must be a text (the reason), found {getattr(lab, name)!r}")
    if lab.cluster_wide:
        if lab.shape == "docker":
            add("cluster_wide is for cluster labs")
        if lab._reset is None:
            add("cluster_wide without @lab.reset_steps: reset must put the cluster back "
                "(`python -m kubelab.cluster.system restore <part>`)")
        if not lab.not_autogradable:
            add("cluster_wide but class-autogradable: a class replay runs in a sandbox namespace and cannot "
                "re-create what breaks the whole cluster; say why in not_autogradable=\"...\"")

    try:
        steps = lab.solution_steps()
    except Exception as exc:
        steps = None
        add(f"the solution does not render: {type(exc).__name__}: {exc}")
    if steps is not None and not steps:
        add("reference solution is missing (declare @lab.solution returning steps)")
    for step in steps or []:
        if not isinstance(step, (Apply, Run)):
            add(f"solution step {step!r} is neither Apply(...) nor Run([...])")
    out += _image_problems(lab, steps or [], labpy)
    out += literal_name_problems(lab)

    if not lab.near_misses:
        add("declares no near-miss (lab.near_miss(...): a solution with one mistake and the check that must fail)")
    nm_ids: set[str] = set()
    for nm in lab.near_misses:
        if nm.id in nm_ids:
            add(f"near-miss {nm.id!r} is declared twice")
        nm_ids.add(nm.id)
        if not nm.fails:
            add(f"near-miss {nm.id!r} names no check that must fail")
        for cid in (*nm.fails, *nm.changes):
            if cid not in seen:
                add(f"near-miss {nm.id!r} names check {cid!r}, which the lab does not declare")
        unknown = set(nm.params) - set(lab.params)
        if unknown:
            add(f"near-miss {nm.id!r} changes unknown parameter(s) {', '.join(sorted(unknown))}")
        if not nm.params and not nm.after:
            add(f"near-miss {nm.id!r} changes nothing (give params={{...}} or after=...)")
        try:
            lab.near_miss_steps(nm)
        except Exception as exc:
            add(f"near-miss {nm.id!r} does not render: {type(exc).__name__}: {exc}")

    if len(lab.variants) < MIN_VARIANTS:
        add(f"declares {len(lab.variants)} variant(s); every lab proves at least {MIN_VARIANTS} correct solutions "
            "written differently from the reference (lab.variant(...): imperative vs YAML, short image names, "
            "other units, named ports ...)")
    v_ids: set[str] = set()
    for v in lab.variants:
        if v.id in v_ids or v.id in nm_ids:
            add(f"variant {v.id!r} is declared twice (variant and near-miss ids share one space)")
        v_ids.add(v.id)
        if not ID_RE.match(v.id):
            add(f"variant id {v.id!r} is not well-formed (lower-case words joined by '-')")
        unknown = set(v.params) - set(lab.params)
        if unknown:
            add(f"variant {v.id!r} changes unknown parameter(s) {', '.join(sorted(unknown))}")
        try:
            vsteps = lab.variant_steps(v)
        except Exception as exc:
            add(f"variant {v.id!r} does not render: {type(exc).__name__}: {exc}")
            continue
        if not vsteps:
            add(f"variant {v.id!r} has no steps")
        elif steps is not None and [step_key(s) for s in vsteps] == [step_key(s) for s in steps]:
            add(f"variant {v.id!r} is the reference solution itself; write it differently")
        for img in _step_images(vsteps):
            if not _in_catalog(img):
                add(f"variant {v.id!r} uses image {img!r}, which is no spelling of a catalog image "
                    f"(a variant may write a catalog reference differently, e.g. nginx:1.22.1, but not another image)")

    if not out:
        out += _render_problems(lab)
    return out


_NAME_SELECTOR = re.compile(r"\[name=([^\]]*)\]")
_HOLE = "\0"  # where an f-string interpolates a value


def _param_keys(params) -> dict[str, str]:
    """{value as text: parameter key} for the lab's scalar parameters."""
    return {str(v): k for k, v in dict(params).items() if isinstance(v, (str, int)) and not isinstance(v, bool)}


def literal_name_problems(lab: Lab) -> list[Problem]:
    """Field paths in lab.py that select a list item by a literal name (`spec.volumes[name=data]`)
    instead of a lab parameter (`[name={P.volume}]`). If the task fixes the name, it must come from
    the parameter the task text shows; if the task does not, a student who picks another name loses
    the check, so the check must find the item by what the task fixes (e.g. the volume that mounts
    the claim)."""
    path = lab.folder / "lab.py" if lab.folder else None
    if path is None or not path.exists():
        return []
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError:
        return []
    keys = _param_keys(lab.params)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            problems += _unstated_name_problems(lab, node, path)
            text = "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else _HOLE
                           for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        for m in _NAME_SELECTOR.finditer(text):
            name = m.group(1)
            if _HOLE in name:
                continue
            same = f" (P.{keys[name]} is {name!r}: if that is the name meant, write [name={{P.{keys[name]}}}])" \
                if name in keys else ""
            problems.append(Problem(
                f"{_rel(path)}:{node.lineno}",
                f"a field path selects [name={name}], a literal name, not taken from a lab parameter{same}; a name the task "
                f"does not fix fails every correct solution that picks another: find the item by what the task "
                f"fixes instead", level="warning"))
    return problems


def _unstated_name_problems(lab: Lab, node: ast.JoinedStr, path: Path) -> list[Problem]:
    """`[name={P.key}]` where the task text never shows P.key's value: the student cannot know the name."""
    out = []
    parts = node.values
    for before, value in zip(parts, parts[1:]):
        if not (isinstance(before, ast.Constant) and isinstance(before.value, str) and before.value.endswith("[name=")
                and isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.Attribute)
                and isinstance(value.value.value, ast.Name) and value.value.value.id in ("P", "p")):
            continue
        key = value.value.attr
        if key in lab.params and f"{lab.params[key]}" not in str(lab.task):
            out.append(Problem(f"{_rel(path)}:{node.lineno}",
                               f"a field path selects [name={{P.{key}}}] ({lab.params[key]!r}), a name the task text "
                               f"never states: state it in the task or find the item by what the task fixes",
                               level="warning"))
    return out


def step_key(step) -> str:
    """A step as text, to tell a variant from the reference."""
    from kubelab.labs.actions import step_text

    return step_text(step)


def _image_problems(lab: Lab, steps: list, labpy: str) -> list[Problem]:
    from kubelab.cluster.api import image_catalog

    refs = {v["ref"] for v in image_catalog().values()}
    problems = []
    for step in steps:
        if not isinstance(step, Apply):
            continue
        for doc in step.docs():
            for img in _images_in(doc):
                if img not in refs:
                    problems.append(Problem(labpy, f"solution uses image {img!r}, which is not in the image catalog "
                                                   f"(use lab_image(key) with a key from cluster/images.yaml)"))
    return problems


def _in_catalog(img: str) -> bool:
    from kubelab.cluster.api import image_catalog
    from kubelab.graders.meaning import same_image

    return any(same_image(img, v["ref"]) for v in image_catalog().values())


def _step_images(steps: list) -> list[str]:
    """Images a list of steps runs: `image:` in applied manifests and `--image=` of kubectl."""
    found = []
    for step in steps:
        if isinstance(step, Apply):
            for doc in step.docs():
                found += _images_in(doc)
        elif isinstance(step, Run) and step.argv and step.argv[0] == "kubectl":
            found += [a.split("=", 1)[1] for a in step.argv if a.startswith("--image=")]
    return found


def _images_in(obj) -> list[str]:
    found = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "image" and isinstance(v, str):
                found.append(v)
            else:
                found += _images_in(v)
    elif isinstance(obj, list):
        for v in obj:
            found += _images_in(v)
    return found


def _render_problems(lab: Lab) -> list[Problem]:
    from kubelab.labs.render import rendered_files

    try:
        files = rendered_files(lab)
    except Exception as exc:
        return [Problem(_rel(lab.folder / "notebook.py"), f"rendering fails: {type(exc).__name__}: {exc}")]
    problems = []
    for name, text in files.items():
        path = lab.folder / name
        if not path.exists():
            problems.append(Problem(_rel(path), f"missing; run `kubelab lab render {lab.id}`"))
        elif path.read_text() != text:
            problems.append(Problem(_rel(path), f"out of date with lab.py; run `kubelab lab render {lab.id}`"))
    return problems


def lint_all(root: Path | None = None) -> list[Problem]:
    """Problems in every lab folder under root (labs/ by default); [] when all are fine."""
    root = root or labs_dir()
    problems: list[Problem] = []
    ids: dict[str, Path] = {}
    folders = lab_folders(root)
    if not folders:
        return [Problem(_rel(root), "no lab folders found")]
    for folder in folders:
        try:
            lab = load_folder(folder)
        except LabLoadError as exc:
            where, _, what = str(exc).partition(": ")
            problems.append(Problem(_rel(Path(where)), what or str(exc)))
            continue
        if lab.id in ids:
            problems.append(Problem(_rel(folder / "lab.py"), f"lab id {lab.id!r} is also used by {_rel(ids[lab.id])}"))
        ids[lab.id] = folder
        problems += lint_lab(lab)
    return problems
