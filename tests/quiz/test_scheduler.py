"""SM-2 scheduling: misses come back sooner, known questions later."""

import random
from datetime import date, timedelta

import pytest

from kubelab.quiz.scheduler import MIN_EASE, Card, answer, order_for_practice, review

D = date(2026, 1, 1)


def test_right_answers_stretch_the_interval():
    c = Card("q")
    c = answer(c, True, D)
    assert (c.interval, c.due) == (1, D + timedelta(days=1))
    c = answer(c, True, c.due)
    assert c.interval == 6
    c3 = answer(c, True, c.due)
    assert c3.interval == round(6 * c.ease) and c3.interval > 6


def test_wrong_answer_resets_and_lowers_ease():
    c = Card("q", ease=2.5, interval=15, reps=4, due=D)
    w = answer(c, False, D)
    assert w.interval == 1 and w.reps == 0 and w.lapses == 1
    assert w.due == D + timedelta(days=1)
    assert w.ease < c.ease


def test_missed_comes_back_sooner_than_known():
    known = answer(answer(Card("k"), True, D), True, D)
    missed = answer(answer(Card("m"), True, D), False, D)
    assert missed.due < known.due


def test_ease_never_below_minimum():
    c = Card("q")
    for _ in range(20):
        c = answer(c, False, D)
    assert c.ease == MIN_EASE


def test_quality_range_checked():
    with pytest.raises(ValueError):
        review(Card("q"), 6, D)


def test_practice_order_due_then_new_then_later():
    cards = {
        "late": Card("late", interval=3, reps=2, due=D + timedelta(days=3)),
        "due1": Card("due1", interval=1, reps=1, due=D),
        "due0": Card("due0", interval=1, reps=1, due=D - timedelta(days=2)),
    }
    order = order_for_practice(["late", "new1", "due1", "due0", "new2"], cards, D, random.Random(0))
    assert order[:2] == ["due0", "due1"]
    assert set(order[2:4]) == {"new1", "new2"}
    assert order[4] == "late"
    assert Card("x").is_due(D) is False
