"""One small layer for running commands (docker, kind, go, debootstrap ...).

A failed command raises CommandError carrying the command as it can be pasted
into a shell and the tail of its output, so every error says what ran and what
it printed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Callable, Mapping, Sequence


class CommandError(RuntimeError):
    """A command exited non-zero, could not start, or timed out."""

    def __init__(self, cmd: Sequence[str], returncode: int | None, output: str, note: str = ""):
        self.cmd = list(cmd)
        self.returncode = returncode
        self.output = output
        self.note = note
        super().__init__(str(self))

    @property
    def command_line(self) -> str:
        return shlex.join(self.cmd)

    def __str__(self) -> str:
        status = "timed out" if self.returncode is None else f"exit {self.returncode}"
        head = f"command failed ({status}): {self.command_line}"
        if self.note:
            head += f"\n{self.note}"
        tail = "\n".join(self.output.strip().splitlines()[-25:])
        return f"{head}\n{tail}" if tail else head


def run(
    cmd: Sequence[str],
    *,
    input: str | bytes | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run a command and capture its output (text). Raises CommandError on failure when check is true."""
    full_env = {**os.environ, **env} if env else None
    text = not isinstance(input, bytes)
    try:
        proc = subprocess.run(
            list(cmd), input=input, cwd=cwd, env=full_env, timeout=timeout,
            capture_output=True, text=text,
        )
    except FileNotFoundError as exc:
        raise CommandError(cmd, 127, "", f"{cmd[0]}: not found on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or b""
        raise CommandError(cmd, None, out.decode(errors="replace") if isinstance(out, bytes) else out,
                           f"no answer within {timeout:.0f} s") from exc
    if check and proc.returncode != 0:
        out = proc.stdout + proc.stderr
        raise CommandError(cmd, proc.returncode, out if isinstance(out, str) else out.decode(errors="replace"))
    return proc


def run_logged(
    cmd: Sequence[str],
    log_path: Path,
    *,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> float:
    """Run a long command, appending its output to log_path and passing each line to on_line.

    Returns the seconds it took. Raises CommandError (with the log's tail) on failure.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **env} if env else None
    tail: deque[str] = deque(maxlen=40)
    start = time.monotonic()
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"\n$ {shlex.join(cmd)}\n")
        log.flush()
        try:
            proc = subprocess.Popen(
                list(cmd), cwd=cwd, env=full_env, stdin=stdin,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
            )
        except FileNotFoundError as exc:
            raise CommandError(cmd, 127, "", f"{cmd[0]}: not found on PATH") from exc
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            tail.append(line.rstrip("\n"))
            if on_line:
                on_line(line.rstrip("\n"))
        rc = proc.wait()
    if rc != 0:
        raise CommandError(cmd, rc, "\n".join(tail), f"full log: {log_path}")
    return time.monotonic() - start
