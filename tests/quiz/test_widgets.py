"""Notebook widgets: build, set a value, press Check, read the feedback (no browser)."""

import pytest

from kubelab.quiz.bank import load_bank
from kubelab.quiz.widgets import question_widget, quiz_widget

from quiz_helpers import right_line

BANK = load_bank()


def first(kind):
    return next(q for q in BANK if q.kind == kind)


def test_single_choice_right_and_wrong():
    q = first("single")
    w = question_widget(q.id)
    wrong = next(k for k in q.choices if k != q.answer)
    w.input.value = wrong
    w.button.click()
    assert not w.verdict.correct
    assert "Not quite" in w.feedback.value and "Expected" in w.feedback.value
    w.input.value = q.answer
    w.button.click()
    assert w.verdict.correct
    import html

    from kubelab.quiz.sources import readable_source

    assert "Correct." in w.feedback.value and html.escape(readable_source(q.source)) in w.feedback.value


def test_multi_choice_checkboxes():
    q = first("multi")
    w = question_widget(q.id)
    keys = list(q.choices)
    for i, cb in enumerate(w.checkboxes):
        cb.value = keys[i] in q.correct_keys
    assert w.check().correct
    w.checkboxes[keys.index(q.correct_keys[0])].value = False
    assert not w.check().correct


def test_command_text_judged_by_meaning():
    q = next(q for q in BANK if q.id == "ctrl-03")
    w = question_widget(q.id)
    w.input.value = "kubectl create deploy mydep --image nginx"
    assert w.check().correct
    w.input.value = "kubectl create deploy mydep --image httpd"
    assert not w.check().correct


def test_truefalse_and_findbug_render():
    for kind in ("truefalse", "findbug"):
        q = first(kind)
        w = question_widget(q.id)
        w.input.value = q.correct_keys[0]
        assert w.check().correct
    fb = question_widget(first("findbug").id)
    assert "<pre>" in fb.prompt.value


def test_quiz_widget_by_ids_and_topic():
    ids = [q.id for q in BANK if q.topic == "config"][:3]
    quiz = quiz_widget(ids=ids)
    assert [i.question.id for i in quiz.items] == ids
    first_item = quiz.items[0]
    if first_item.question.kind == "command":
        first_item.input.value = right_line(first_item.question)
    elif first_item.question.kind == "multi":
        for cb, k in zip(first_item.checkboxes, first_item.question.choices):
            cb.value = k in first_item.question.correct_keys
    else:
        first_item.input.value = first_item.question.correct_keys[0]
    first_item.button.click()
    assert "Score: 1/1" in quiz.score.value
    assert len(quiz_widget(topic="probes", count=4).items) == 4
    with pytest.raises(KeyError, match="found 'nope'"):
        question_widget("nope")
    with pytest.raises(ValueError):
        quiz_widget(topic="no-such-topic")
