"""Options in a fresh order for every session, reproducible from the session's seed.

The bank's keys (a, b, c...) are positions in a file; a learner should not be
able to learn them. `shuffled(q, seed)` returns a copy of the question whose
options are dealt in an order drawn from (seed, question id) and re-lettered
a, b, c... in that order, with the answer moved along, so the judge, the
feedback and the exam report all read the copy the learner saw. The copy's
`shown_from` maps each shown key back to the bank's key; `response_text`
turns chosen keys into the options' own text, which is what the progress
database keeps (never a position).
"""

from __future__ import annotations

import dataclasses
import random
import string

SHUFFLED_KINDS = ("single", "multi", "findbug")


def shuffled(question, seed):
    """A copy of `question` with its options in the order drawn from (seed, id).

    True/false and command questions are returned unchanged. The same seed and
    question id always give the same order, whatever else the session asks.
    Never raises.
    """
    if question.kind not in SHUFFLED_KINDS or len(question.options) < 2:
        return question
    bank_keys = list(question.options)
    order = list(bank_keys)
    random.Random(f"{seed}/{question.id}").shuffle(order)
    letters = string.ascii_lowercase[: len(order)]
    shown_from = dict(zip(letters, order))
    to_shown = {bank: shown for shown, bank in shown_from.items()}
    options = {shown: question.options[bank] for shown, bank in shown_from.items()}
    if question.kind == "multi":
        answer = sorted(to_shown.get(str(k), str(k)) for k in (question.answer or []))
    else:
        answer = to_shown.get(str(question.answer), question.answer)
    return dataclasses.replace(question, options=options, answer=answer, shown_from=shown_from)


def response_text(question, verdict) -> str:
    """What to store for an answer: a command as typed, `true`/`false`, or the
    chosen options' text joined with ' | ' (unknown letters kept as typed).
    Never raises."""
    if question.kind == "command":
        return verdict.given
    keys = [k for k in verdict.given.split(",") if k]
    if question.kind == "truefalse":
        return ",".join({"a": "true", "b": "false"}.get(k, k) for k in keys)
    return " | ".join(question.choices.get(k, k) for k in keys)
