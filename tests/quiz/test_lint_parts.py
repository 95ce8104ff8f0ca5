"""A topic may be split over files: <topic>-<part>.yaml with `topic: <topic>` adds to that topic."""

from kubelab.quiz.bank import load_bank
from kubelab.quiz.lint import lint_bank

Q = """  - id: {id}
    kind: truefalse
    question: "Statement {id}."
    answer: true
    explanation: "Because {id}."
    source: "001 part 14 (CNI)"
"""


def test_a_part_file_adds_to_its_topic_and_a_wrong_topic_is_named(tmp_path):
    (tmp_path / "networking.yaml").write_text("topic: networking\nquestions:\n" + Q.format(id="n-1"))
    (tmp_path / "networking-netpol.yaml").write_text("topic: networking\nquestions:\n" + Q.format(id="n-2")
                                                     + Q.format(id="n-3"))
    result = lint_bank(tmp_path, require_counts=False)
    assert not result.problems and result.counts["networking"] == 3
    assert {q.topic for q in load_bank(tmp_path)} == {"networking"}
    (tmp_path / "pods-extra.yaml").write_text("topic: storage\nquestions:\n" + Q.format(id="n-4"))
    assert any("topic: expected 'pods-extra'" in p.message for p in lint_bank(tmp_path, require_counts=False).problems)
