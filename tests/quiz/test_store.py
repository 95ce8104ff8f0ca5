"""The SQLite store: one commit per answer, two writers at once stay consistent."""

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date

from kubelab.quiz.store import Store


def test_answer_is_committed_immediately(data_dir):
    s = Store()
    sid = s.start_session("quiz", ["a", "b"])
    card = s.record(sid, "a", "pods", "quiz", True, "b", day=date(2026, 1, 1))
    assert card.reps == 1
    # a second, independent connection sees it at once (nothing buffered)
    other = sqlite3.connect(s.path)
    assert other.execute("SELECT qid, correct FROM answers").fetchall() == [("a", 1)]
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.last_unfinished() == (sid, "quiz", ["b"])
    s.finish_session(sid)
    assert s.last_unfinished() is None


WRITER = textwrap.dedent("""
    import sys
    from kubelab.quiz.store import Store
    s = Store()
    sid = s.start_session("quiz", [])
    for i in range(int(sys.argv[2])):
        s.record(sid, f"q{i % 7}", "pods", "quiz", i % 3 != 0, sys.argv[1])
""")


def test_two_sessions_at_once_do_not_corrupt(data_dir):
    n = 60
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, name, str(n)]) for name in ("A", "B")]
    for p in procs:
        assert p.wait(timeout=60) == 0
    db = sqlite3.connect(data_dir / "progress.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    counts = dict(db.execute("SELECT response, COUNT(*) FROM answers GROUP BY response"))
    assert counts == {"A": n, "B": n}
    # every card saw all 2n of its answers: reps/lapses add up per question
    total = db.execute("SELECT COUNT(*) FROM cards").fetchone()[0]
    assert total == 7
