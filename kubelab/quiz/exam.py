"""The timed mock exam: questions spread over the topics, a deadline, a score
out of 1000 with a pass mark, and a report by topic with what was missed."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from kubelab.quiz import render
from kubelab.quiz.bank import TOPICS
from kubelab.quiz.sources import readable_source

DEFAULT_COUNT = 60
DEFAULT_MINUTES = 90.0
MAX_POINTS = 1000
DEFAULT_PASS = 600


@dataclass
class ExamPlan:
    questions: list
    minutes: float
    pass_mark: int = DEFAULT_PASS


def pick_exam(questions, count: int, seed: int | None) -> list:
    """`count` distinct questions, dealt round-robin over the topics so that
    every topic is represented in proportion; order shuffled. Never raises;
    returns fewer if the bank is smaller."""
    rng = random.Random(seed)
    by_topic: dict[str, list] = {}
    for q in questions:
        by_topic.setdefault(q.topic, []).append(q)
    for qs in by_topic.values():
        rng.shuffle(qs)
    topics = list(by_topic)
    rng.shuffle(topics)
    picked = []
    while len(picked) < count and any(by_topic.values()):
        for t in topics:
            if by_topic[t] and len(picked) < count:
                picked.append(by_topic[t].pop())
    rng.shuffle(picked)
    return picked


def points(right: int, total: int) -> int:
    return round(MAX_POINTS * right / total) if total else 0


def clock(deadline: float) -> str:
    left = max(0, int(deadline - time.monotonic()))
    return f"time left {left // 60:02d}:{left % 60:02d}"


def report(plan: ExamPlan, outcome, started: float, style) -> tuple[str, bool]:
    """The end-of-exam report and whether it is a pass."""
    total = len(plan.questions)
    right = outcome.right
    score = points(right, total)
    passed = score >= plan.pass_mark
    used = time.monotonic() - started
    lines = ["", style.bold("Mock exam report")]
    if outcome.timed_out:
        missing = total - len(outcome.answered)
        msg = f"Time is up after {plan.minutes:g} minutes: {missing} of {total} questions were not answered"
        if outcome.late_answer:
            msg += " (an answer given after the deadline was not accepted)"
        lines.append(style.bad(msg + "."))
    elif outcome.interrupted:
        lines.append(style.bad(f"Exam stopped with Ctrl-C after {len(outcome.answered)} of {total} questions."))
    elif outcome.ended_by_eof:
        lines.append(f"End of input after {len(outcome.answered)} of {total} questions.")
    verdict = style.good("PASS") if passed else style.bad("FAIL")
    lines.append(f"Score: {score}/{MAX_POINTS} (pass mark {plan.pass_mark}) {verdict}")
    lines.append(f"Right: {right} of {total}; time used {int(used) // 60}:{int(used) % 60:02d}")
    lines.append("")
    lines.append("By topic:")
    answered = {q.id: v for q, v in outcome.answered}
    shown = {q.id: q for q, _ in outcome.answered}   # the shuffled copies the learner saw
    per: dict[str, list[int]] = {}
    for q in plan.questions:
        r = per.setdefault(q.topic, [0, 0])
        r[1] += 1
        if answered.get(q.id) is not None and answered[q.id].correct:
            r[0] += 1
    order = [t for t in TOPICS if t in per] + [t for t in per if t not in TOPICS]
    for t in order:
        r, n = per[t]
        lines.append(f"  {t:<20} {render.bar(r / n if n else 0, 10)} {r:>2}/{n:<2}")
    missed = [(shown.get(q.id, q), answered.get(q.id)) for q in plan.questions
              if answered.get(q.id) is None or not answered[q.id].correct]
    if missed:
        lines.append("")
        lines.append(style.bold(f"Missed ({len(missed)}):"))
        for q, v in missed:
            lines.append("")
            lines.append(render.wrap(f"[{q.id}] {q.question}"))
            given = render.given_text(q, v) if v is not None else "(not answered)"
            lines.append(render.wrap("You answered: " + given, "  "))
            lines.append(render.wrap("Expected: " + q.answer_text(), "  "))
            lines.append(render.wrap(q.explanation, "  "))
            lines.append(style.dim(f"  Source: {readable_source(q.source)}"))
    return "\n".join(lines), passed
