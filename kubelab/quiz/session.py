"""One practice run: ask, judge, save, explain; then the score.

Every answer is committed before the next question is shown, so Ctrl-C or
end of input never loses an answer already given.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from kubelab.quiz import render
from kubelab.quiz.judge import Verdict, judge
from kubelab.quiz.shuffle import response_text, shuffled
from kubelab.quiz.terminal import TimeUp


@dataclass
class Outcome:
    planned: list = field(default_factory=list)          # questions asked for
    answered: list = field(default_factory=list)         # (question, verdict)
    interrupted: bool = False                            # Ctrl-C
    ended_by_eof: bool = False
    timed_out: bool = False
    late_answer: bool = False                            # an answer arrived after the deadline

    @property
    def right(self) -> int:
        return sum(1 for _, v in self.answered if v.correct)


def pick_practice(questions, cards, today, count: int, seed: int | None):
    """Up to `count` questions in practice order (due, then new, then the rest)."""
    from kubelab.quiz.scheduler import order_for_practice

    rng = random.Random(seed)
    index = {q.id: q for q in questions}
    order = order_for_practice(list(index), cards, today, rng)
    return [index[qid] for qid in order[:count]]


def pick_due(questions, cards, today, count: int, seed: int | None):
    rng = random.Random(seed)
    due = [q for q in questions if q.id in cards and cards[q.id].is_due(today)]
    rng.shuffle(due)
    due.sort(key=lambda q: cards[q.id].due)
    return due[:count]


def run(questions, term, store, sid: str, mode: str, *, deadline: float | None = None,
        show_explanations: bool = True, header_extra=None, shuffle_seed=None) -> Outcome:
    """Ask `questions` in order on `term`, saving each answer to `store` under session `sid`.

    Options are shown in the order drawn from (`shuffle_seed`, question id),
    `sid` when no seed is given, so `--seed` replays a run option for option.
    The outcome holds the shuffled copies the learner saw; the database keeps
    the chosen options' text, never their letters.

    Never raises for learner input; KeyboardInterrupt is caught and reported in
    the outcome. Raises StoreError if an answer cannot be saved.
    """
    out = Outcome(planned=list(questions))
    style = term.style
    total = len(questions)
    seed = sid if shuffle_seed is None else shuffle_seed
    try:
        for i, q in enumerate(questions, start=1):
            q = shuffled(q, seed)
            extra = header_extra() if header_extra else ""
            term.write(render.question_header(q, i, total, style, extra))
            try:
                response = term.ask(q, deadline)
            except TimeUp:
                out.timed_out = True
                break
            if response is None:
                out.ended_by_eof = True
                break
            if deadline is not None and time.monotonic() > deadline:
                out.timed_out = True
                out.late_answer = True
                break
            verdict: Verdict = judge(q, response)
            store.record(sid, q.id, q.topic, mode, verdict.correct,
                         response_text(q, verdict))  # committed here
            out.answered.append((q, verdict))
            if show_explanations:
                term.write(render.feedback(q, verdict, style))
            else:  # exam: no right/wrong until the report
                term.write(style.dim("Answer recorded."))
    except KeyboardInterrupt:
        out.interrupted = True
        term.write("")
    return out


def summary(out: Outcome, style) -> str:
    lines = [""]
    if out.interrupted:
        lines.append(style.bad("Interrupted.") + f" {len(out.answered)} answers saved; "
                     "`kubelab quiz --resume` asks the rest.")
    elif out.ended_by_eof:
        lines.append("End of input.")
    lines.append(style.bold(render.score_line(out.right, len(out.answered), len(out.planned))))
    return "\n".join(lines)
