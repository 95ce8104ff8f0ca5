"""Phases of long work: a live line while they run, their time when they end.

On a terminal a spinner shows the newest output line; without one (CI, pipes)
a heartbeat line is printed every 30 s so a long build is never silent.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from rich.console import Console

console = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Phase:
    name: str
    started: float = field(default_factory=time.monotonic)
    last_line: str = ""
    cached: bool = False
    _last_beat: float = field(default_factory=time.monotonic)
    _status: object | None = None

    def line(self, text: str) -> None:
        """Note the newest line of output from the phase's work."""
        text = text.strip()
        if not text:
            return
        self.last_line = text[:100]
        now = time.monotonic()
        if self._status is not None:
            self._status.update(f"[bold]{self.name}[/] {self.elapsed():.0f}s  [dim]{self.last_line}[/]")
        elif now - self._last_beat >= 30:
            self._last_beat = now
            console.print(f"  … {self.name}: {self.elapsed():.0f}s  {self.last_line}")

    def elapsed(self) -> float:
        return time.monotonic() - self.started


@dataclass
class Timings:
    rows: list[tuple[str, float, bool]] = field(default_factory=list)

    def summary(self) -> str:
        width = max((len(n) for n, _, _ in self.rows), default=10)
        lines = [f"  {n:<{width}}  {t:7.1f}s{'  (reused)' if c else ''}" for n, t, c in self.rows]
        total = sum(t for _, t, _ in self.rows)
        lines.append(f"  {'total':<{width}}  {total:7.1f}s")
        return "\n".join(lines)


@contextmanager
def phase(name: str, timings: Timings | None = None) -> Iterator[Phase]:
    """Run a block as a named phase; prints its duration, or the failure and duration."""
    p = Phase(name)
    interactive = sys.stderr.isatty()
    console.print(f"▶ {name}")
    status = console.status(f"[bold]{name}[/]", spinner="dots") if interactive else None
    try:
        if status is not None:
            with status:
                p._status = status
                yield p
        else:
            yield p
    except BaseException:
        console.print(f"✗ {name} failed after {p.elapsed():.1f}s")
        raise
    took = p.elapsed()
    console.print(f"✓ {name} {'(reused) ' if p.cached else ''}{took:.1f}s")
    if timings is not None:
        timings.rows.append((name, took, p.cached))
