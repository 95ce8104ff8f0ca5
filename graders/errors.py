"""The exceptions a check primitive raises; the runner turns each into an outcome.

- `Failed`    -> outcome failed: the student's work is not (yet) as asked.
- `InfraError`-> outcome error: the cluster or Docker could not answer; carries a next step.
- `Skipped`   -> outcome skipped.
Any other exception inside a check becomes an error result as well (never a crash).
"""

from __future__ import annotations

NEXT_CLUSTER = "run `kubelab cluster up` (or `kubelab doctor`), then check again"
NEXT_DOCKER = "make sure the Docker engine runs (`docker ps` must work), then check again"


class Failed(AssertionError):
    """The observed state differs from the expected one.

    `message` reads like `spec.replicas: expected 3, found 1`.
    """

    def __init__(self, message: str, *, expected: str = "", found: str = ""):
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.found = found


class InfraError(RuntimeError):
    """The cluster API or the Docker engine could not be asked (unreachable, 5xx, timeout)."""

    def __init__(self, message: str, next_step: str = NEXT_CLUSTER):
        super().__init__(message)
        self.message = message
        self.next_step = next_step


class Skipped(Exception):
    """The check does not apply (e.g. a prerequisite check did not pass)."""


def expect_equal(what: str, expected, found) -> str:
    """Raise Failed(`what: expected X, found Y`) unless equal; return the observation."""
    if expected != found:
        raise Failed(f"{what}: expected {_show(expected)}, found {_show(found)}",
                     expected=_show(expected), found=_show(found))
    return f"{what} = {_show(found)}"


def _show(value) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value) if value == "" or value.strip() != value else value
    return str(value)
