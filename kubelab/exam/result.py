"""The exam's result: one graders.results.LabResult per task, scored by the task's weight.

A task scores weight x (lab points / lab max points); a domain is the sum of its tasks; the
total (out of 100) is compared with the track's pass line. `ExamResult` renders itself to a
terminal (`__rich__`: tasks, domains, total, then the solution and hints of each task not at
full marks) and to JSON (`to_dict`; `from_dict` reads it back for `kubelab exam review`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelab.graders.results import CheckResult, LabResult, Outcome


def lab_result_from_dict(d: dict) -> LabResult:
    checks = [CheckResult(id=c["id"], title=c["title"], outcome=Outcome(c["outcome"]), points=c["points"],
                          max_points=c["max_points"], observed=c.get("observed", ""), expected=c.get("expected", ""),
                          hint=c.get("hint", ""), next_step=c.get("next_step", ""), seconds=c.get("seconds", 0.0))
              for c in d.get("checks", [])]
    return LabResult(lab_id=d["lab"], title=d["title"], checks=checks, seconds=d.get("seconds", 0.0))


@dataclass
class TaskResult:
    number: int
    lab_id: str
    domain: str
    weight: float
    result: LabResult
    flagged: bool = False
    solution: str = ""     # markdown, kept for review

    @property
    def fraction(self) -> float:
        return self.result.points / self.result.max_points if self.result.max_points else 0.0

    @property
    def score(self) -> float:
        return self.weight * self.fraction

    @property
    def full(self) -> bool:
        return self.result.max_points > 0 and self.result.points >= self.result.max_points

    def to_dict(self) -> dict:
        return {"number": self.number, "lab": self.lab_id, "domain": self.domain, "weight": round(self.weight, 3),
                "score": round(self.score, 3), "flagged": self.flagged, "result": self.result.to_dict(),
                "solution": self.solution}


@dataclass
class ExamResult:
    run_id: int
    track: str
    track_title: str
    seed: int
    pass_pct: float
    domains: dict[str, str]              # domain id -> name (blueprint order)
    tasks: list[TaskResult] = field(default_factory=list)
    started_at: float = 0.0
    deadline: float = 0.0
    graded_at: float = 0.0
    seconds: float = 0.0                 # grading time
    recorded: bool = True                # False: some task could not be graded, the run stays open

    @property
    def total(self) -> float:
        return sum(t.score for t in self.tasks)

    @property
    def passed(self) -> bool:
        return self.total + 1e-9 >= self.pass_pct

    @property
    def late(self) -> bool:
        return bool(self.deadline) and self.graded_at > self.deadline

    def by_domain(self) -> dict[str, tuple[float, float]]:
        """domain id -> (score, weight) for the domains with tasks, blueprint order."""
        out: dict[str, tuple[float, float]] = {}
        for d in self.domains:
            ts = [t for t in self.tasks if t.domain == d]
            if ts:
                out[d] = (sum(t.score for t in ts), sum(t.weight for t in ts))
        return out

    @property
    def errors(self) -> list[int]:
        return [t.number for t in self.tasks if t.result.exit_code == 2]

    def to_dict(self) -> dict:
        return {
            "run": self.run_id, "track": self.track, "track_title": self.track_title, "seed": self.seed,
            "pass_pct": self.pass_pct, "total": round(self.total, 3), "passed": self.passed,
            "started_at": self.started_at, "deadline": self.deadline, "graded_at": self.graded_at,
            "late": self.late, "seconds": round(self.seconds, 3), "recorded": self.recorded,
            "domain_names": self.domains,
            "domains": {d: {"score": round(s, 3), "weight": round(w, 3)} for d, (s, w) in self.by_domain().items()},
            "tasks": [t.to_dict() for t in self.tasks],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "ExamResult":
        tasks = [TaskResult(t["number"], t["lab"], t["domain"], t["weight"], lab_result_from_dict(t["result"]),
                            t.get("flagged", False), t.get("solution", "")) for t in d["tasks"]]
        return cls(d["run"], d["track"], d["track_title"], d["seed"], d["pass_pct"], dict(d["domain_names"]), tasks,
                   d.get("started_at", 0.0), d.get("deadline", 0.0), d.get("graded_at", 0.0), d.get("seconds", 0.0))

    # ------------------------------------------------------------------ terminal
    def summary(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{self.total:.1f}/100 (pass line {self.pass_pct:g}): {verdict}"

    def score_table(self):
        from rich.table import Table

        table = Table(title=f"Exam run {self.run_id}: {self.track_title} (seed {self.seed})", title_justify="left")
        for col, just in (("#", "right"), ("task", "left"), ("domain", "left"), ("checks", "right"),
                          ("score", "right"), ("weight", "right")):
            table.add_column(col, justify=just)
        for t in self.tasks:
            style = "green" if t.full else ("yellow" if t.result.exit_code == 2 else ("red" if t.score == 0 else ""))
            mark = " (flagged)" if t.flagged else ""
            table.add_row(str(t.number), f"{t.lab_id}{mark}", self.domains.get(t.domain, t.domain),
                          f"{t.result.points:g}/{t.result.max_points:g}", f"{t.score:.1f}", f"{t.weight:.1f}",
                          style=style)
        return table

    def domain_table(self):
        from rich.table import Table

        from kubelab.quiz.render import bar

        table = Table(title="By domain", title_justify="left")
        for col, just in (("domain", "left"), ("", "left"), ("score", "right"), ("weight", "right"), ("%", "right")):
            table.add_column(col, justify=just)
        for d, (s, w) in self.by_domain().items():
            table.add_row(self.domains.get(d, d), bar(s / w if w else 0, 10), f"{s:.1f}", f"{w:.1f}",
                          f"{100 * s / w if w else 0:.0f}%")
        return table

    def __rich__(self):
        from rich.console import Group
        from rich.markdown import Markdown
        from rich.rule import Rule
        from rich.text import Text

        parts = [self.score_table(), self.domain_table()]
        parts.append(Text(f"Total: {self.summary()}", style="bold green" if self.passed else "bold red"))
        if self.late:
            parts.append(Text(f"graded {int(self.graded_at - self.deadline)} s after the deadline "
                              "(the state at grading time counts)", style="yellow"))
        if self.errors:
            parts.append(Text(f"tasks {', '.join(map(str, self.errors))} could not be graded (cluster or Docker "
                              "trouble, not your work): see each task's next step", style="yellow"))
        if not self.recorded:
            parts.append(Text("NOT RECORDED: the run stays open; fix the cluster and `kubelab exam submit` again "
                              "(or `kubelab exam reset` to abandon it)", style="bold yellow"))
        missed = [t for t in self.tasks if not t.full]
        if missed:
            parts.append(Rule("What was missed: hints and reference solutions"))
        for t in missed:
            parts.append(Text(f"\nTask {t.number}: {t.lab_id} ({t.score:.1f}/{t.weight:.1f})", style="bold"))
            parts.append(t.result)
            if t.solution:
                parts.append(Markdown(t.solution))
        return Group(*parts)

    def _repr_html_(self) -> str:
        return _html(self)


def _html(self: "ExamResult") -> str:
    import html

    esc = html.escape
    colour = "#1a7f37" if self.passed else "#cf222e"
    rows = "".join(
        f"<tr><td>{t.number}</td><td><code>{esc(t.lab_id)}</code>{' (flagged)' if t.flagged else ''}</td>"
        f"<td>{esc(self.domains.get(t.domain, t.domain))}</td><td style='text-align:right'>"
        f"{t.result.points:g}/{t.result.max_points:g}</td><td style='text-align:right'>{t.score:.1f}/{t.weight:.1f}</td></tr>"
        for t in self.tasks)
    doms = "".join(
        f"<tr><td>{esc(self.domains.get(d, d))}</td><td style='text-align:right'>{s:.1f}/{w:.1f}</td>"
        f"<td style='text-align:right'>{100 * s / w if w else 0:.0f}%</td></tr>" for d, (s, w) in self.by_domain().items())
    out = [f"<div class='kubelab-exam'><b>Exam run {self.run_id}: {esc(self.track_title)}</b>",
           "<table><tr><th>#</th><th>task</th><th>domain</th><th>checks</th><th>score</th></tr>" + rows + "</table>",
           "<table><tr><th>domain</th><th>score</th><th>%</th></tr>" + doms + "</table>",
           f"<p style='color:{colour};font-weight:bold'>Total: {esc(self.summary())}</p>"]
    if self.late:
        out.append(f"<p>graded {int(self.graded_at - self.deadline)} s after the deadline</p>")
    for t in self.tasks:
        if not t.full:
            out.append(f"<h4>Task {t.number}: {esc(t.lab_id)} ({t.score:.1f}/{t.weight:.1f})</h4>")
            out.append(t.result._repr_html_())
            if t.solution:
                out.append(f"<details><summary>Reference solution</summary><pre>{esc(t.solution)}</pre></details>")
    return "".join(out) + "</div>"


def history_chart(runs: list[dict], width: int = 40) -> str:
    """Plain-text bars of run totals, with the pass line marked `|` (runs: to_dict() dicts)."""
    lines = []
    for r in runs:
        filled = round(width * max(0.0, min(100.0, r["total"])) / 100)
        cells = ["█"] * filled + ["·"] * (width - filled)
        mark = min(width - 1, round(width * r["pass_pct"] / 100))
        cells[mark] = "|"
        lines.append(f"{r['run']:>4} {r['track']:<8} {''.join(cells)} {r['total']:5.1f} "
                     + ("PASS" if r["passed"] else "FAIL"))
    return "\n".join(lines)
