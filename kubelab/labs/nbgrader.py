"""nbgrader grade cells: `grade(lab_id, check_id)` runs one check against the live state.

On success it returns None and prints nothing (full marks); on failure it raises
AssertionError with the check's message and hint (zero marks). When the cluster or Docker
cannot be asked it raises CheckInfrastructureError (not the student's fault: re-run the
autograder once the cluster is up). It never writes to stderr, which nbgrader would score 0.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings

from kubelab.labs.render import grade_cells  # noqa: F401  (re-exported: a lab's grade cells)


def grade(lab_id: str, check_id: str) -> None:
    """Grade one check of a lab; raise AssertionError when it does not pass.

    Under `kubelab autograde` ($KUBELAB_REPLAY set) the check runs against the submission's
    replay instead (kubelab.instructor.grade), so a lab's own notebook can be autograded too."""
    import os

    if os.environ.get("KUBELAB_REPLAY"):
        from kubelab.instructor.grade import grade as replay_grade

        return replay_grade(lab_id, check_id)
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
