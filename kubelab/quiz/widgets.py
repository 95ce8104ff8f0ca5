"""Bank questions as ipywidgets, for the course notebooks.

    from kubelab.quiz.widgets import question_widget, quiz_widget
    question_widget("pods-12")                 # one question
    quiz_widget(topic="probes", ids=None, count=5)

The same bank and the same judge as `kubelab quiz`; the explanation is shown
after each answer. Nothing is saved to the progress database.
"""

from __future__ import annotations

import html

from kubelab.quiz.bank import Question, get_question, load_bank
from kubelab.quiz.judge import judge
from kubelab.quiz.sources import readable_source


class QuestionWidget:
    """One question: prompt, input (radio / checkboxes / text), Check button, feedback."""

    def __init__(self, question: Question):
        import ipywidgets as w

        self.question = question
        q = question
        parts = [f"<b>{html.escape(q.question)}</b>"]
        if q.kind == "findbug" and q.yaml:
            parts.append(f"<pre>{html.escape(q.yaml)}</pre>")
        self.prompt = w.HTML("".join(parts))
        labels = [(f"{k}) {v}", k) for k, v in q.choices.items()]
        if q.kind == "command":
            self.input = w.Text(placeholder="kubectl ...", layout=w.Layout(width="90%"))
            self.checkboxes = []
        elif q.kind == "multi":
            self.checkboxes = [w.Checkbox(value=False, description=label, indent=False) for label, _ in labels]
            self.input = w.VBox(self.checkboxes)
        else:
            self.input = w.RadioButtons(options=labels, value=None, layout=w.Layout(width="max-content"))
            self.checkboxes = []
        self.button = w.Button(description="Check", button_style="primary")
        self.feedback = w.HTML("")
        self.verdict = None
        self.button.on_click(lambda _b: self.check())
        self.box = w.VBox([self.prompt, self.input, self.button, self.feedback])

    def response(self):
        """The current answer: a command string or a list of option keys."""
        q = self.question
        if q.kind == "command":
            return self.input.value
        if q.kind == "multi":
            keys = list(q.choices)
            return [keys[i] for i, cb in enumerate(self.checkboxes) if cb.value]
        return [] if self.input.value is None else [self.input.value]

    def check(self):
        """Judge the current answer and show the verdict and explanation; returns the Verdict."""
        q = self.question
        self.verdict = judge(q, self.response())
        if self.verdict.correct:
            head = "<span style='color:green'><b>Correct.</b></span>"
        else:
            head = (f"<span style='color:#b00'><b>Not quite.</b></span> Expected: "
                    f"<code>{html.escape(q.answer_text())}</code>")
        self.feedback.value = (f"{head}<br>{html.escape(q.explanation)}"
                               f"<br><small>Source: {html.escape(readable_source(q.source))}</small>")
        return self.verdict

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)


def question_widget(qid: str) -> QuestionWidget:
    """The widget for one bank question. Raises KeyError naming the id if unknown."""
    return QuestionWidget(get_question(qid))


class QuizWidget:
    """Several QuestionWidgets stacked, with a running score line."""

    def __init__(self, questions: list[Question]):
        import ipywidgets as w

        self.items = [QuestionWidget(q) for q in questions]
        self.score = w.HTML("")
        for item in self.items:
            item.button.on_click(lambda _b: self._update())
        self.box = w.VBox([i.box for i in self.items] + [self.score])

    def _update(self):
        done = [i for i in self.items if i.verdict is not None]
        right = sum(1 for i in done if i.verdict.correct)
        self.score.value = f"<b>Score: {right}/{len(done)}</b> ({len(self.items)} questions)"

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)


def quiz_widget(topic: str | None = None, ids: list[str] | None = None, count: int | None = None,
                seed: int | None = 0) -> QuizWidget:
    """Questions by id (in that order), or from a topic (shuffled with `seed`, up to `count`).

    Raises KeyError for an unknown id, ValueError if the selection is empty.
    """
    import random

    if ids:
        questions = [get_question(i) for i in ids]
    else:
        questions = [q for q in load_bank() if topic is None or q.topic == topic]
        random.Random(seed).shuffle(questions)
        if count:
            questions = questions[:count]
    if not questions:
        raise ValueError(f"quiz_widget: expected at least one question for topic={topic!r}, found none")
    return QuizWidget(questions)
