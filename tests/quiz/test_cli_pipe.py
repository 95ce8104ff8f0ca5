"""`kubelab quiz` over plain pipes (no TTY): practice, EOF, review, exam, stats."""

import sqlite3
import subprocess
import time
from datetime import date, timedelta

from quiz_helpers import KUBELAB, cli_env, planned, right_line, wrong_line

D = date(2026, 3, 2)


def run(args, data_dir, stdin="", day=D, timeout=60):
    return subprocess.run([KUBELAB, "quiz", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env=cli_env(data_dir, KUBELAB_TODAY=day.isoformat()))


def answers(data_dir):
    db = sqlite3.connect(data_dir / "progress.sqlite3")
    return db.execute("SELECT qid, correct, mode FROM answers ORDER BY id").fetchall()


def test_pipe_session_right_and_wrong(tmp_path):
    qs = planned("pods", 4, seed=3)
    lines = [right_line(qs[0]), wrong_line(qs[1]), right_line(qs[2]), right_line(qs[3])]
    out = run(["--topic", "pods", "--count", "4", "--seed", "3"], tmp_path, "\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("Correct.") == 3 and out.stdout.count("Wrong.") == 1
    assert "Question 1/4" in out.stdout and qs[0].question.split()[0] in out.stdout
    from kubelab.quiz.sources import readable_source

    assert "Source: " + readable_source(qs[1].source) in out.stdout   # explanation block after the answer
    assert "Source: 00" not in out.stdout                   # no seed file numbers in front of a learner
    assert "Score: 3/4 (75%)" in out.stdout
    assert "\x1b[" not in out.stdout                        # plain text over a pipe
    assert answers(tmp_path) == [(qs[0].id, 1, "quiz"), (qs[1].id, 0, "quiz"),
                                 (qs[2].id, 1, "quiz"), (qs[3].id, 1, "quiz")]


def test_eof_ends_cleanly_with_score_so_far(tmp_path):
    qs = planned("config", 5, seed=1)
    out = run(["--topic", "config", "--count", "5", "--seed", "1"], tmp_path,
              right_line(qs[0]) + "\n" + right_line(qs[1]) + "\n")
    assert out.returncode == 0
    assert "End of input." in out.stdout
    assert "Score: 2/2 (100%), 3 of 5 questions not answered" in out.stdout
    assert len(answers(tmp_path)) == 2


def test_review_asks_what_is_due_and_misses_come_back_sooner(tmp_path):
    qs = planned("storage", 2, seed=7)
    run(["--topic", "storage", "--count", "2", "--seed", "7"], tmp_path,
        right_line(qs[0]) + "\n" + wrong_line(qs[1]) + "\n")
    same_day = run(["review"], tmp_path)
    assert "Nothing due today" in same_day.stdout
    from kubelab.quiz.bank import load_bank
    from kubelab.quiz.session import pick_due
    from kubelab.quiz.store import Store

    store = Store(tmp_path / "progress.sqlite3")
    from kubelab.quiz.shuffle import shuffled

    order = [shuffled(q, 1) for q in pick_due(load_bank(), store.cards(), D + timedelta(days=1), 50, 1)]
    # (what review --seed 1 asks, options in the order it shows them)
    store.close()
    assert {q.id for q in order} == {q.id for q in qs}
    nxt = run(["review", "--seed", "1"], tmp_path, day=D + timedelta(days=1),
              stdin="\n".join(right_line(q) for q in order) + "\n")
    assert "2 question(s) due today." in nxt.stdout
    assert "Score: 2/2 (100%)" in nxt.stdout, nxt.stdout
    # two days later only the one missed on day one is due again (interval 1 vs 6)
    later = run(["review", "--seed", "7"], tmp_path, day=D + timedelta(days=3), stdin=right_line(qs[1]) + "\n")
    assert "1 question(s) due today." in later.stdout, later.stdout


def test_exam_scores_out_of_1000_with_topic_report(tmp_path):
    from kubelab.quiz.bank import load_bank
    from kubelab.quiz.exam import pick_exam

    from kubelab.quiz.shuffle import shuffled

    qs = [shuffled(q, 11) for q in pick_exam(load_bank(), 5, 11)]
    lines = [right_line(q) for q in qs[:4]] + [wrong_line(qs[4])]
    out = run(["exam", "--count", "5", "--minutes", "5", "--seed", "11"], tmp_path, "\n".join(lines) + "\n")
    assert out.returncode == 0, out.stderr
    assert "Mock exam: 5 questions in 5 minutes, scored out of 1000, pass mark 600." in out.stdout
    assert "Score: 800/1000 (pass mark 600) PASS" in out.stdout
    assert "By topic:" in out.stdout and "Missed (1):" in out.stdout
    assert qs[4].explanation[:40] in out.stdout.replace("\n  ", " ").replace("\n", " ")
    assert "Correct." not in out.stdout                    # no explanations during the exam
    assert [m for _, _, m in answers(tmp_path)] == ["exam"] * 5


def test_exam_time_limit_is_enforced(tmp_path):
    from kubelab.quiz.bank import load_bank
    from kubelab.quiz.exam import pick_exam

    from kubelab.quiz.shuffle import shuffled

    qs = [shuffled(q, 2) for q in pick_exam(load_bank(), 4, 2)]
    p = subprocess.Popen([KUBELAB, "quiz", "exam", "--count", "4", "--minutes", "0.1", "--seed", "2"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                         env=cli_env(tmp_path, KUBELAB_TODAY=D.isoformat()))
    # the clock starts when the exam prints its first question: wait for it, not for a guessed start-up
    # time (a loaded machine takes seconds to import), then answer one and let the 6 s run out
    seen = ""
    while "Question 1/4" not in seen:
        ch = p.stdout.read(1)
        assert ch, f"the exam ended before its first question: {seen!r}"
        seen += ch
    p.stdin.write(right_line(qs[0]) + "\n")
    p.stdin.flush()
    time.sleep(7.0)                                         # past the 6 s deadline
    try:
        p.stdin.write("\n".join(right_line(q) for q in qs[1:]) + "\n")
        p.stdin.close()
    except BrokenPipeError:
        pass
    out = seen + p.stdout.read()
    assert p.wait(timeout=30) == 0
    assert "Time is up after 0.1 minutes: 3 of 4 questions were not answered." in out
    assert "Score: 250/1000 (pass mark 600) FAIL" in out
    assert len(answers(tmp_path)) == 1


def test_stats_shows_topics_streak_and_due(tmp_path):
    qs = planned("docker", 3, seed=1)
    run(["--topic", "docker", "--count", "3", "--seed", "1"], tmp_path,
        "\n".join(right_line(q) for q in qs) + "\n", day=D - timedelta(days=1))
    # day two: due questions come first; one of the three is missed (due again tomorrow)
    run(["--topic", "docker", "--count", "1", "--seed", "2"], tmp_path, "x\n", day=D)
    out = run(["stats"], tmp_path, day=D)
    assert out.returncode == 0
    for word in ("docker", "networking", "Streak: 2 day(s)", "Due today: 2"):
        assert word in out.stdout, word


def test_unknown_topic_is_an_error(tmp_path):
    out = run(["--topic", "nope"], tmp_path)
    assert out.returncode == 2
    assert "--topic: expected one of docker, namespaces-cgroups" in out.stderr and "found 'nope'" in out.stderr


def test_two_cli_sessions_at_once(tmp_path):
    """Two `kubelab quiz` processes answering into the same database at the same time."""
    qs = planned(None, 8, seed=21)
    env = cli_env(tmp_path, KUBELAB_TODAY=D.isoformat())
    procs = [subprocess.Popen([KUBELAB, "quiz", "-n", "8", "--seed", "21"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    for p in procs:                                # both have planned their questions
        while "Question 1/8" not in p.stdout.readline():
            pass
    for q in qs:                                   # interleave the answers of both sessions
        for p in procs:
            p.stdin.write(right_line(q) + "\n")
            p.stdin.flush()
        time.sleep(0.02)
    outs = []
    for p in procs:
        p.stdin.close()
        outs.append(p.stdout.read())
        assert p.wait(timeout=60) == 0
    assert all("Score: 8/8 (100%)" in o for o in outs)
    db = sqlite3.connect(tmp_path / "progress.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = db.execute("SELECT session_id, COUNT(*) FROM answers GROUP BY session_id").fetchall()
    assert sorted(n for _, n in rows) == [8, 8]
    reps = dict(db.execute("SELECT qid, reps FROM cards"))
    assert reps == {q.id: 2 for q in qs}           # both answers reached every card
