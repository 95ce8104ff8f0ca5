"""nbgrader grade cells: `grade(lab_id, check_id)`, the one grade entry point of every grade cell.

On success it returns None and prints nothing (full marks); on failure it raises
AssertionError with the check's message and hint (zero marks). When the cluster or Docker
cannot be asked it raises CheckInfrastructureError (not the student's fault: re-run the
autograder once the cluster is up). It never writes to stderr, which nbgrader would score 0.

Where it grades: under `kubelab autograde` ($KUBELAB_REPLAY names the replay of the submission)
the check runs against that replay (kubelab.instructor.grade.grade_cell); otherwise against the
live state of this machine (the student's own cluster / Docker engine). The same cell serves
the lab's notebook and the course notebook; kubelab.instructor.grade never imports this module.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import warnings

from kubelab.labs.render import grade_cells  # noqa: F401  (re-exported: a lab's grade cells)

REPLAY_ENV = "KUBELAB_REPLAY"  # = kubelab.instructor.grade.ENV


def grade(lab_id: str, check_id: str) -> None:
    """Grade one check of a lab; raise AssertionError when it does not pass."""
    if os.environ.get(REPLAY_ENV):
        from kubelab.instructor.grade import grade_cell

        return grade_cell(lab_id, check_id)
    from kubelab.labs.engine import check_lab
    from kubelab.labs.registry import get_lab

    sink = io.StringIO()
    with contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            lab = get_lab(lab_id)
            lab.check_by_id(check_id)  # KeyError naming the lab's checks
            result = check_lab(lab, only=[check_id]).by_id(check_id)
        finally:
            logging.disable(logging.NOTSET)
    result.assert_passed()
