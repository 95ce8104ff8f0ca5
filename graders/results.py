"""One result type for a check and one for a lab, rendered for every audience.

A `CheckResult` says what a check expected, what it found, how many points it earned and,
when it did not pass, the hint (and for errors the next step to run). It renders itself
to a rich terminal table row (`LabResult.__rich__`), to HTML in a notebook (`_repr_html_`),
to JSON (`to_dict`) and to nbgrader (`assert_passed` raises AssertionError).
"""

from __future__ import annotations

import enum
import html
from dataclasses import dataclass, field


class Outcome(str, enum.Enum):
    """passed/failed are the student's; error is the infrastructure's; skipped is not run."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    def __str__(self) -> str:  # "passed", not "Outcome.PASSED"
        return self.value


_STYLE = {Outcome.PASSED: "green", Outcome.FAILED: "red", Outcome.ERROR: "yellow", Outcome.SKIPPED: "dim"}
_MARK = {Outcome.PASSED: "✔", Outcome.FAILED: "✘", Outcome.ERROR: "!", Outcome.SKIPPED: "–"}


class CheckInfrastructureError(RuntimeError):
    """Raised in a notebook grade cell when a check could not run (cluster/Docker trouble).

    Deliberately not an AssertionError: the student's work was not judged.
    """


@dataclass
class CheckResult:
    id: str
    title: str
    outcome: Outcome
    points: float
    max_points: float
    observed: str = ""
    expected: str = ""
    hint: str = ""
    next_step: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASSED

    @property
    def message(self) -> str:
        """One line saying what was found (failure messages also say what was expected)."""
        if self.outcome is Outcome.PASSED:
            return self.observed or "ok"
        return self.observed or (f"expected {self.expected}" if self.expected else self.outcome.value)

    def advice(self) -> str:
        """What to do next: the hint for a failure, the next step for an error."""
        if self.outcome is Outcome.ERROR:
            return self.next_step
        if self.outcome is Outcome.FAILED:
            return self.hint
        return ""

    def to_dict(self) -> dict:
        d = {
            "id": self.id, "title": self.title, "outcome": self.outcome.value,
            "points": self.points, "max_points": self.max_points,
            "observed": self.observed, "expected": self.expected,
            "seconds": round(self.seconds, 3),
        }
        if not self.passed:
            d["hint"] = self.hint
        if self.outcome is Outcome.ERROR:
            d["next_step"] = self.next_step
        return d

    def assert_passed(self) -> None:
        """nbgrader: return None when passed, raise otherwise (AssertionError for the student's work).

        An error (cluster or Docker unreachable) raises CheckInfrastructureError instead, so
        that an autograder log shows it is not the student's fault.
        """
        if self.passed:
            return
        text = f"{self.id}: {self.title}\n{self.message}"
        if self.outcome is Outcome.ERROR:
            raise CheckInfrastructureError(f"{text}\nnext step: {self.next_step}")
        if self.hint:
            text += f"\nhint: {self.hint}"
        raise AssertionError(text)

    def _repr_html_(self) -> str:
        return LabResult(lab_id="", title="", checks=[self])._repr_html_()


@dataclass
class LabResult:
    lab_id: str
    title: str
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def points(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_points(self) -> float:
        return sum(c.max_points for c in self.checks)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for c in self.checks if c.outcome is outcome)

    @property
    def all_passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 some failed (or skipped), 2 some error (infrastructure)."""
        if self.count(Outcome.ERROR):
            return 2
        return 0 if self.all_passed else 1

    def verdicts(self) -> dict[str, str]:
        return {c.id: c.outcome.value for c in self.checks}

    def by_id(self, check_id: str) -> CheckResult:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(check_id)

    def summary(self) -> str:
        parts = [f"{self.points:g}/{self.max_points:g} points"]
        for o in Outcome:
            n = self.count(o)
            if n:
                parts.append(f"{n} {o.value}")
        return ", ".join(parts)

    def to_dict(self) -> dict:
        return {
            "lab": self.lab_id, "title": self.title,
            "points": self.points, "max_points": self.max_points,
            "exit_code": self.exit_code, "seconds": round(self.seconds, 3),
            "checks": [c.to_dict() for c in self.checks],
        }

    def assert_passed(self) -> None:
        for c in self.checks:
            c.assert_passed()

    def __rich__(self):
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(title=f"{self.lab_id}: {self.title}" if self.lab_id else None, show_lines=False,
                      title_justify="left", expand=False)
        table.add_column("", no_wrap=True)
        table.add_column("check", max_width=34, overflow="fold")
        table.add_column("points", justify="right", no_wrap=True)
        table.add_column("what was found", min_width=30, ratio=1, overflow="fold")
        for c in self.checks:
            style = _STYLE[c.outcome]
            detail = Text(c.message)
            advice = c.advice()
            if advice:
                label = "next step" if c.outcome is Outcome.ERROR else "hint"
                detail.append(f"\n{label}: {advice}", style="italic cyan")
            table.add_row(Text(_MARK[c.outcome], style=style),
                          Text(f"{c.id}\n", style=style).append(c.title, style="dim"),
                          f"{c.points:g}/{c.max_points:g}", detail)
        foot = Text(self.summary(), style="bold green" if self.all_passed else "bold")
        return Group(table, foot)

    def _repr_html_(self) -> str:
        colors = {Outcome.PASSED: "#1a7f37", Outcome.FAILED: "#cf222e", Outcome.ERROR: "#9a6700",
                  Outcome.SKIPPED: "#6e7781"}
        rows = []
        for c in self.checks:
            advice = c.advice()
            label = "next step" if c.outcome is Outcome.ERROR else "hint"
            extra = f"<br><i>{label}: {html.escape(advice)}</i>" if advice else ""
            rows.append(
                f"<tr><td style='color:{colors[c.outcome]};font-weight:bold'>{_MARK[c.outcome]} {c.outcome.value}</td>"
                f"<td><code>{html.escape(c.id)}</code><br><small>{html.escape(c.title)}</small></td>"
                f"<td style='text-align:right'>{c.points:g}/{c.max_points:g}</td>"
                f"<td style='text-align:left'>{html.escape(c.message)}{extra}</td></tr>"
            )
        head = f"<b>{html.escape(self.lab_id)}</b>: {html.escape(self.title)}<br>" if self.lab_id else ""
        return (
            f"<div class='kubelab-result'>{head}<table>"
            "<tr><th></th><th>check</th><th>points</th><th>what was found</th></tr>"
            + "".join(rows)
            + f"</table><b>{html.escape(self.summary())}</b></div>"
        )
