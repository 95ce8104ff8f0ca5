"""What one graded submission comes to: whose fault a zero is, and how much of the score was verified live.

- `GRADED`: the score stands; a zero is the student's (no record, nothing replayed passes, refused work).
- `REGRADE`: the autograder's own trouble (cluster unreachable, the replay machinery failed, nbgrader
  failed): no 0 is recorded for it; re-run `kubelab autograde <lab> --student <s>`.

`verified_text` says per submission how many points the replay verified live and how many came from
the record (checks the lab declares record_only: rollout history, a drain, host paths), e.g.
"verified live 6 of 8 points, from the record 2".
"""

from __future__ import annotations

GRADED = "graded"
REGRADE = "regrade"


def split_points(graded: dict) -> tuple[float, float, float, float]:
    """graded: check id -> (points, max points, from the record). Returns (live, record, max, record max)."""
    live = sum(p for p, _, rec in graded.values() if not rec)
    record = sum(p for p, _, rec in graded.values() if rec)
    total = sum(m for _, m, _ in graded.values())
    record_max = sum(m for _, m, rec in graded.values() if rec)
    return live, record, total, record_max


def verified_text(graded: dict, verified_only: bool = False) -> str:
    live, record, total, record_max = split_points(graded)
    text = f"verified live {live:g} of {total:g} points, from the record {record:g}"
    if verified_only and record_max:
        text += f" (checks worth {record_max:g} graded from the record only are not counted: --verified-only)"
    return text


def graded_checks(lab, scores: dict, record_only) -> dict:
    """The gradebook's per-check scores as `graded` for verified_text (a missing score counts 0)."""
    record_only = set(record_only or ())
    return {c.id: (float(scores.get(c.id) or 0.0), float(c.points), c.id in record_only) for c in lab.checks}
