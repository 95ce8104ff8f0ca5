"""`kubelab quiz lint` on the real bank (must pass) and on a broken bank."""

import subprocess
from pathlib import Path

from kubelab.quiz.bank import TOPICS, load_bank
from kubelab.quiz.lint import COURSE_TOPICS, MIN_PER_COURSE_TOPIC, lint_bank

from quiz_helpers import KUBELAB, ROOT

BROKEN = """topic: pods
questions:
  - id: p-1
    kind: single
    question: "Q?"
    options: {a: "x", b: "y"}
    answer: c
    explanation: "E"
    source: "001 part 9"
  - id: p-1
    kind: multi
    question: "Q?"
    options: {a: "x", b: "y"}
    answer: [a]
    explanation: ""
    source: "001 part 9"
  - id: p-3
    kind: command
    question: "Q?"
    answer: "ls -l"
    explanation: "E"
    source: "001"
  - id: p-4
    kind: findbug
    question: "Q?"
    options: {a: "x", b: "y"}
    answer: a
    explanation: "E"
    source: "001"
  - id: p-5
    kind: truefalse
    question: "Q?"
    answer: "yes"
    explanation: "E"
    source: "001"
  - id: p-6
    kind: command
    question: "Q?"
    answer: "kubectl rollout undo deploy x --to--revision=2"
    explanation: "E"
    source: "001"
  - id: p-7
    kind: single
    question: "Q?"
    options: {A1: "x", b: "y"}
    answer: b
    explanation: "E"
    source: "the notes"
"""


def test_real_bank_passes_and_counts():
    result = lint_bank(ROOT / "course" / "questions")
    assert result.problems == []
    assert set(result.counts) == set(TOPICS)
    for t in COURSE_TOPICS:
        assert result.counts[t] >= MIN_PER_COURSE_TOPIC
    assert result.total >= 220
    qs = load_bank(ROOT / "course" / "questions")
    assert len({q.id for q in qs}) == len(qs)


def test_real_bank_cli_last_line():
    out = subprocess.run([KUBELAB, "quiz", "lint"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[-1] == f"{lint_bank(ROOT / 'course' / 'questions').total} questions"
    assert any(line.split()[0] == "pods" for line in lines[:-1])


def test_bank_is_english_only():
    for path in (ROOT / "course" / "questions").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
        assert not cjk, f"{path.name}: expected English only, found {''.join(cjk[:10])}"


def test_every_question_cites_a_seed():
    for q in load_bank(ROOT / "course" / "questions"):
        assert q.source[:3] in {"000", "001", "002", "003", "004"}, f"{q.id}: source {q.source!r}"


def test_broken_bank_names_file_and_line(tmp_path):
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "pods.yaml").write_text(BROKEN)
    (bank / "docker.yaml").write_text("topic: docker\nquestions:\n  - id: [unclosed\n")
    out = subprocess.run([KUBELAB, "quiz", "lint", "--path", str(bank)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 1
    text = out.stdout
    assert "bank/pods.yaml:7: question p-1: answer: expected one of ['a', 'b'], found 'c'" in text
    assert "bank/pods.yaml:10: id: expected unique ids, found 'p-1' again" in text
    assert "bank/pods.yaml:15: question p-1: explanation: expected non-empty text" in text
    assert "bank/pods.yaml:20: question p-3: answer 'ls -l'" in text
    assert "question p-4: yaml: expected the YAML snippet" in text
    assert "bank/pods.yaml:33: question p-5: answer: expected true or false" in text
    assert "--to--revision" in text
    assert "bank/pods.yaml:45: question p-7: options: expected single lower-case letters" in text
    assert "bank/pods.yaml:48: question p-7: source: expected a seed reference" in text
    assert "bank/docker.yaml:" in text and "not valid YAML" in text
    assert "expected at least 25 questions for course topic pods, found 7" in text
    assert text.strip().splitlines()[-1] == "7 questions"
