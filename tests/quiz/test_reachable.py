"""Every bank question is reachable: asked in a course notebook or listed in
course/README.md's coverage table (topics without a notebook yet)."""

import re

from kubelab.course.notebooks import references, sources
from kubelab.quiz.bank import load_bank

from quiz_helpers import ROOT

_ID = re.compile(r"\b(?:docker|nscg|pods|ctrl|probes|storage|config|sched|arch|net|net-ing|netpol|sec)-\d+\b")


def _table_ids() -> set[str]:
    text = (ROOT / "course" / "README.md").read_text(encoding="utf-8")
    ids: set[str] = set()
    for line in text.splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 4:
            ids |= set(_ID.findall(cells[3]))          # the "quiz questions" column
    return ids


def _notebook_ids() -> set[str]:
    return {qid for src in sources() for qid in references(src).questions}


def test_every_question_is_in_a_notebook_or_the_coverage_table():
    bank = {q.id for q in load_bank()}
    unreachable = sorted(bank - _notebook_ids() - _table_ids())
    assert unreachable == [], f"questions in no notebook and not in course/README.md's coverage table: {unreachable}"


def test_coverage_table_names_only_bank_questions():
    bank = {q.id for q in load_bank()}
    assert sorted(_table_ids() - bank) == []


def test_notebook_questions_are_in_the_coverage_table():
    missing = sorted(_notebook_ids() - _table_ids())
    assert missing == [], f"asked in a notebook but missing from course/README.md's coverage table: {missing}"


def test_architecture_and_networking_have_rows():
    ids = _table_ids()
    assert {q.id for q in load_bank() if q.topic in ("architecture", "networking")} <= ids
