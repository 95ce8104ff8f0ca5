"""A small "check my work" panel for notebooks: Check, Hint, Reset.

    from kubelab.labs.widgets import lab_panel
    lab_panel("pods-basics")

`LabPanel` holds the logic (no browser needed: tests call its methods or `button.click()`);
`lab_panel()` returns its ipywidgets box. Check shows the result table in place; Hint shows
one hint at a time (for the checks that did not pass in the last Check, or all checks in
order before any Check); Reset removes what the lab created and seeds it again.
"""

from __future__ import annotations

import html
from typing import Callable

from kubelab.graders.results import LabResult


class LabPanel:
    def __init__(self, lab_id: str, *, checker: Callable | None = None, resetter: Callable | None = None):
        import ipywidgets as w

        from kubelab.labs.registry import get_lab

        self.lab = get_lab(lab_id)
        self._checker = checker or self._check_live
        self._resetter = resetter or self._reset_live
        self.last: LabResult | None = None
        self._hint_index = 0
        self.check_button = w.Button(description="Check", button_style="primary", icon="check",
                                     tooltip=f"grade {lab_id} from the live state")
        self.hint_button = w.Button(description="Hint", icon="lightbulb-o", tooltip="one hint at a time")
        self.reset_button = w.Button(description="Reset", button_style="warning", icon="refresh",
                                     tooltip="remove what the lab created and prepare it again")
        self.result_html = w.HTML(value="")
        self.hint_html = w.HTML(value="")
        self.status = w.HTML(value=f"<b>{html.escape(self.lab.title)}</b> · {self.lab.max_points:g} points")
        self.check_button.on_click(lambda _: self.check())
        self.hint_button.on_click(lambda _: self.next_hint())
        self.reset_button.on_click(lambda _: self.reset())
        self.widget = w.VBox([self.status, w.HBox([self.check_button, self.hint_button, self.reset_button]),
                              self.result_html, self.hint_html])

    # -- actions ----------------------------------------------------------------------------
    def _check_live(self) -> LabResult:
        from kubelab.labs.engine import check_lab

        return check_lab(self.lab)

    def _reset_live(self) -> None:
        from kubelab.labs import actions

        actions.reset(self.lab)
        actions.start(self.lab)

    def _busy(self, busy: bool) -> None:
        for b in (self.check_button, self.hint_button, self.reset_button):
            b.disabled = busy

    def check(self) -> LabResult:
        self._busy(True)
        self.status.value = "checking ..."
        try:
            self.last = self._checker()
        finally:
            self._busy(False)
        self._hint_index = 0
        self.hint_html.value = ""
        self.result_html.value = self.last._repr_html_()
        self.status.value = f"<b>{html.escape(self.lab.title)}</b> · {html.escape(self.last.summary())}"
        return self.last

    def hints(self) -> list[tuple[str, str]]:
        """(check id, hint) for the checks not passed in the last Check (all before any Check)."""
        if self.last is None:
            return [(c.id, c.hint) for c in self.lab.checks]
        return [(r.id, r.advice()) for r in self.last.checks if not r.passed and r.advice()]

    def next_hint(self) -> str:
        items = self.hints()
        if not items:
            text = "Everything passed: no hint needed." if self.last else "No hints."
        else:
            cid, hint = items[self._hint_index % len(items)]
            text = f"Hint {self._hint_index % len(items) + 1}/{len(items)} ({cid}): {hint}"
            self._hint_index += 1
        self.hint_html.value = f"<i>{html.escape(text)}</i>"
        return text

    def reset(self) -> None:
        self._busy(True)
        self.status.value = "resetting ..."
        try:
            self._resetter()
            self.status.value = f"<b>{html.escape(self.lab.title)}</b> · reset: ready to start"
        except Exception as exc:  # shown in the panel, never a traceback in the notebook
            self.status.value = f"<span style='color:#cf222e'>reset failed: {html.escape(str(exc)[:300])}</span>"
        finally:
            self._busy(False)
        self.last = None
        self._hint_index = 0
        self.result_html.value = ""
        self.hint_html.value = ""

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def lab_panel(lab_id: str):
    """The Check / Hint / Reset panel for a lab: an ipywidgets VBox (its logic is `.panel`)."""
    panel = LabPanel(lab_id)
    box = panel.widget
    box.panel = panel
    return box
