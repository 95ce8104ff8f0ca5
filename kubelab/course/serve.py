"""Serving the course in JupyterLab: `kubelab course serve` (what `make course` ends with).

The server runs `python -m jupyterlab` of this interpreter, with root_dir the course folder,
a token kept in the cache (so the URL stays the same from one day to the next; passed in
JUPYTER_TOKEN, not on the command line), `--allow-root`
when run as root, and kubelab's kubectl and this venv's `kubelab` first on the PATH of
JupyterLab's terminals and kernels. Its log goes to a file; the terminal shows what to open
and what to do first.

- foreground (default): serve until Ctrl-C;
- background: start (or find running), wait until /api answers, print, return;
- check: is a server answering on the port with our token; stop: end the one we started.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


class ServeError(RuntimeError):
    pass


@dataclass
class Server:
    ip: str
    port: int
    root: Path
    token: str
    state_dir: Path

    @property
    def host(self) -> str:
        return "127.0.0.1" if self.ip in ("0.0.0.0", "", "*") else self.ip

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"server-{self.port}.json"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"server-{self.port}.log"

    def url(self, path: str = "lab") -> str:
        return f"{self.base}/{path}?token={self.token}"

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ip={self.ip}", f"--port={self.port}",
               "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
               "--ServerApp.terminals_enabled=True"]  # the token goes in JUPYTER_TOKEN, not in `ps`
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        return cmd


def state_dir() -> Path:
    from kubelab.cluster.paths import cache_dir

    return cache_dir() / "jupyter"


def course_token(directory: Path) -> str:
    """The course server's token: kept in `directory/token` (mode 0600), made once."""
    path = directory / "token"
    try:
        text = path.read_text().strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    directory.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(24)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")
    os.replace(tmp, path)
    return token


def server(port: int = 8888, ip: str = "127.0.0.1", root: Path | None = None, token: str | None = None,
           directory: Path | None = None) -> Server:
    from kubelab.course.notebooks import course_dir

    directory = directory or state_dir()
    return Server(ip=ip, port=port, root=(root or course_dir()).resolve(),
                  token=token or course_token(directory), state_dir=directory)


def answers(srv: Server, timeout: float = 2.0) -> bool:
    """Does a Jupyter server answer /api/status on the port and accept our token?"""
    req = urllib.request.Request(f"{srv.base}/api/status", headers={"Authorization": f"token {srv.token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status == 200 and "started" in json.loads(resp.read() or b"{}")
    except (urllib.error.URLError, OSError, ValueError):
        return False


def server_env(token: str = "") -> dict:
    """The server's environment: kubelab's kubectl/kind and this venv's bin first on PATH (its
    terminals and kernels inherit it, so `kubectl` and `kubelab` work there)."""
    from kubelab.cluster.paths import bin_dir

    env = dict(os.environ)
    first = [str(bin_dir()), str(Path(sys.executable).parent)]
    rest = [p for p in env.get("PATH", "").split(os.pathsep) if p and p not in first]
    env["PATH"] = os.pathsep.join(first + rest)
    env.setdefault("SHELL", "/bin/bash")
    if token:
        env["JUPYTER_TOKEN"] = token
    return env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recorded_pid(srv: Server) -> int | None:
    try:
        pid = int(json.loads(srv.pid_file.read_text())["pid"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    return pid if _alive(pid) else None


def _log_tail(srv: Server, lines: int = 15) -> str:
    try:
        return "\n".join(srv.log_file.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def spawn(srv: Server, wait: float = 60.0) -> subprocess.Popen:
    """Start the server (log to its file) and wait until it answers; raise ServeError with the
    command and the log's last lines when it exits or does not answer in time."""
    return wait_until_answers(srv, launch(srv), wait)


def launch(srv: Server) -> subprocess.Popen:
    """Start the server in its own session, logging to its file; record its pid. Does not wait."""
    srv.state_dir.mkdir(parents=True, exist_ok=True)
    log = open(srv.log_file, "ab")
    cmd = srv.command()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            env=server_env(srv.token), cwd=str(srv.root), start_new_session=True)
    log.close()
    tmp = srv.pid_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": proc.pid, "port": srv.port, "root": str(srv.root)}))
    os.replace(tmp, srv.pid_file)
    return proc


def wait_until_answers(srv: Server, proc: subprocess.Popen, wait: float = 60.0) -> subprocess.Popen:
    """Wait until `proc` answers on /api; stop it and raise ServeError when it exits or is late."""
    cmd = proc.args if isinstance(proc.args, list) else [str(proc.args)]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            srv.pid_file.unlink(missing_ok=True)
            shown = " ".join(cmd)
            tail = _log_tail(srv)
            busy = "address already in use" in tail.lower() or "is not available" in tail.lower()
            raise ServeError(f"JupyterLab exited with code {proc.returncode}: {shown}\n"
                             f"last lines of {srv.log_file}:\n{tail}"
                             + (f"\nport {srv.port} is taken: choose another (`make course PORT=8899`)" if busy else ""))
        if answers(srv, timeout=1.0):
            return proc
        time.sleep(0.3)
    stop_pid(proc.pid)
    srv.pid_file.unlink(missing_ok=True)
    raise ServeError(f"JupyterLab did not answer on {srv.base}/api within {wait:.0f} s; "
                     f"last lines of {srv.log_file}:\n{_log_tail(srv)}")


def stop_pid(pid: int, wait: float = 10.0) -> None:
    """SIGTERM the server's process group, then SIGKILL after `wait` seconds."""
    for sig, pause in ((signal.SIGTERM, wait), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            os.kill(pid, sig)
        deadline = time.monotonic() + pause
        while time.monotonic() < deadline:
            try:
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    return
            except ChildProcessError:  # not our child: poll it
                if not _alive(pid):
                    return
            time.sleep(0.1)


def stop(srv: Server) -> bool:
    """Stop the server `serve` started on this port; False when none was running."""
    pid = _recorded_pid(srv)
    srv.pid_file.unlink(missing_ok=True)
    if pid is None:
        return False
    stop_pid(pid)
    return True


def banner(srv: Server, lab: str | None = None, running_since: str = "") -> str:
    """What `make course` prints at the end: what to open, what to do first, how to stop."""
    notebooks = sorted(p.name for p in srv.root.glob("[0-9][0-9]-*.ipynb"))
    first = notebooks[0] if notebooks else ""
    lines = [
        f"JupyterLab serves the course{running_since}. Open this in your browser:",
        "",
        f"    {srv.url(f'lab/tree/{first}' if first else 'lab')}",
        "",
        "What to do first:",
        f"  1. In JupyterLab, open {first or 'a notebook'} (the file list on the left) and run it",
        "     cell by cell (Shift+Enter); a lab task's Check button grades your work live.",
        "  2. For kubectl, open JupyterLab's terminal: File > New > Terminal. `kubectl` and",
        "     `kubelab` work there; try `kubectl get nodes`.",
    ]
    if lab:
        lines.append(f"  3. Lab {lab} is started: `kubelab lab show {lab}` in that terminal shows the task,")
        lines.append(f"     `kubelab lab check {lab}` grades it.")
    if srv.ip in ("127.0.0.1", "localhost"):
        lines.append(f"From another machine: ssh -L {srv.port}:127.0.0.1:{srv.port} THIS-HOST, then open the URL.")
    lines.append(f"Server log: {srv.log_file}. Coming back tomorrow: `make course` again (the cluster is reused).")
    return "\n".join(lines)
