"""The exam in JupyterLab: track, Start, a countdown, the task list, Submit, the result.

    from kubelab.exam.widgets import exam_panel
    exam_panel()

`ExamPanel` holds the logic (tests call its methods or `button.click()`, no browser); it works
on the same store as `kubelab exam`, so an exam started in a terminal shows up here and the other
way round. The countdown is refreshed by a daemon thread once a second while a run is open; past
the deadline it says so (from the run read at the last refresh: SQLite connections stay in
their thread) and Submit (or any `kubelab exam` command) grades the run.
"""

from __future__ import annotations

import html
import threading
import time

from kubelab.exam.blueprints import DEFAULT_MINUTES, DEFAULT_TASKS, TRACKS


class ExamPanel:
    def __init__(self, *, store=None, grader=None, starter=None, tick: float = 1.0):
        import ipywidgets as w

        from kubelab.exam.store import ExamStore

        self.store = store or ExamStore()
        self._grader = grader
        self._starter = starter
        self._tick = tick
        self._stop = threading.Event()
        self.track = w.Dropdown(options=[(t.title, t.id) for t in TRACKS.values()], value="ckad", description="track")
        self.minutes = w.BoundedIntText(value=DEFAULT_MINUTES, min=1, max=600, description="minutes")
        self.tasks = w.BoundedIntText(value=DEFAULT_TASKS, min=1, max=40, description="tasks")
        self.seed = w.IntText(value=0, description="seed", tooltip="0: a new draw each time")
        self.start_button = w.Button(description="Start", button_style="primary", icon="play")
        self.submit_button = w.Button(description="Submit", button_style="danger", icon="flag-checkered")
        self.clock = w.HTML(value="")
        self.task_html = w.HTML(value="")
        self.result_html = w.HTML(value="")
        self.start_button.on_click(lambda _: self.start())
        self.submit_button.on_click(lambda _: self.submit())
        self.widget = w.VBox([w.HBox([self.track, self.minutes]), w.HBox([self.tasks, self.seed]),
                              w.HBox([self.start_button, self.submit_button]), self.clock, self.task_html,
                              self.result_html])
        self.refresh()

    # -- state ------------------------------------------------------------------------------
    def run(self):
        return self.store.active()

    def refresh(self) -> None:
        run = self._run = self.run()   # the ticking thread reads this copy, never the database
        self.start_button.disabled = run is not None
        self.submit_button.disabled = run is None or run.state != "running"
        if run is None:
            self.clock.value = "No exam running: choose a track and press <b>Start</b>."
            self.task_html.value = ""
            return
        self.clock.value = self.clock_text(run)
        self.task_html.value = self.tasks_html(run)
        self._start_ticking()

    def clock_text(self, run, now: float | None = None) -> str:
        if run.state == "seeding":
            return "seeding the tasks ..."
        left = int(run.seconds_left(now))
        if left <= 0:
            return "<b style='color:#cf222e'>Time is up</b>: press Submit to grade."
        return (f"<b>Exam run {run.id}</b> ({html.escape(run.track)}): time left "
                f"<b>{left // 3600}:{left % 3600 // 60:02d}:{left % 60:02d}</b>")

    def tasks_html(self, run) -> str:
        from kubelab.exam.blueprints import get_track
        from kubelab.exam.session import context_line, run_tasks
        from kubelab.labs.registry import get_lab

        track = get_track(run.track)
        parts = []
        for t in run_tasks(run):
            lab = get_lab(t.lab_id)
            flag = " · flagged" if t.number in run.flagged else ""
            parts.append(f"<details><summary><b>Task {t.number}</b> · {t.weight:.1f} points · "
                         f"{html.escape(track.domain(t.domain).name)} · {html.escape(lab.title)}{flag}</summary>"
                         f"<p>Work in: {html.escape(context_line(lab))}</p>"
                         f"<pre style='white-space:pre-wrap'>{html.escape(lab.task.strip())}</pre></details>")
        return "".join(parts)

    def _start_ticking(self) -> None:
        if getattr(self, "_thread", None) and self._thread.is_alive():
            return

        def loop():
            while not self._stop.wait(self._tick):
                run = self._run
                if run is not None and run.state == "running":
                    self.clock.value = self.clock_text(run)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()

    # -- actions ----------------------------------------------------------------------------
    def start(self) -> None:
        from kubelab.exam.session import start_exam

        self.start_button.disabled = True
        self.clock.value = "drawing, resetting and seeding the tasks ..."
        self.result_html.value = ""
        try:
            (self._starter or start_exam)(self.store, self.track.value, seed=self.seed.value or None,
                                          minutes=self.minutes.value, count=self.tasks.value)
        except Exception as exc:   # shown in the panel, never a traceback in the notebook
            self.result_html.value = f"<span style='color:#cf222e'>start failed: {html.escape(str(exc)[:600])}</span>"
        self.refresh()

    def submit(self):
        from kubelab.exam.session import grade

        run = self.run()
        if run is None or run.state != "running":
            self.refresh()
            return None
        self.submit_button.disabled = True
        self._run = None
        self.clock.value = "grading every task ..."
        result = grade(self.store, run, checker=self._grader)
        self.result_html.value = result._repr_html_()
        self.refresh()
        self.clock.value = f"Exam run {run.id} graded at {time.strftime('%H:%M')}: {html.escape(result.summary())}"
        return result

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def exam_panel():
    """The exam panel: an ipywidgets VBox (its logic is `.panel`)."""
    panel = ExamPanel()
    box = panel.widget
    box.panel = panel
    return box
