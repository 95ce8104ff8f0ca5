"""Autograde runs kubelab's locked cells only: nothing a student typed executes on the instructor's machine.

nbgrader's Autograde executes every code cell of a submitted notebook in a kernel with the
instructor's rights (kubeconfig, Docker socket, gradebook). The notebook is only the form here;
the record is the submission. The generated nbgrader_config.py therefore puts these steps
(kubelab.instructor.preprocessors; the logic is here, on plain nbformat notebooks) around
nbgrader's own preprocessors (nbgrader itself is unchanged):

    sanitize:  ClearOutput, Inspect, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata
    autograde: Guard, CleanExecute (nbgrader's Execute, in an empty folder), Restore, IgnorePattern, ..., SaveAutoGrades

- `Inspect` compares the submitted notebook with the gradebook's source cells (never with what the
  notebook says about itself) and notes changed, missing or duplicated locked cells and added code;
- `Guard`, the last step before execution, lets a code cell run only when its grade_id names one of
  kubelab's locked code cells in the gradebook (a grade cell, Submit, the report), at most once,
  with the gradebook's source and metadata; every other code cell is emptied (its text held aside);
- `CleanExecute` starts the kernel in an empty folder, not among the submission's files (a submitted
  `kubelab/` or `ipykernel_launcher.py` would otherwise be imported from the working directory);
- `Restore` puts the held text back, so the feedback and formgrader show what the student wrote.

A flagged notebook gets a notice cell at the top of its feedback, and `kubelab autograde` lists the
flags in its summary (the notebook's metadata `kubelab_autograde`, written by Inspect).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

META = "kubelab_autograde"          # notebook metadata: what Inspect found (overwritten, never trusted)
HELD = "kubelab_held_source"        # cell metadata: the text Guard held aside during execution
NOTICE_TAG = "kubelab-autograde-notice"
RUN_IDS = ("submit", "replay-report")  # kubelab's locked code cells that run besides the grade cells


@dataclass(frozen=True)
class SourceCell:
    """One cell as the instructor released it (the gradebook's copy)."""
    name: str
    cell_type: str
    locked: bool
    source: str
    grade: bool = False
    solution: bool = False
    points: float | None = None
    checksum: str | None = None

    @property
    def runs(self) -> bool:
        return self.cell_type == "code" and self.locked and (self.grade or self.name in RUN_IDS)


@dataclass
class Findings:
    changed: list = field(default_factory=list)     # locked cells whose text or type differ
    missing: list = field(default_factory=list)     # locked cells not in the notebook
    duplicated: list = field(default_factory=list)  # grade ids that several cells claim
    added: int = 0                                  # code cells the release did not have (holding code)
    edited: list = field(default_factory=list)      # editable cells that hold code

    @property
    def flags(self) -> list[str]:
        out = []
        if self.changed:
            out.append("changed locked cells: " + ", ".join(self.changed))
        if self.missing:
            out.append("missing locked cells: " + ", ".join(self.missing))
        if self.duplicated:
            out.append("cells claiming the same id: " + ", ".join(self.duplicated))
        if self.added:
            out.append(f"added code cells: {self.added}")
        if self.edited:
            out.append("code in editable cells: " + ", ".join(self.edited))
        return out

    def to_dict(self) -> dict:
        return {"flags": self.flags, "changed": self.changed, "missing": self.missing,
                "duplicated": self.duplicated, "added": self.added, "edited": self.edited}


def has_code(source: str) -> bool:
    """True when a cell holds anything but comments and blank lines (shell `!` and `%magic` count)."""
    return any(line.strip() and not line.strip().startswith("#") for line in str(source).splitlines())


def _gid(cell) -> str | None:
    meta = cell.get("metadata") or {}
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return gid if isinstance(gid, str) else None


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _meta_changed(cell, sc: SourceCell) -> bool:
    """A locked cell's metadata made to skip, or to score differently."""
    meta = cell.get("metadata") or {}
    nbg = meta.get("nbgrader") or {}
    tags = meta.get("tags") or []
    return (not isinstance(tags, list) or "skip-execution" in tags or bool(nbg.get("grade")) != sc.grade
            or not nbg.get("locked") or (sc.grade and nbg.get("points") != sc.points))


def inspect(nb, cells: dict[str, SourceCell]) -> Findings:
    """What the submission changed against the release (the gradebook's source cells). Claims that mean
    nothing are taken away (nbgrader would otherwise fail the whole notebook on them): nbgrader metadata
    naming no released cell, and every claimant of a released id but one (the one with the released
    text, else the last, as nbgrader's DeduplicateIds keeps); that one gets the released metadata."""
    found = Findings()
    claims: dict[str, list] = {}
    for cell in nb.cells:
        gid = _gid(cell)
        if gid in cells:
            claims.setdefault(gid, []).append(cell)
            continue
        if "nbgrader" in (cell.get("metadata") or {}):
            cell["metadata"].pop("nbgrader")
        if cell.get("cell_type") == "code" and has_code(_source(cell)):
            found.added += 1
    kept = {}
    for name, mine in claims.items():
        kept[name] = next((c for c in mine if _source(c) == cells[name].source), mine[-1])
        if len(mine) > 1:
            found.duplicated.append(name)
            for c in mine:
                if c is not kept[name]:
                    c["metadata"].pop("nbgrader")
                    if c.get("cell_type") == "code" and has_code(_source(c)):
                        found.added += 1
    for name, sc in cells.items():
        cell = kept.get(name)
        if sc.locked:
            if cell is None:
                found.missing.append(name)
            elif _source(cell) != sc.source or cell.get("cell_type") != sc.cell_type or _meta_changed(cell, sc):
                found.changed.append(name)
        elif cell is not None and has_code(_source(cell)) and _source(cell) != sc.source:
            found.edited.append(name)
        if cell is not None:  # nbgrader's own checks then never fail on a student's metadata
            cell["metadata"]["nbgrader"] = _nbgrader_meta(sc)
    return found


def _nbgrader_meta(sc: SourceCell) -> dict:
    """The cell's nbgrader metadata as released (from the gradebook)."""
    meta = {"grade": sc.grade, "grade_id": sc.name, "locked": sc.locked, "schema_version": 3,
            "solution": sc.solution, "task": False}
    if sc.grade:
        meta["points"] = float(sc.points or 0.0)
    if sc.checksum:
        meta["checksum"] = sc.checksum
    return meta


def _canonical_meta(sc: SourceCell) -> dict:
    return {"nbgrader": _nbgrader_meta(sc), "editable": False, "deletable": False}


def guard(nb, cells: dict[str, SourceCell]) -> list[int]:
    """Empty every code cell that is not one of kubelab's locked cells (text kept in metadata);
    give the ones that run the gradebook's source and metadata. Returns the indexes emptied."""
    held, seen = [], set()
    for i, cell in enumerate(nb.cells):
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            cell["metadata"] = meta = {}
        meta.pop(HELD, None)  # a student's own value means nothing
        if cell.get("cell_type") != "code":
            continue
        gid = _gid(cell)
        sc = cells.get(gid) if gid else None
        if sc is not None and sc.runs and gid not in seen:
            seen.add(gid)
            cell["source"] = sc.source
            cell["metadata"] = _canonical_meta(sc)  # no skip-execution tag, no student metadata
            continue
        meta[HELD] = _source(cell)
        cell["source"] = ""
        cell["outputs"], cell["execution_count"] = [], None
        held.append(i)
    return held


def restore(nb) -> None:
    """Put back the text Guard held aside (after execution)."""
    for cell in nb.cells:
        meta = cell.get("metadata") or {}
        if HELD in meta:
            cell["source"] = meta.pop(HELD)


def notice_text(flags: list[str]) -> str:
    return ("**Autograder:** your notebook's code cells were not run; only the instructor's locked cells "
            "(Submit, the grade cells, the report) ran, and your work was graded from your record. "
            + "; ".join(flags) + ".")


def add_notice(nb, flags: list[str]) -> None:
    import nbformat

    nb.cells = [c for c in nb.cells if NOTICE_TAG not in ((c.get("metadata") or {}).get("tags") or [])]
    if not flags:
        return
    cell = nbformat.v4.new_markdown_cell(notice_text(flags))
    cell["id"] = f"kubelab-notice-{uuid.uuid4().hex[:8]}"
    cell.metadata = {"tags": [NOTICE_TAG]}
    nb.cells.insert(0, cell)


def flags_of(nb) -> list[str]:
    """The flags Inspect wrote into an autograded notebook."""
    meta = (nb.get("metadata") or {}).get(META) or {}
    flags = meta.get("flags") if isinstance(meta, dict) else None
    return [str(f) for f in flags] if isinstance(flags, list) else []


def gradebook_cells(db_url: str, notebook_id: str, assignment_id: str) -> dict[str, SourceCell]:
    from nbgrader.api import Gradebook

    with Gradebook(db_url) as gb:
        nbk = gb.find_notebook(notebook_id, assignment_id)
        grades = {c.name: c.max_score for c in nbk.grade_cells}
        solutions = {c.name for c in nbk.solution_cells}
        return {c.name: SourceCell(c.name, c.cell_type, bool(c.locked), c.source or "", c.name in grades,
                                   c.name in solutions, grades.get(c.name), c.checksum)
                for c in nbk.source_cells}
