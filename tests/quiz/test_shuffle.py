"""Options shuffled per session: reproducible from the seed, judged, stored and
reported through the order the learner saw; the bank's own length and
position cues measured by lint."""

from collections import Counter

import pytest

from kubelab.quiz import exam, render
from kubelab.quiz.bank import Question, load_bank
from kubelab.quiz.judge import judge
from kubelab.quiz.lint import MAX_LONGEST_SHARE, MAX_POSITION_SHARE, Cues, lint_bank
from kubelab.quiz.session import Outcome
from kubelab.quiz.shuffle import response_text, shuffled

from quiz_helpers import ROOT

Q = Question(id="t-1", topic="pods", kind="single", question="Q?", explanation="E", source="s",
             options={"a": "right", "b": "wrong one", "c": "wrong two", "d": "wrong three"}, answer="a")
M = Question(id="t-2", topic="pods", kind="multi", question="Q?", explanation="E", source="s",
             options={"a": "r1", "b": "w1", "c": "r2", "d": "w2"}, answer=["a", "c"])


def test_same_seed_same_order_other_seed_other_orders():
    assert shuffled(Q, 7).options == shuffled(Q, 7).options
    orders = {tuple(shuffled(Q, s).options.values()) for s in range(40)}
    assert len(orders) > 10


def test_answer_follows_its_text():
    for seed in range(30):
        s = shuffled(Q, seed)
        assert s.options[s.answer] == "right"
        assert sorted(s.options.values()) == sorted(Q.options.values())
        assert list(s.options) == ["a", "b", "c", "d"]
        assert s.options[s.answer] == Q.options[s.shown_from[s.answer]]
        m = shuffled(M, seed)
        assert sorted(m.options[k] for k in m.answer) == ["r1", "r2"]


def test_judge_uses_the_shown_keys():
    s = next(shuffled(Q, seed) for seed in range(50) if shuffled(Q, seed).answer != "a")
    assert judge(s, s.answer).correct
    assert not judge(s, "a").correct                 # the bank's key is no longer the right one
    m = shuffled(M, 3)
    assert judge(m, ",".join(m.answer)).correct


def test_every_position_is_right_about_as_often():
    counts = Counter(shuffled(Q, seed).answer for seed in range(400))
    assert set(counts) == {"a", "b", "c", "d"}
    assert max(counts.values()) < 0.33 * 400


def test_stored_response_is_option_text_not_a_letter():
    s = shuffled(Q, 5)
    v = judge(s, s.answer)
    assert response_text(s, v) == "right"
    wrong = next(k for k in s.options if k != s.answer)
    assert response_text(s, judge(s, wrong)) == s.options[wrong]
    tf = Question(id="t-3", topic="pods", kind="truefalse", question="Q?", explanation="E", source="s", answer=False)
    assert response_text(tf, judge(tf, "false")) == "false"


def test_truefalse_and_command_questions_are_not_shuffled():
    tf = Question(id="t-3", topic="pods", kind="truefalse", question="Q?", explanation="E", source="s", answer=True)
    assert shuffled(tf, 1) is tf


def test_exam_report_shows_the_learners_own_order():
    s = next(shuffled(Q, seed) for seed in range(50) if shuffled(Q, seed).answer != "a")
    wrong = next(k for k in s.options if k != s.answer)
    out = Outcome(planned=[Q], answered=[(s, judge(s, wrong))])
    text, passed = exam.report(exam.ExamPlan([Q], 1), out, 0.0, render.Style(False))
    assert not passed
    assert f"You answered: {wrong}) {s.options[wrong]}" in text
    assert f"Expected: {s.answer}) right" in text


def test_session_replays_with_seed(tmp_path):
    """The same seed shows the same options in the same order (what --seed promises)."""
    qs = [q for q in load_bank() if q.kind == "single"][:20]
    assert [shuffled(q, 42).options for q in qs] == [shuffled(q, 42).options for q in qs]


def test_bank_is_free_of_length_and_position_cues():
    cues = lint_bank(ROOT / "course" / "questions").cues
    assert cues.questions >= 150
    assert cues.longest_share <= MAX_LONGEST_SHARE
    assert max(cues.position_share(k) for k in cues.positions) <= MAX_POSITION_SHARE


def _bank(tmp_path, n, answer_of, right_text, wrong_text):
    lines = ["topic: pods", "questions:"]
    for i in range(n):
        a = answer_of(i)
        opts = ", ".join(f'{k}: "{right_text if k == a else wrong_text}{k}"' for k in "abcd")
        lines += [f"  - id: p-{i}", "    kind: single", '    question: "Q?"', f"    options: {{{opts}}}",
                  f"    answer: {a}", '    explanation: "E"', '    source: "001 part 9"']
    (tmp_path / "pods.yaml").write_text("\n".join(lines) + "\n")
    return lint_bank(tmp_path, require_counts=False)


def test_lint_fails_when_the_longest_option_is_the_answer(tmp_path):
    result = _bank(tmp_path, 24, lambda i: "abcd"[i % 4], "a much longer right option ", "short ")
    assert result.cues.longest == 24
    assert any("uniquely the longest" in p.message and "24/24 (100%)" in p.message for p in result.problems)


def test_lint_fails_when_one_position_dominates(tmp_path):
    result = _bank(tmp_path, 24, lambda i: "b" if i % 2 else "abcd"[i % 4], "same ", "same ")
    assert result.cues.positions == {"a": 6, "b": 12, "c": 6}
    assert any("answer position b" in p.message for p in result.problems)
    assert not any("longest" in p.message for p in result.problems)


def test_lint_prints_both_figures():
    from kubelab.quiz.lint import format_result

    text = format_result(lint_bank(ROOT / "course" / "questions"))
    assert "right option uniquely longest:" in text and "answer positions: a " in text


@pytest.mark.parametrize("opts,answer,longest,shortest", [
    ({"a": "xx", "b": "x"}, "a", 1, 0),
    ({"a": "xx", "b": "xx"}, "a", 0, 0),
    ({"a": "x", "b": "xx", "c": "xxx"}, "a", 0, 1),
])
def test_cue_counting(opts, answer, longest, shortest):
    c = Cues()
    c.add(opts, answer)
    assert (c.longest, c.shortest, c.positions) == (longest, shortest, {answer: 1})


def test_lint_fails_when_the_second_longest_is_the_answer(tmp_path):
    lines = ["topic: pods", "questions:"]
    for i in range(24):
        a = "abcd"[i % 4]
        lens = {k: 10 for k in "abcd"}
        lens[a] = 30
        lens["abcd"[(i + 1) % 4]] = 40                       # one distractor always longer than the answer
        opts = ", ".join(f'{k}: "{"x" * n}{k}"' for k, n in lens.items())
        lines += [f"  - id: p-{i}", "    kind: single", '    question: "Q?"', f"    options: {{{opts}}}",
                  f"    answer: {a}", '    explanation: "E"', '    source: "001 part 9"']
    (tmp_path / "pods.yaml").write_text("\n".join(lines) + "\n")
    result = lint_bank(tmp_path, require_counts=False)
    assert result.cues.longest == 0 and result.cues.ranks == {2: 24}
    assert any("length rank 2" in p.message for p in result.problems)


def test_bank_length_ranks_are_spread():
    from kubelab.quiz.lint import MAX_RANK_SHARE

    cues = lint_bank(ROOT / "course" / "questions").cues
    assert max(cues.rank_share(r) for r in cues.ranks) <= MAX_RANK_SHARE
