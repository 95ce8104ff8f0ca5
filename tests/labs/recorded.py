"""What the live lab tests leave for the replay test: the Submit record of every lab state they
reach (untouched, the reference, each near-miss, each variant) with the live verdicts.

The lab's tests and its replay test share an xdist group, so they run in one process, in that
order (tests/conftest.py): the replay test replays these records instead of making each state
again, and makes a state itself only when it is missing (e.g. the replay test run alone).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Recorded:
    state: str                      # "untouched", "reference", "near-miss/<id>", "variant/<id>"
    folder: Path | None             # the submission folder (record + sidecars); None when recording failed
    verdicts: dict[str, str]        # check id -> live verdict ("passed", "failed", "skipped", "error")
    free: frozenset = field(default_factory=frozenset)  # checks whose verdict is not compared (a near-miss's `changes`)
    error: str = ""


RECORDS: dict[str, dict[str, Recorded]] = {}   # lab id -> state -> Recorded
_root: list[Path] = []


def _dir() -> Path:
    if not _root:
        _root.append(Path(tempfile.mkdtemp(prefix="kubelab-records-")))
        atexit.register(shutil.rmtree, _root[0], True)
    return _root[0]


def keep(lab, state: str, result, free=()) -> Recorded:
    """Write the record of the lab's live state (what the Submit cell writes) and remember it."""
    from kubelab.instructor.record import build_record, write_record, write_sidecars

    if lab.not_autogradable:   # no replay test for it: nothing to record
        kept = Recorded(state, None, result.verdicts(), frozenset(free), error="not class-autogradable")
        RECORDS.setdefault(lab.id, {})[state] = kept
        return kept
    folder = _dir() / lab.id / state.replace("/", "--")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    verdicts = result.verdicts()
    try:
        rec = build_record(lab, result=result)
        write_sidecars(rec, folder)
        write_record(rec, folder)
        kept = Recorded(state, folder, verdicts, frozenset(free))
    except Exception as exc:  # the replay test reports it; the live test's own verdicts stand
        kept = Recorded(state, None, verdicts, frozenset(free), error=f"{type(exc).__name__}: {exc}")
    RECORDS.setdefault(lab.id, {})[state] = kept
    return kept
