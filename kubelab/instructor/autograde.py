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

nbgrader runs only kubelab's locked cells (the course's nbgrader_config.py, kubelab.instructor.fence);
`check_config` refuses a course whose config would run the students' cells. Each result says whose
fault a zero is (kubelab.instructor.outcome: graded, or regrade for the autograder's own trouble,
which records no 0), what the notebook changed (flags), and how many points were verified live.
"""

from __future__ import annotations

import json
import os
import re
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

from kubelab.instructor.outcome import GRADED, REGRADE

NBGRADER_TIMEOUT = 300.0


class UnsafeConfig(RuntimeError):
    """The course's nbgrader_config.py would let nbgrader run the students' cells."""


def check_config(course: Path, cfg=None) -> None:
    """Refuse a course whose autograde steps are not kubelab's fence (built by an older kubelab, or edited)."""
    from nbgrader.preprocessors import Execute, OverwriteCells

    from kubelab.instructor.preprocessors import CleanExecute, Guard, Inspect, Restore

    if cfg is None:
        from traitlets.config.loader import PyFileConfigLoader

        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    auto = list(cfg.Autograde.get("autograde_preprocessors") or [])
    sani = list(cfg.Autograde.get("sanitize_preprocessors") or [])
    ok = (Guard in auto and CleanExecute in auto and Restore in auto
          and auto.index(CleanExecute) == auto.index(Guard) + 1 and auto.index(Restore) > auto.index(CleanExecute)
          and not any(p is Execute or (isinstance(p, str) and p.endswith(".Execute")) for p in auto)
          and Inspect in sani and OverwriteCells in sani and sani.index(Inspect) < sani.index(OverwriteCells))
    if not ok:
        raise UnsafeConfig(f"{Path(course) / 'nbgrader_config.py'} would run the students' notebook cells under "
                           f"autograde (not kubelab's autograde steps): run `kubelab instructor build --course "
                           f"{course}` again (it rewrites nbgrader_config.py and the source notebooks), then "
                           f"`nbgrader generate_assignment <lab> --force`")


@dataclass
class SubmissionResult:
    student: str
    score: float | None = 0.0        # None: not graded (status regrade)
    max_score: float = 0.0
    status: str = GRADED            # graded | regrade (the autograder's trouble: no 0 recorded for it)
    reason: str = ""
    refused: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)   # what the notebook changed (its code was not run)
    verified: str = ""                          # "verified live X of Y points, from the record Z"
    live_points: float = 0.0
    record_points: float = 0.0
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
        check_config(course, cfg)
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


def notebook_flags(course: Path, lab_id: str, student: str) -> list[str]:
    """What the fence noted about the notebook (kubelab.instructor.fence.Inspect, in the autograded copy)."""
    import nbformat

    from kubelab.instructor.fence import flags_of

    path = Path(course) / "autograded" / student / lab_id / f"{lab_id}.ipynb"
    try:
        return flags_of(nbformat.read(path, as_version=4))
    except Exception:
        return []


CODE_SUFFIXES = (".py", ".pyc", ".pth", ".so", ".ipynb")


def code_files(folder: Path, lab_id: str, limit: int = 5) -> list[str]:
    """Code files a submission carries besides its notebook (nbgrader copies them; nothing imports them)."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder)
        if rel.parts[0] in ("kubelab-files", ".ipynb_checkpoints") or str(rel) == f"{lab_id}.ipynb":
            continue
        if path.suffix in CODE_SUFFIXES and path.is_file():
            found.append(str(rel))
    return found[:limit] + ([f"{len(found) - limit} more"] if len(found) > limit else [])


def annotate_gradebook(course: Path, lab_id: str, student: str, comment: str, errored: list[str]) -> None:
    """nbgrader's own gradebook: the comment on the submission's solution cell (the feedback shows it), and
    checks the autograder could not grade left without a score and marked for manual grading (no 0)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{_db(course)}") as gb:
        try:
            sub = gb.find_submission(lab_id, student)
        except MissingEntry:
            return
        for nb in sub.notebooks:
            comments = sorted(nb.comments, key=lambda c: (c.name != "solution", c.name))
            if comments:
                comments[0].auto_comment = comment
            for g in nb.grades:
                if g.name in errored:
                    g.auto_score = None
                    g.needs_manual_grade = True
        gb.db.commit()


def grade_one(course: Path, lab, student: str, gb_lock: threading.Lock, run: str,
              converge: float = 60.0, engine: InProcessNbgrader | None = None,
              verified_only: bool = False) -> SubmissionResult:
    """Replay, autograde and clean up one submission. Never raises."""
    from kubelab.instructor import replay as rp
    from kubelab.instructor.outcome import graded_checks, split_points, verified_text
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
            except Exception as exc:  # the replay machinery, not the student: no 0 for it
                spec = getattr(exc, "replay", None) or rp.Replay(lab.id, student, lab.kind)  # cleaned up below
                spec.fatal = f"the autograder could not replay it ({type(exc).__name__}: {exc})"
                res.status, res.score = REGRADE, None
                res.reason = (f"{spec.fatal}: nothing recorded in the gradebook; re-run `kubelab autograde "
                              f"{lab.id} --student {student}`")
                return res
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
            errored = _errored_checks(spec_path)
            if proc.returncode != 0:
                restore(db, snap, had)
                tail = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "ERROR" in ln or "Error" in ln]
                res.status = REGRADE
                reasons.append("nbgrader autograde failed, gradebook left as it was: " + (" | ".join(tail[-3:])
                                                                                          or proc.stderr[-300:]))
            else:
                res.flags = notebook_flags(course, lab.id, student)
                extra = code_files(folder, lab.id)
                if extra:
                    res.flags.append("code files in the submission (not run): " + ", ".join(extra))
                _, _, checks = read_score(course, lab.id, student)
                graded = graded_checks(lab, checks, spec.record_only)
                res.live_points, res.record_points, _, _ = split_points(graded)
                res.verified = verified_text(graded, verified_only)
                comment = res.verified + "." + "".join(f" {f}." for f in res.flags)
                if errored:
                    comment += f" Not graded (the autograder's trouble): {', '.join(errored)}; regrade."
                annotate_gradebook(course, lab.id, student, comment, errored)
            snap.unlink(missing_ok=True)
            score, max_score, checks = read_score(course, lab.id, student)
        if errored:
            res.status = REGRADE
            reasons.append(f"could not be graded: {', '.join(errored)} (the autograder's trouble, not the "
                           f"student's; no score recorded for them): re-run `kubelab autograde {lab.id} "
                           f"--student {student}` once the cluster answers")
        if res.flags:
            reasons.append("notebook code not run; " + "; ".join(res.flags))
        res.score = None if proc.returncode != 0 else score
        res.checks = checks
        res.max_score = max_score or lab.max_points
        res.reason = "; ".join(r for r in reasons if r)
        if res.refused:
            res.reason = "; ".join(x for x in [res.reason, f"refused: {len(res.refused)} object(s)"] if x)
    except Exception as exc:  # never lose the batch, never a 0 for our own exception
        res.status, res.reason = REGRADE, f"the autograder failed ({type(exc).__name__}: {exc}); re-run it"
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
                    in_process: bool = True, verified_only: bool = False) -> list[SubmissionResult]:
    """Grade every submission of lab_id in the course directory; results in student order.
    verified_only: checks graded from the record only (lab.record_only) score 0."""
    from concurrent.futures import ThreadPoolExecutor

    from kubelab.instructor.replay import serial_lab
    from kubelab.labs.actions import run_steps
    from kubelab.labs.registry import get_lab

    from kubelab.instructor.grade import RUN_OPTIONS
    from kubelab.instructor.record import write_atomic

    course = Path(course).resolve()
    check_config(course)
    lab = get_lab(lab_id)
    if lab.not_autogradable:
        raise ValueError(f"{lab_id} is not class-autogradable: {lab.not_autogradable}")
    students = students if students is not None else submitted_students(course, lab_id)
    serial = serial_lab(lab)
    jobs = 1 if serial else max(1, jobs)
    gb_lock = threading.Lock()
    run = uuid.uuid4().hex[:6]
    engine = None
    saved = {k: os.environ.get(k) for k in ("KUBELAB_REPLAY", "PATH")}
    (course / ".kubelab" / run).mkdir(parents=True, exist_ok=True)
    write_atomic(course / ".kubelab" / run / RUN_OPTIONS, json.dumps({"verified_only": bool(verified_only)}))
    if in_process:
        env = _env(course / ".kubelab" / run)
        os.environ["PATH"], os.environ["KUBELAB_REPLAY"] = env["PATH"], env["KUBELAB_REPLAY"]
        engine = InProcessNbgrader(course)

    def one(student: str) -> SubmissionResult:
        res = grade_one(course, lab, student, gb_lock, run, converge, engine, verified_only)
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


_CONTROL = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b\[[0-?]*[ -/]*[@-~]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text) -> str:
    """A student-written value as inert table text: terminal control characters removed, Rich markup escaped."""
    from rich.markup import escape

    return escape(_CONTROL.sub("", str(text)))


def summary_table(lab_id: str, results: list[SubmissionResult], seconds: float):
    from rich.table import Table

    table = Table(title=f"autograde {plain(lab_id)}: {len(results)} submission(s) in {seconds:.0f} s",
                  title_justify="left")
    table.add_column("student")
    table.add_column("score", justify="right")
    table.add_column("live / record", justify="right")
    table.add_column("status")
    table.add_column("reason / refused", overflow="fold", ratio=1)
    for r in results:
        why = r.reason
        if r.refused:
            why = "; ".join([r.reason] + r.refused) if r.reason else "; ".join(r.refused)
        score = "-" if r.score is None else f"{r.score:g}"
        split = "-" if r.score is None else f"{r.live_points:g} / {r.record_points:g}"
        status = "[green]graded[/]" if r.status == GRADED else f"[yellow]{plain(r.status)}[/]"
        if r.flags and r.status == GRADED:
            status = "[green]graded[/] [magenta]flagged[/]"
        table.add_row(plain(r.student), f"{score}/{r.max_score:g}", split, status, plain(why))
    return table
