"""Spaced repetition with SM-2 (Wozniak, 1987), on whole days.

Each question has a card: ease factor, interval in days, repetition count,
lapses and the day it is next due. A right answer stretches the interval
(1 day, 6 days, then interval x ease); a wrong one resets it to 1 day and
lowers the ease, so what you miss comes back sooner and what you know later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

DEFAULT_EASE = 2.5
MIN_EASE = 1.3
QUALITY_RIGHT = 4
QUALITY_WRONG = 1


@dataclass(frozen=True)
class Card:
    qid: str
    ease: float = DEFAULT_EASE
    interval: int = 0
    reps: int = 0
    lapses: int = 0
    due: date | None = None  # None: never answered

    def is_due(self, today: date) -> bool:
        return self.due is not None and self.due <= today


def review(card: Card, quality: int, today: date) -> Card:
    """The card after an answer of `quality` (0..5; >=3 means right) given on `today`.

    Raises ValueError if quality is outside 0..5.
    """
    if not 0 <= quality <= 5:
        raise ValueError(f"quality: expected 0..5, found {quality}")
    ease = card.ease + (0.1 - (5 - quality) * (0.08 + (5 - quality) * 0.02))
    ease = max(MIN_EASE, round(ease, 4))
    if quality < 3:
        return replace(card, ease=ease, interval=1, reps=0, lapses=card.lapses + 1,
                       due=today + timedelta(days=1))
    reps = card.reps + 1
    if reps == 1:
        interval = 1
    elif reps == 2:
        interval = 6
    else:
        interval = max(1, round(card.interval * card.ease))
    return replace(card, ease=ease, interval=interval, reps=reps, due=today + timedelta(days=interval))


def answer(card: Card, correct: bool, today: date) -> Card:
    """Shortcut for `review` with the two qualities the quiz uses (never raises)."""
    return review(card, QUALITY_RIGHT if correct else QUALITY_WRONG, today)


def order_for_practice(qids: list[str], cards: dict[str, Card], today: date, rng) -> list[str]:
    """Practice order: due cards (most overdue first), then new ones, then the rest
    by due day. Ties are shuffled with `rng` (a random.Random)."""
    due, new, later = [], [], []
    for qid in qids:
        card = cards.get(qid)
        if card is None or card.due is None:
            new.append(qid)
        elif card.due <= today:
            due.append(qid)
        else:
            later.append(qid)
    rng.shuffle(due)
    rng.shuffle(new)
    rng.shuffle(later)
    due.sort(key=lambda q: cards[q].due)
    later.sort(key=lambda q: cards[q].due)
    return due + new + later
