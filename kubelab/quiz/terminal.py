"""Asking for answers: an arrow-key menu on a TTY, plain lines over a pipe.

Both read with an optional deadline (time.monotonic() value); when it passes
before an answer arrives they raise `TimeUp`. End of input returns None.
Ctrl-C is left to raise KeyboardInterrupt (the terminal mode is restored).
"""

from __future__ import annotations

import os
import re
import select
import sys
import time

from kubelab.quiz import render


class TimeUp(Exception):
    """The deadline passed before an answer was given."""


def _wait_readable(fd: int, deadline: float | None) -> None:
    """Block until fd is readable; raise TimeUp if the deadline passes first."""
    while True:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise TimeUp()
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            return


class PipeTerminal:
    """Line-oriented: prints options, reads one answer per line from stdin."""

    interactive = False

    def __init__(self, stdin=None, stdout=None, colour: bool = False):
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.style = render.Style(colour)

    def write(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def read_line(self, prompt: str, deadline: float | None = None) -> str | None:
        self.stdout.write(prompt)
        self.stdout.flush()
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            fd = None
        if fd is not None and deadline is not None:
            _wait_readable(fd, deadline)
        line = self.stdin.readline()
        if line == "":
            self.stdout.write("\n")
            return None
        if not self.interactive:
            self.stdout.write(line if line.endswith("\n") else line + "\n")
        return clean_line(line)

    def ask(self, q, deadline: float | None = None):
        """The learner's response: a string (as typed) or None at end of input."""
        if q.kind != "command":
            for line in render.option_lines(q):
                self.write(line)
        return self.read_line(render.answer_prompt(q), deadline)


class TtyTerminal(PipeTerminal):
    """Arrow keys (or j/k, or the option letter) move, space ticks, Enter answers."""

    interactive = True

    def __init__(self):
        super().__init__(sys.stdin, sys.stdout, colour=True)
        self.fd = sys.stdin.fileno()

    def discard_typeahead(self) -> None:
        """Drop a half-typed answer (after the exam deadline) so it does not reach the shell."""
        import termios

        try:
            termios.tcflush(self.fd, termios.TCIFLUSH)
        except termios.error:
            pass

    def ask(self, q, deadline: float | None = None):
        if q.kind == "command":
            if deadline is None:
                return self._edit_line(render.answer_prompt(q))
            return self.read_line(render.answer_prompt(q), deadline)
        return self._menu(q, deadline)

    def _edit_line(self, prompt: str) -> str | None:
        """input() with GNU readline: arrow keys edit the line and recall earlier commands."""
        try:
            import readline  # noqa: F401  (imported for its side effect on input())
        except ImportError:
            pass
        try:
            return clean_line(input(prompt))
        except EOFError:
            self.write("")
            return None

    def _menu(self, q, deadline):
        import termios
        import tty

        keys = list(q.choices)
        multi = q.kind == "multi"
        cursor = 0
        ticked: set[str] = set()
        self.write(self.style.dim("  (arrows move, " + ("space or letter ticks, " if multi else "") + "Enter answers)"))
        drawn = 0
        old = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd)
            self.stdout.write("\x1b[?25l")
            while True:
                drawn = self._draw(q, keys, cursor, ticked, multi, drawn)
                _wait_readable(self.fd, deadline)
                data = os.read(self.fd, 32).decode(errors="ignore")
                if data == "":
                    return None
                for key in _split_keys(data):
                    if key in ("\x1b[A", "\x1bOA", "k"):
                        cursor = (cursor - 1) % len(keys)
                    elif key in ("\x1b[B", "\x1bOB", "j"):
                        cursor = (cursor + 1) % len(keys)
                    elif key in keys:
                        cursor = keys.index(key)
                        if multi:
                            ticked ^= {key}
                    elif key == " " and multi:
                        ticked ^= {keys[cursor]}
                    elif key in ("\r", "\n"):
                        self._draw(q, keys, cursor, ticked, multi, drawn)
                        chosen = ([k for k in keys if k in ticked] or [keys[cursor]]) if multi else [keys[cursor]]
                        self.write("Answer: " + ",".join(chosen))
                        return chosen
                    elif key == "\x04":
                        return None
        finally:
            self.stdout.write("\x1b[?25h")
            self.stdout.flush()
            termios.tcsetattr(self.fd, termios.TCSADRAIN, old)

    def _draw(self, q, keys, cursor, ticked, multi, drawn: int) -> int:
        out = []
        if drawn:
            out.append(f"\x1b[{drawn}F")
        rows = 0
        for i, line in enumerate(render.option_lines(q, 4 if multi else 0)):
            key = keys[i]
            box = ("[x] " if key in ticked else "[ ] ") if multi else ""
            mark = ">" if i == cursor else " "
            text = line.replace("  ", f"{mark} {box}", 1) if line.startswith("  ") else line
            parts = text.split("\n")
            for part in parts:
                part = self.style.bold(part) if i == cursor else part
                out.append("\x1b[2K" + part + "\n")
            rows += len(parts)
        self.stdout.write("".join(out))
        self.stdout.flush()
        return rows


_ESCAPES = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|O.|.)")


def clean_line(line: str) -> str:
    """A typed line without its newline, terminal escape sequences (arrow keys
    pressed at a line prompt) or other control characters."""
    line = _ESCAPES.sub("", line.rstrip("\r\n"))
    return "".join(ch for ch in line if ch == "\t" or ch >= " ")


def _split_keys(data: str) -> list[str]:
    out, i = [], 0
    while i < len(data):
        if data[i] == "\x1b" and i + 2 < len(data) and data[i + 1] in "[O":
            out.append(data[i:i + 3])
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out


def make_terminal(plain: bool = False) -> PipeTerminal:
    """A TtyTerminal when stdin and stdout are terminals (and not `plain`), else a PipeTerminal."""
    if not plain and sys.stdin.isatty() and sys.stdout.isatty():
        return TtyTerminal()
    return PipeTerminal()
