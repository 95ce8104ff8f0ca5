"""Autograde a whole class: replay each submission fenced in, then let nbgrader grade it.

    results = autograde_class(Path("course-nb"), "pods-basics", jobs=4)

For each submitted/<student>/<lab>/:
1. read the record (a missing or malformed record is not fatal to the batch: the submission
   is graded against nothing and its feedback names the reason);
2. replay it (kubelab.instructor.replay) in its own namespace / name prefix;
3. run `nbgrader autograde <lab> --student <student> --force` with $KUBELAB_REPLAY naming the
   replay spec, so that the grade cells check the replay. nbgrader runs one submission per
   gradebook transaction; here one at a time (a lock), with a snapshot of gradebook.db taken
   before and restored when nbgrader fails, so the gradebook is never left half-written;
4. remove the replay (namespace or containers) whatever happened.
Replays of different submissions overlap (`jobs`); labs that change cluster-scoped state run
one at a time with the lab's reset steps in between.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

NBGRADER_TIMEOUT = 300.0


@dataclass
class SubmissionResult:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"          # graded | error (the autograder's trouble, not the student's)
    reason: str = ""
    refused: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def submitted_students(course: Path, lab_id: str) -> list[str]:
    root = Path(course) / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / lab_id).is_dir())


def _env(spec_path: Path | None) -> dict:
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")  # nbgrader shells out to `alembic`
    env.pop("KUBELAB_REPLAY", None)
    if spec_path is not None:
        env["KUBELAB_REPLAY"] = str(spec_path)
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def nbgrader(course: Path, *args: str, spec_path: Path | None = None,
             timeout: float = NBGRADER_TIMEOUT) -> subprocess.CompletedProcess:
    """Run the nbgrader CLI of this environment in the course directory."""
    exe = Path(sys.executable).parent / "nbgrader"
    argv = [str(exe) if exe.exists() else "nbgrader", *args]
    try:
        return subprocess.run(argv, cwd=course, env=_env(spec_path), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(argv, 124, exc.stdout or "", f"nbgrader did not finish in {timeout:g} s")


class InProcessNbgrader:
    """nbgrader's own API (NbGraderAPI.autograde) in this process: the same work as the CLI
    without paying its start-up (~3-4 s) for every submission. Grade cells find their replay
    spec through $KUBELAB_REPLAY = the run's spec folder (set once, before any kernel starts)."""

    def __init__(self, course: Path):
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config.loader import PyFileConfigLoader

        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        cfg.CourseDirectory.root = str(course)
        self.api = NbGraderAPI(CourseDirectory(config=cfg), config=cfg)
        # nbgrader 0.9's gradebook trips SQLAlchemy's autoflush warning on every submission; it says
        # nothing to an instructor and would scroll the progress bar away
        warnings.filterwarnings("ignore", message=r".*not in session, add operation along", module=r"nbgrader\.")

    def autograde(self, lab_id: str, student: str) -> subprocess.CompletedProcess:
        out = self.api.autograde(lab_id, student, force=True, create=True)
        text = (out.get("log") or "") + (out.get("error") or "")
        return subprocess.CompletedProcess(["autograde", lab_id, student], 0 if out.get("success") else 1, text, "")


def _db(course: Path) -> Path:
    return Path(course) / "gradebook.db"


def snapshot(db: Path, dest: Path) -> bool:
    """A consistent copy of the gradebook (sqlite backup API); False when there is none yet."""
    if not db.exists():
        return False
    src, dst = sqlite3.connect(db), sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return True


def restore(db: Path, snap: Path, had: bool) -> None:
    if not had:
        db.unlink(missing_ok=True)
        return
    src, dst = sqlite3.connect(snap), sqlite3.connect(db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def read_score(course: Path, lab_id: str, student: str) -> tuple[float, float, dict]:
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{_db(course)}") as gb:
        try:
            sub = gb.find_submission(lab_id, student)
        except MissingEntry:
            return 0.0, 0.0, {}
        checks = {}
        for nb in sub.notebooks:
            for g in nb.grades:
                checks[g.name] = g.score
        return float(sub.score), float(sub.max_score), checks


def _ensure_notebook(course: Path, lab_id: str, folder: Path) -> str:
    """A submission whose notebook is missing or unreadable gets the released one (its grade cells
    are nbgrader's own anyway); the original is kept beside it. Returns a note, or ''."""
    import nbformat

    nb_path = folder / f"{lab_id}.ipynb"
    release = Path(course) / "release" / lab_id / f"{lab_id}.ipynb"
    try:
        nbformat.validate(nbformat.read(nb_path, as_version=4))
        return ""
    except FileNotFoundError:
        note = f"{nb_path.name} was missing from the submission"
    except Exception as exc:  # unreadable JSON, invalid notebook
        note = f"{nb_path.name} could not be read ({type(exc).__name__}); graded with the released notebook"
        shutil.move(nb_path, nb_path.with_suffix(".ipynb.unreadable"))
    if not release.exists():
        raise FileNotFoundError(f"{release} is missing: run `nbgrader generate_assignment {lab_id}` first")
    shutil.copy(release, nb_path)
    return note


class _Serial:
    def __init__(self, on: bool):
        self.lock = threading.Lock() if on else None

    def __enter__(self):
        if self.lock:
            self.lock.acquire()

    def __exit__(self, *exc):
        if self.lock:
            self.lock.release()


def _errored_checks(spec_path: Path) -> list[str]:
    """Checks whose grade cell met an infrastructure error (noted by kubelab.instructor.grade)."""
    import json

    from kubelab.instructor.grade import errors_path

    path = Path(errors_path(spec_path))
    if not path.exists():
        return []
    seen = []
    for line in path.read_text().splitlines():
        try:
            cid = json.loads(line)["check"]
        except (ValueError, KeyError, TypeError):
            continue
        if cid not in seen:
            seen.append(cid)
    path.unlink(missing_ok=True)
    return seen


def grade_one(course: Path, lab, student: str, gb_lock: threading.Lock, run: str,
              converge: float = 60.0, engine: InProcessNbgrader | None = None) -> SubmissionResult:
    """Replay, autograde and clean up one submission. Never raises."""
    from kubelab.instructor import replay as rp
    from kubelab.instructor.record import RECORD_NAME, RecordError, load_record

    start = time.monotonic()
    res = SubmissionResult(student, max_score=lab.max_points)
    folder = Path(course) / "submitted" / student / lab.id
    work = Path(course) / ".kubelab" / run
    work.mkdir(parents=True, exist_ok=True)
    spec = None
    try:
        try:
            rec = load_record(folder / RECORD_NAME, lab.id)
        except RecordError as exc:
            spec = rp.Replay(lab.id, student, lab.kind, fatal=str(exc))
        else:
            try:
                spec = rp.replay(lab, rec, student, run, converge)
            except Exception as exc:  # the replay machinery, not the student
                spec = rp.Replay(lab.id, student, lab.kind, fatal=f"the autograder could not replay it "
                                                                   f"({type(exc).__name__}: {exc})")
                res.status = "error"
        res.refused = list(spec.refused)
        reasons = [spec.fatal] if spec.fatal else []
        reasons += spec.notes
        try:
            note = _ensure_notebook(course, lab.id, folder)
        except Exception as exc:
            note = f"notebook: {exc}"
        if note:
            reasons.append(note)
            spec.notes.append(note)
        spec_path = spec.write(work / f"{student}.json")
        with gb_lock:
            db = _db(course)
            snap = work / f"{student}.gradebook.snapshot"
            had = snapshot(db, snap)
            if engine is not None:
                proc = engine.autograde(lab.id, student)
            else:
                proc = nbgrader(course, "autograde", lab.id, "--student", student, "--force", spec_path=spec_path)
            if proc.returncode != 0:
                restore(db, snap, had)
                tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln or "Error" in ln]
                res.status = "error"
                reasons.append("nbgrader autograde failed, gradebook left as it was: " + (" | ".join(tail[-3:])
                                                                                          or proc.stderr[-300:]))
            snap.unlink(missing_ok=True)
            score, max_score, checks = read_score(course, lab.id, student)
        errored = _errored_checks(spec_path)
        if errored:
            res.status = "error"
            reasons.append(f"could not be graded: {', '.join(errored)} (the autograder's trouble, not the "
                           f"student's): re-run `kubelab autograde {lab.id} --student {student}` once the "
                           "cluster answers")
        res.score, res.checks = score, checks
        res.max_score = max_score or lab.max_points
        res.reason = "; ".join(r for r in reasons if r)
        if res.refused:
            res.reason = "; ".join(x for x in [res.reason, f"refused: {len(res.refused)} object(s)"] if x)
    except Exception as exc:  # never lose the batch
        res.status, res.reason = "error", f"{type(exc).__name__}: {exc}"
    finally:
        if spec is not None:
            try:
                rp.cleanup(spec)
            except Exception as exc:
                res.reason += f"; clean-up failed: {exc}"
        res.seconds = time.monotonic() - start
    return res


def autograde_class(course: Path, lab_id: str, jobs: int = 1, students: list[str] | None = None,
                    converge: float = 60.0, on_done: Callable[[SubmissionResult], None] | None = None,
                    in_process: bool = True) -> list[SubmissionResult]:
    """Grade every submission of lab_id in the course directory; results in student order."""
    from concurrent.futures import ThreadPoolExecutor

    from kubelab.instructor.replay import serial_lab
    from kubelab.labs.actions import run_steps
    from kubelab.labs.registry import get_lab

    course = Path(course).resolve()
    lab = get_lab(lab_id)
    students = students if students is not None else submitted_students(course, lab_id)
    serial = serial_lab(lab)
    jobs = 1 if serial else max(1, jobs)
    gb_lock = threading.Lock()
    run = uuid.uuid4().hex[:6]
    engine = None
    saved = {k: os.environ.get(k) for k in ("KUBELAB_REPLAY", "PATH")}
    if in_process:
        (course / ".kubelab" / run).mkdir(parents=True, exist_ok=True)
        env = _env(course / ".kubelab" / run)
        os.environ["PATH"], os.environ["KUBELAB_REPLAY"] = env["PATH"], env["KUBELAB_REPLAY"]
        engine = InProcessNbgrader(course)

    def one(student: str) -> SubmissionResult:
        res = grade_one(course, lab, student, gb_lock, run, converge, engine)
        if serial:
            try:
                run_steps(lab.extra_reset_steps())
            except Exception as exc:
                res.reason += f"; reset after grading failed: {exc}"
        if on_done:
            on_done(res)
        return res

    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, students))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    shutil.rmtree(course / ".kubelab" / run, ignore_errors=True)
    return results


def summary_table(lab_id: str, results: list[SubmissionResult], seconds: float):
    from rich.table import Table

    table = Table(title=f"autograde {lab_id}: {len(results)} submission(s) in {seconds:.0f} s", title_justify="left")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("status")
    table.add_column("reason / refused", overflow="fold", ratio=1)
    for r in results:
        why = r.reason
        if r.refused:
            why = "; ".join([r.reason] + r.refused) if r.reason else "; ".join(r.refused)
        table.add_row(r.student, f"{r.score:g}/{r.max_score:g}",
                      "[green]graded[/]" if r.status == "graded" else f"[yellow]{r.status}[/]", why)
    return table
