"""Exam runs in SQLite (exam.sqlite3 beside the quiz's progress database).

One row per run. At most one run is active (seeding or running): a partial UNIQUE index makes
the database refuse a second one, so two terminals cannot start two exams. Every change is one
IMMEDIATE transaction (WAL journal, busy timeout): a crash or Ctrl-C leaves the run as it was
before the change, never half-written. Times are wall-clock epoch seconds (UTC), so a run
survives closing the terminal and the deadline holds across restarts.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from kubelab.quiz.store import StoreError, data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    track TEXT NOT NULL,
    seed INTEGER NOT NULL,
    minutes REAL NOT NULL,
    state TEXT NOT NULL,            -- seeding, running, graded, failed, abandoned
    active INTEGER,                 -- 1 while seeding or running, else NULL
    created_at REAL NOT NULL,
    started_at REAL,                -- the clock starts when every task is seeded
    deadline REAL,
    finished_at REAL,
    tasks TEXT NOT NULL,            -- JSON list of Task dicts
    flagged TEXT NOT NULL DEFAULT '[]',
    skipped TEXT NOT NULL DEFAULT '[]',
    result TEXT,                    -- JSON ExamResult once graded
    note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS runs_one_active ON runs(active) WHERE active = 1;
"""

ACTIVE_STATES = ("seeding", "running")


class ActiveRunError(StoreError):
    """Another exam is seeding or running."""


@dataclass
class Run:
    id: int
    track: str
    seed: int
    minutes: float
    state: str
    created_at: float
    started_at: float | None
    deadline: float | None
    finished_at: float | None
    tasks: list[dict]
    flagged: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    result: dict | None = None
    note: str = ""

    def seconds_left(self, now: float | None = None) -> float:
        if self.deadline is None:
            return self.minutes * 60
        return max(0.0, self.deadline - (time.time() if now is None else now))

    def expired(self, now: float | None = None) -> bool:
        return self.state == "running" and self.deadline is not None and \
            (time.time() if now is None else now) >= self.deadline


_COLS = "id, track, seed, minutes, state, created_at, started_at, deadline, finished_at, tasks, flagged, skipped, result, note"


def _row(r) -> Run:
    return Run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], json.loads(r[9]), json.loads(r[10]),
               json.loads(r[11]), json.loads(r[12]) if r[12] else None, r[13])


class ExamStore:
    """Open (creating if needed) the exam database. Raises StoreError when it cannot."""

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else data_dir() / "exam.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = 10000")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"exam database {self.path}: {exc}") from exc

    def close(self) -> None:
        self.db.close()

    def _write(self, what: str, sql: str, args: tuple) -> sqlite3.Cursor:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                cur = self.db.execute(sql, args)
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
            return cur
        except sqlite3.IntegrityError as exc:
            if "runs.active" not in str(exc):
                raise StoreError(f"exam database {self.path}: could not {what}: {exc}") from exc
            active = self.active()
            where = f" (run {active.id}, {active.track}, {active.state})" if active else ""
            raise ActiveRunError(f"an exam is already in progress{where}: `kubelab exam submit` or "
                                 "`kubelab exam reset` first") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"exam database {self.path}: could not {what}: {exc}") from exc

    # ---------------------------------------------------------------- runs
    def create(self, track: str, seed: int, minutes: float, tasks: list[dict]) -> Run:
        """A new run in state `seeding` (claims the one active slot). Raises ActiveRunError."""
        cur = self._write("create the run",
                          "INSERT INTO runs (track, seed, minutes, state, active, created_at, tasks)"
                          " VALUES (?,?,?,?,1,?,?)", (track, seed, minutes, "seeding", time.time(), json.dumps(tasks)))
        return self.get(cur.lastrowid)

    def mark_running(self, run_id: int, now: float | None = None) -> Run:
        now = time.time() if now is None else now
        run = self.get(run_id)
        self._write("start the clock", "UPDATE runs SET state='running', started_at=?, deadline=? WHERE id=?",
                    (now, now + run.minutes * 60, run_id))
        return self.get(run_id)

    def finish(self, run_id: int, state: str, result: dict | None = None, note: str = "") -> Run:
        """Close the run (graded, failed, abandoned) and store its result, in one transaction."""
        self._write("save the result",
                    "UPDATE runs SET state=?, active=NULL, finished_at=?, result=COALESCE(?, result),"
                    " note=? WHERE id=?", (state, time.time(), json.dumps(result) if result else None, note, run_id))
        return self.get(run_id)

    def set_marks(self, run_id: int, flagged: list[int], skipped: list[int]) -> Run:
        self._write("save the marks", "UPDATE runs SET flagged=?, skipped=? WHERE id=?",
                    (json.dumps(sorted(flagged)), json.dumps(sorted(skipped)), run_id))
        return self.get(run_id)

    def get(self, run_id: int) -> Run:
        r = self.db.execute(f"SELECT {_COLS} FROM runs WHERE id=?", (run_id,)).fetchone()
        if r is None:
            raise KeyError(f"no exam run {run_id}")
        return _row(r)

    def active(self) -> Run | None:
        r = self.db.execute(f"SELECT {_COLS} FROM runs WHERE active=1").fetchone()
        return _row(r) if r else None

    def latest(self, state: str | None = None) -> Run | None:
        sql = f"SELECT {_COLS} FROM runs" + (" WHERE state=?" if state else "") + " ORDER BY id DESC LIMIT 1"
        r = self.db.execute(sql, (state,) if state else ()).fetchone()
        return _row(r) if r else None

    def runs(self) -> list[Run]:
        return [_row(r) for r in self.db.execute(f"SELECT {_COLS} FROM runs ORDER BY id")]
