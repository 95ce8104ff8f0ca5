"""Plain-text rendering of questions, feedback and summaries (ANSI colour optional).

Kept free of rich on purpose: it is on the path to the first question, which
must appear within 300 ms of `kubelab quiz`.
"""

from __future__ import annotations

import shutil
import textwrap

from kubelab.quiz.sources import readable_source

KIND_HINTS = {
    "single": "choose one",
    "multi": "choose all that apply",
    "truefalse": "true or false",
    "command": "type the command",
    "findbug": "find the bug",
}


class Style:
    def __init__(self, colour: bool):
        self.colour = colour

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour else text

    def bold(self, t: str) -> str:
        return self._wrap("1", t)

    def dim(self, t: str) -> str:
        return self._wrap("2", t)

    def good(self, t: str) -> str:
        return self._wrap("32;1", t)

    def bad(self, t: str) -> str:
        return self._wrap("31;1", t)

    def accent(self, t: str) -> str:
        return self._wrap("36", t)


def width() -> int:
    return max(40, min(100, shutil.get_terminal_size((80, 24)).columns))


def wrap(text: str, indent: str = "") -> str:
    w = width()
    paras = [p for p in text.strip().split("\n")]
    return "\n".join(textwrap.fill(p, w, initial_indent=indent, subsequent_indent=indent) if p.strip() else ""
                     for p in paras)


def question_header(q, index: int, total: int, style: Style, extra: str = "") -> str:
    head = f"Question {index}/{total}"
    tail = f"[{q.topic}] {KIND_HINTS.get(q.kind, q.kind)}"
    if extra:
        tail += f"  {extra}"
    lines = ["", style.bold(head) + "  " + style.dim(tail), wrap(q.question)]
    if q.kind == "findbug" and q.yaml:
        lines.append("")
        for n, line in enumerate(q.yaml.rstrip("\n").split("\n"), start=1):
            lines.append(style.accent(f"  {n:>2} | {line}"))
    return "\n".join(lines)


def option_lines(q, reserve: int = 0) -> list[str]:
    """`a) text` lines for a choice question, wrapped to the terminal width
    less `reserve` columns (room for a tick box)."""
    out = []
    for key, text in q.choices.items():
        out.append(textwrap.fill(f"{key}) {text}", width() - reserve, initial_indent="  ",
                                 subsequent_indent="     "))
    return out


def answer_prompt(q) -> str:
    keys = list(q.choices)
    if q.kind == "multi":
        return f"Answer ({'/'.join(keys)}, several separated by commas): "
    if q.kind == "truefalse":
        return "Answer (true/false): "
    if q.kind == "command":
        return "$ "
    return f"Answer ({'/'.join(keys)}): "


def given_text(q, verdict) -> str:
    """The learner's answer as they would recognise it (`b) text` for choices)."""
    if not verdict.given:
        return "(no answer)"
    if q.kind == "command":
        return verdict.given
    keys = [k for k in verdict.given.split(",") if k]
    return ", ".join(f"{k}) {q.choices[k]}" if k in q.choices else k for k in keys)


def feedback(q, verdict, style: Style, show_explanation: bool = True) -> str:
    if verdict.correct:
        lines = [style.good("Correct.")]
    else:
        text = wrap(f"Wrong. You answered: {given_text(q, verdict)}")
        lines = [style.bad("Wrong.") + text[len("Wrong."):],
                 wrap(f"Expected: {q.answer_text()}")]
        if verdict.note:
            lines.append(style.dim(verdict.note))
    if show_explanation:
        lines.append(wrap(q.explanation))
        lines.append(style.dim(f"Source: {readable_source(q.source)}"))
    return "\n".join(lines)


def score_line(right: int, answered: int, planned: int) -> str:
    pct = round(100 * right / answered) if answered else 0
    line = f"Score: {right}/{answered} ({pct}%)"
    if answered < planned:
        line += f", {planned - answered} of {planned} questions not answered"
    return line


def bar(fraction: float, cells: int = 20) -> str:
    fraction = max(0.0, min(1.0, fraction))
    full = int(round(fraction * cells))
    return "#" * full + "." * (cells - full)
