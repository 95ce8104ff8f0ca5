"""Helpers for the quiz tests: paths, CLI environment, right and wrong answers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kubelab.quiz.bank import load_bank

ROOT = Path(__file__).resolve().parents[2]
KUBELAB = str(Path(sys.executable).with_name("kubelab"))


def cli_env(data_dir, **extra) -> dict:
    env = dict(os.environ)
    env.pop("KUBELAB_QUESTIONS_DIR", None)
    env.update({"KUBELAB_DATA_DIR": str(data_dir), "TERM": "xterm", "COLUMNS": "100"})
    env.update(extra)
    return env


def right_line(q) -> str:
    """What to type over a pipe to answer q correctly."""
    if q.kind == "command":
        return q.accepted_commands[0]
    if q.kind == "truefalse":
        return "true" if q.answer is True else "false"
    return ",".join(q.correct_keys)


def wrong_line(q) -> str:
    if q.kind == "command":
        return "kubectl get nothing-at-all"
    if q.kind == "truefalse":
        return "false" if q.answer is True else "true"
    keys = [k for k in q.choices if k not in q.correct_keys]
    return keys[0]


def planned(topic=None, count=10, seed=1):
    """The questions `kubelab quiz --topic T --count N --seed S` asks on a fresh data dir,
    with their options in the order that session shows them."""
    from kubelab.quiz.session import pick_practice
    from kubelab.quiz.store import today

    from kubelab.quiz.shuffle import shuffled

    qs = [q for q in load_bank() if topic is None or q.topic == topic]
    return [shuffled(q, seed) for q in pick_practice(qs, {}, today(), count, seed)]
