"""Drive the real `kubelab quiz` in a pseudo-terminal: arrow keys, right and
wrong answers, Ctrl-C mid-session, then --resume."""

import sqlite3

import pexpect
import pytest

from quiz_helpers import KUBELAB, cli_env, planned, right_line, wrong_line

DOWN = "\x1b[B"
MENU_READY = r"\x1b\[\?25l"     # the menu hides the cursor once raw key input is on


def spawn(args, data_dir):
    child = pexpect.spawn(KUBELAB, ["quiz", *args], env=cli_env(data_dir), encoding="utf-8",
                          timeout=15, dimensions=(40, 100))
    return child


def answer(child, q, right=True):
    """Answer q as a learner would: arrow keys (and space) in menus, typing for commands."""
    if q.kind == "command":
        child.expect_exact("$ ")
        child.sendline(right_line(q) if right else wrong_line(q))
        return
    keys = list(q.choices)
    targets = q.correct_keys if right else [k for k in keys if k not in q.correct_keys][:1]
    child.expect(MENU_READY)
    pos = 0
    for key in targets:
        idx = keys.index(key)
        child.send(DOWN * ((idx - pos) % len(keys)))
        pos = idx
        if q.kind == "multi":
            child.send(" ")
    child.send("\r")


def stored(data_dir):
    db = sqlite3.connect(data_dir / "progress.sqlite3")
    return db.execute("SELECT session_id, qid, correct FROM answers ORDER BY id").fetchall()


@pytest.mark.timeout(60)
def test_pty_right_then_wrong(tmp_path):
    qs = planned("pods", 2, seed=4)
    child = spawn(["--topic", "pods", "--count", "2", "--seed", "4"], tmp_path)
    child.expect("Question 1/2")
    answer(child, qs[0], right=True)
    child.expect("Correct.")
    child.expect("Source: ")
    child.expect("Question 2/2")
    answer(child, qs[1], right=False)
    child.expect("Wrong.")
    child.expect("Expected: ")
    child.expect(r"Score: 1/2 \(50%\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [(q, c) for _, q, c in stored(tmp_path)] == [(qs[0].id, 1), (qs[1].id, 0)]


@pytest.mark.timeout(90)
def test_pty_ctrl_c_keeps_answers_and_resume_finishes(tmp_path):
    qs = planned("scheduling", 4, seed=9)
    child = spawn(["--topic", "scheduling", "--count", "4", "--seed", "9"], tmp_path)
    for i, q in enumerate(qs[:2], start=1):
        child.expect(f"Question {i}/4")
        answer(child, q, right=True)
        child.expect("Correct.")
    child.expect("Question 3/4")
    if qs[2].kind == "command":
        child.expect_exact("$ ")
    else:
        child.expect(MENU_READY)
    child.sendintr()
    child.expect("Interrupted.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    rows = stored(tmp_path)
    assert [(q, c) for _, q, c in rows] == [(qs[0].id, 1), (qs[1].id, 1)]
    sid = rows[0][0]

    child = spawn(["--resume"], tmp_path)
    child.expect(f"Resuming quiz session {sid}: 2 question")
    child.expect("Question 1/2")
    answer(child, qs[2], right=True)
    child.expect("Correct.")
    child.expect("Question 2/2")
    answer(child, qs[3], right=False)
    child.expect("Wrong.")
    child.expect(r"Score: 1/2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = stored(tmp_path)
    assert [(s, q) for s, q, _ in rows] == [(sid, q.id) for q in qs]

    # nothing left to resume now
    child = spawn(["--resume", "--count", "1", "--seed", "1"], tmp_path)
    child.expect("Nothing to resume")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()


@pytest.mark.timeout(60)
def test_pty_letter_keys_and_multi_ticks(tmp_path):
    """Letters jump to an option (and tick it in multi-choice); Enter answers."""
    qs = planned("probes", 26, seed=1)
    n = next(i for i, q in enumerate(qs) if q.kind == "multi") + 1   # run up to the first multi-choice
    child = spawn(["--topic", "probes", "--count", str(n), "--seed", "1"], tmp_path)
    for i, q in enumerate(qs[:n], start=1):
        child.expect(f"Question {i}/{n}")
        if q.kind == "command":
            child.expect_exact("$ ")
            child.sendline(right_line(q))
        else:
            child.expect(MENU_READY)
            for key in q.correct_keys:
                child.send(key)
            child.send("\r")
            child.expect("Answer: " + ",".join(q.correct_keys))
        child.expect("Correct.")
    child.expect(f"Score: {n}/{n}")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.timeout(60)
def test_pty_exam_deadline_stops_taking_answers(tmp_path):
    """In a terminal the menu waits with the deadline: after it, the exam ends with a report."""
    from kubelab.quiz.bank import load_bank
    from kubelab.quiz.exam import pick_exam

    from kubelab.quiz.shuffle import shuffled

    qs = [shuffled(q, 5) for q in pick_exam(load_bank(), 3, 5)]
    child = spawn(["exam", "--count", "3", "--minutes", "0.1", "--seed", "5"], tmp_path)
    child.expect("Question 1/3")
    answer(child, qs[0], right=True)
    child.expect("Answer recorded.")
    child.expect("Question 2/3")
    child.expect("Time is up after 0.1 minutes: 2 of 3 questions were not answered.", timeout=20)
    child.expect(r"Score: 333/1000 \(pass mark 600\) ")
    child.expect("FAIL")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert [q for _, q, _ in stored(tmp_path)] == [qs[0].id]
