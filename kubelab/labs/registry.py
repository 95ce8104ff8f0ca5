"""Find and load lab folders (labs/<id>/lab.py).

Each lab.py is imported under the unambiguous module name `kubelab_lab_content.<id>` (dashes
become underscores), so two labs never collide with each other or with a real package.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from kubelab.labs.model import Lab

MODULE_PREFIX = "kubelab_lab_content"


class LabLoadError(Exception):
    """A lab folder could not be loaded; the message names the file and the problem."""


def labs_dir() -> Path:
    """$KUBELAB_LABS_DIR, or the labs/ folder of the checkout this package runs from."""
    env = os.environ.get("KUBELAB_LABS_DIR")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2] / "labs"


def lab_folders(root: Path | None = None) -> list[Path]:
    root = root or labs_dir()
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_folder(folder: Path) -> Lab:
    """Import folder/lab.py and return its `lab`. Raises LabLoadError naming the file."""
    path = folder / "lab.py"
    if not path.is_file():
        raise LabLoadError(f"{path}: missing (every lab folder needs a lab.py that defines `lab`)")
    mod_name = f"{MODULE_PREFIX}.{folder.name.replace('-', '_')}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(MODULE_PREFIX, type(sys)(MODULE_PREFIX))
    try:
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(mod_name, None)
        tb = exc.__traceback__
        line = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = tb.tb_lineno
            tb = tb.tb_next
        if isinstance(exc, SyntaxError):
            line = exc.lineno
        where = f"{path}:{line}" if line else str(path)
        raise LabLoadError(f"{where}: {type(exc).__name__}: {exc}") from exc
    lab = getattr(module, "lab", None)
    if not isinstance(lab, Lab):
        raise LabLoadError(f"{path}: defines no `lab = Lab(...)`")
    lab.folder = folder
    return lab


_loaded: dict[Path, Lab] = {}


def _load_cached(folder: Path, reload: bool = False) -> Lab:
    folder = folder.resolve()
    if reload or folder not in _loaded:
        _loaded[folder] = load_folder(folder)
    return _loaded[folder]


def all_labs(root: Path | None = None, *, reload: bool = False) -> dict[str, Lab]:
    """Every loadable lab by id (lint reports the ones that do not load)."""
    labs: dict[str, Lab] = {}
    for folder in lab_folders(root or labs_dir()):
        try:
            lab = _load_cached(folder, reload)
        except LabLoadError:
            continue
        labs.setdefault(lab.id, lab)
    return labs


def get_lab(lab_id: str, root: Path | None = None) -> Lab:
    """The lab with this id. Raises KeyError listing the known ids, LabLoadError for a broken folder."""
    root = root or labs_dir()
    folder = root / lab_id
    if folder.is_dir():
        lab = _load_cached(folder)
        if lab.id == lab_id:
            return lab
    labs = all_labs(root)
    if lab_id in labs:
        return labs[lab_id]
    raise KeyError(f"no lab {lab_id!r}; labs: {', '.join(sorted(labs)) or '(none)'}")
