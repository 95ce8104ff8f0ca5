"""The course in a real browser: `make course`'s JupyterLab, driven by Debian's chromium.

The test starts JupyterLab the way `kubelab course serve --background` does (its own port and
token, --allow-root as root) on a copy of the course folder (JupyterLab autosaves: the checkout
must not receive outputs), then tests/browser/course_notebook.mjs (playwright-core, headless
/usr/bin/chromium; both installed by scripts/bootstrap.sh, never a browser download) opens
03-pods.ipynb, runs all cells, presses Check on a lab task (the result table must appear), Hint
and Reset. Screenshots are kept in out/browser/ (gitignored): look at them.

It holds the locks of the notebook's labs for its whole run and resets them before and after.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.live, pytest.mark.timeout(420)]

ROOT = Path(__file__).resolve().parents[2]
BROWSER_DIR = ROOT / "tests" / "browser"
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "03-pods"
LAB = "pods-sidecar-emptydir"          # the task whose Check / Hint / Reset are pressed
SHOTS = ROOT / "out" / "browser"


def _labs() -> list[str]:
    from kubelab.course.notebooks import course_dir, references

    return references(course_dir() / f"{NOTEBOOK}.py").labs


try:
    pytestmark.append(pytest.mark.labs(*_labs()))   # tests/conftest.py's lab locks, where it has them
except Exception:  # a broken notebook source: the course lint reports it
    pass


def _held_by_this_process(path: Path) -> bool:
    """Does this process already hold a flock on `path` (/proc/locks: pid and inode)? Taking it
    again through another open file would wait for ourselves."""
    try:
        inode = os.stat(path).st_ino
        rows = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return False
    for row in rows:
        f = row.split()
        if len(f) >= 6 and f[1] == "FLOCK" and f[4] == str(os.getpid()) and f[5].rsplit(":", 1)[-1] == str(inode):
            return True
    return False


@contextlib.contextmanager
def _flocks(names):
    """flock(2) on /tmp/kubelab-locks/<name>.lock, in the order given (what `flock(1)` takes);
    a lock this process already holds (tests/conftest.py's) is not taken twice."""
    lock_dir = Path(os.environ.get("KUBELAB_LOCK_DIR", "/tmp/kubelab-locks"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    held = []
    try:
        for name in names:
            path = lock_dir / f"{name}.lock"
            if path.exists() and _held_by_this_process(path):
                continue
            fh = open(path, "a")
            held.append(fh)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        for fh in reversed(held):
            fh.close()


def _hold_lab_locks(request, stack, labs) -> None:
    """The labs' locks: tests/conftest.py's autouse fixture holds them for the `labs` marker when
    it has the lab-lock helper (then taking them again here would block on ourselves); else here."""
    try:
        request.getfixturevalue("lab_locks")
    except pytest.FixtureLookupError:
        stack.enter_context(_flocks(sorted(labs)))


def _need_tools() -> None:
    missing = [what for what, ok in (
        (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
        ("node", shutil.which("node") is not None),
        ("tests/browser/node_modules/playwright-core", (BROWSER_DIR / "node_modules" / "playwright-core").is_dir()),
    ) if not ok]
    if missing:
        msg = f"browser test tools missing: {', '.join(missing)}: run `bash scripts/bootstrap.sh`"
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _course_copy(dest: Path) -> Path:
    from kubelab.course.notebooks import course_dir

    src = course_dir()
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.py", ".ipynb_checkpoints"))
    return dest


def test_course_notebook_in_a_real_browser(request, tmp_path, docker_engine, live_cluster):
    from kubelab.course import serve
    from kubelab.labs import actions
    from kubelab.labs.registry import get_lab
    from tests.labs.test_labs_live import need_live

    _need_tools()
    labs = [get_lab(i) for i in _labs()]
    for lab in labs:
        need_live(lab)
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        srv = serve.Server(ip="127.0.0.1", port=_free_port(), root=_course_copy(tmp_path / "course"),
                           token=secrets.token_hex(16), state_dir=tmp_path / "jupyter")
        proc = serve.launch(srv)                       # JupyterLab starts while the labs are reset
        stack.callback(serve.stop_pid, proc.pid)
        _hold_lab_locks(request, stack, [lab.id for lab in labs])
        for lab in labs:
            actions.reset(lab, wait=False)
        stack.callback(lambda: [actions.reset(lab) for lab in labs])
        serve.wait_until_answers(srv, proc, wait=90)
        started = time.perf_counter() - t0

        if SHOTS.exists():
            shutil.rmtree(SHOTS)
        cfg = {"url": srv.url(f"lab/tree/{NOTEBOOK}.ipynb"), "notebook": f"{NOTEBOOK}.ipynb", "lab": LAB,
               "title": get_lab(LAB).title, "shots": str(SHOTS), "chromium": CHROMIUM, "timeout": 240}
        run = subprocess.run(["node", str(BROWSER_DIR / "course_notebook.mjs"), json.dumps(cfg)],
                             capture_output=True, text=True, timeout=360, cwd=str(BROWSER_DIR))
        lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
        seen = json.loads(lines[-1]) if lines else {}
        log = srv.log_file.read_text(errors="replace")[-3000:] if srv.log_file.exists() else ""
        assert run.returncode == 0 and "error" not in seen, (
            f"browser run failed: {seen.get('error') or run.stderr[-2000:]}\n"
            f"screenshots: {SHOTS}\nJupyterLab log (last lines):\n{log}")

    print(f"\nJupyterLab answered in {started:.1f} s; browser phases {seen['phases']}; "
          f"total {time.perf_counter() - t0:.1f} s; screenshots in {SHOTS}")
    assert seen["code_cells"] > 10 and not seen["errors"], seen["errors"]
    commands = [line for line in seen["shell_text"].splitlines() if line.startswith("$ ")]
    assert len(commands) >= 10, seen["shell_text"][:2000]                  # the worked examples printed
    assert "$ kubectl apply -n demo-03 -f - <<'EOF'" in commands, commands  # YAML shown as a heredoc
    assert "{{" not in seen["worked_example_text"].replace("{{.", "")      # no f-string braces (Go templates aside)
    lab = get_lab(LAB)
    assert seen["result_rows"] == len(lab.checks) + 1, seen["result_text"]   # header + one row per check
    assert all(c.id in seen["result_text"] for c in lab.checks)
    assert f"0/{lab.max_points:g} points" in seen["result_text"], seen["result_text"]   # untouched: 0
    assert seen["hint"].startswith("Hint 1/"), seen["hint"]
    assert seen["after_reset_tables"] == 0
    assert len(seen["screenshots"]) == 5 and all(Path(p).stat().st_size > 2_000 for p in seen["screenshots"])
