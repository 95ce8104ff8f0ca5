"""Progress in SQLite under the user's data directory.

One short IMMEDIATE transaction per answer (answer row + card update), WAL
journal and a busy timeout: Ctrl-C loses nothing already answered, and two
sessions at once serialise their writes instead of corrupting the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

from kubelab.quiz.scheduler import Card, answer as schedule_answer

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    mode TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    planned TEXT NOT NULL,          -- JSON list of question ids
    meta TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    qid TEXT NOT NULL,
    topic TEXT NOT NULL,
    mode TEXT NOT NULL,
    correct INTEGER NOT NULL,
    response TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    day TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_session ON answers(session_id);
CREATE INDEX IF NOT EXISTS answers_day ON answers(day);
CREATE TABLE IF NOT EXISTS cards (
    qid TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    ease REAL NOT NULL,
    interval INTEGER NOT NULL,
    reps INTEGER NOT NULL,
    lapses INTEGER NOT NULL,
    due TEXT
);
"""


class StoreError(Exception):
    """The progress database could not be opened or written."""


def data_dir() -> Path:
    """$KUBELAB_DATA_DIR, else platformdirs' user data dir for "kubelab"."""
    env = os.environ.get("KUBELAB_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("kubelab"))


def today() -> date:
    """The learner's day (local date; $KUBELAB_TODAY=YYYY-MM-DD overrides, for tests)."""
    env = os.environ.get("KUBELAB_TODAY")
    return date.fromisoformat(env) if env else date.today()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Store:
    """Open (creating if needed) the progress database.

    Raises StoreError if the folder cannot be created or the file cannot be opened.
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else data_dir() / "progress.sqlite3"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            self.db.execute("PRAGMA busy_timeout = 10000")
            self._init_schema()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"progress database {self.path}: {exc}") from exc

    def _init_schema(self, seconds: float = 10.0) -> None:
        """WAL mode and the tables. Two sessions opening a new database at once may find it locked
        without SQLite's busy wait (switching the journal mode, or a read lock upgraded to a write
        lock, is refused at once to avoid a deadlock): try again for a while instead of failing."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")
                self.db.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ sessions
    def start_session(self, mode: str, planned: list[str], meta: dict | None = None) -> str:
        sid = uuid.uuid4().hex[:12]
        with self._tx():
            self.db.execute(
                "INSERT INTO sessions (id, mode, started_at, planned, meta) VALUES (?,?,?,?,?)",
                (sid, mode, _now(), json.dumps(planned), json.dumps(meta or {})),
            )
        return sid

    def finish_session(self, sid: str) -> None:
        with self._tx():
            self.db.execute("UPDATE sessions SET finished_at=? WHERE id=?", (_now(), sid))

    def last_unfinished(self, modes: tuple[str, ...] = ("quiz", "review")) -> tuple[str, str, list[str]] | None:
        """(session id, mode, question ids not yet answered) of the newest unfinished
        session of one of `modes`, or None."""
        marks = ",".join("?" * len(modes))
        row = self.db.execute(
            f"SELECT id, mode, planned FROM sessions WHERE mode IN ({marks}) AND finished_at IS NULL "
            "ORDER BY started_at DESC, rowid DESC LIMIT 1", modes).fetchone()
        if row is None:
            return None
        done = {r[0] for r in self.db.execute("SELECT qid FROM answers WHERE session_id=?", (row[0],))}
        return row[0], row[1], [q for q in json.loads(row[2]) if q not in done]

    def session_meta(self, sid: str) -> dict:
        """The meta dict a session was started with ({} if unknown). Never raises
        for a missing session."""
        row = self.db.execute("SELECT meta FROM sessions WHERE id=?", (sid,)).fetchone()
        try:
            return json.loads(row[0]) if row else {}
        except ValueError:
            return {}

    def session_answers(self, sid: str) -> list[tuple[str, bool, str]]:
        rows = self.db.execute(
            "SELECT qid, correct, response FROM answers WHERE session_id=? ORDER BY id", (sid,))
        return [(q, bool(c), r) for q, c, r in rows]

    # ------------------------------------------------------------------ answers
    def record(self, sid: str, qid: str, topic: str, mode: str, correct: bool, response: str,
               day: date | None = None) -> Card:
        """Store one answer and its card update in one transaction; return the new card.

        Raises StoreError if the write fails (after SQLite's busy wait).
        """
        day = day or today()
        try:
            with self._tx():
                card = self._card(qid)
                new = schedule_answer(card, correct, day)
                self.db.execute(
                    "INSERT INTO answers (session_id, qid, topic, mode, correct, response, answered_at, day)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    (sid, qid, topic, mode, int(correct), response, _now(), day.isoformat()),
                )
                self.db.execute(
                    "INSERT INTO cards (qid, topic, ease, interval, reps, lapses, due) VALUES (?,?,?,?,?,?,?)"
                    " ON CONFLICT(qid) DO UPDATE SET topic=excluded.topic, ease=excluded.ease,"
                    " interval=excluded.interval, reps=excluded.reps, lapses=excluded.lapses, due=excluded.due",
                    (qid, topic, new.ease, new.interval, new.reps, new.lapses,
                     new.due.isoformat() if new.due else None),
                )
        except sqlite3.Error as exc:
            raise StoreError(f"progress database {self.path}: could not save answer to {qid}: {exc}") from exc
        return new

    def _card(self, qid: str) -> Card:
        row = self.db.execute(
            "SELECT ease, interval, reps, lapses, due FROM cards WHERE qid=?", (qid,)).fetchone()
        if row is None:
            return Card(qid)
        return Card(qid, row[0], row[1], row[2], row[3], date.fromisoformat(row[4]) if row[4] else None)

    def cards(self) -> dict[str, Card]:
        out = {}
        for qid, ease, interval, reps, lapses, due in self.db.execute(
                "SELECT qid, ease, interval, reps, lapses, due FROM cards"):
            out[qid] = Card(qid, ease, interval, reps, lapses, date.fromisoformat(due) if due else None)
        return out

    def answers(self) -> list[tuple[str, str, bool, str]]:
        """All answers as (qid, topic, correct, day)."""
        return [(q, t, bool(c), d) for q, t, c, d in
                self.db.execute("SELECT qid, topic, correct, day FROM answers ORDER BY id")]

    def answer_days(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT day FROM answers")}

    # ------------------------------------------------------------------ helpers
    def _tx(self):
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False
