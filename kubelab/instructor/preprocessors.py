"""nbgrader preprocessors that keep student code from running under autograde (kubelab.instructor.fence).

The generated nbgrader_config.py (kubelab.instructor.build.CONFIG) lists them around nbgrader's own:
Inspect in the sanitize steps before OverwriteCells; Guard, CleanExecute (instead of Execute) and
Restore in the autograde steps.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from kubelab.instructor.fence import META, add_notice, flags_of, gradebook_cells, guard, inspect, restore


def _cells(resources):
    r = resources["nbgrader"]
    return gradebook_cells(r["db_url"], r["notebook"], r["assignment"])


class Inspect(NbGraderPreprocessor):
    """Sanitize step (before OverwriteCells restores the locked cells): note what was changed."""

    def preprocess(self, nb, resources):
        found = inspect(nb, _cells(resources))
        nb.metadata[META] = found.to_dict()
        for flag in found.flags:
            self.log.warning("kubelab: %s", flag)
        return nb, resources


class Guard(NbGraderPreprocessor):
    """Autograde step right before Execute: only kubelab's locked cells keep their code."""

    def preprocess(self, nb, resources):
        held = guard(nb, _cells(resources))
        add_notice(nb, flags_of(nb))
        if held:
            self.log.info("kubelab: %d code cell(s) not run", len(held))
        return nb, resources


class Restore(NbGraderPreprocessor):
    """Autograde step right after Execute: the student's text back in its cells."""

    def preprocess(self, nb, resources):
        restore(nb)
        return nb, resources


class CleanExecute(Execute):
    """nbgrader's Execute with the kernel started in an empty folder <tmp>/<student>/<assignment>
    (grade cells read the student from it), not among the submission's files."""

    def preprocess(self, nb, resources=None, km=None):
        r = (resources or {}).get("nbgrader") or {}
        tmp = tempfile.mkdtemp(prefix="kubelab-kernel-")
        cwd = os.path.join(tmp, str(r.get("student") or "student"), str(r.get("assignment") or "assignment"))
        os.makedirs(cwd)
        meta = resources.setdefault("metadata", {})
        before = meta.get("path")
        meta["path"] = cwd
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if before is None:
                meta.pop("path", None)
            else:
                meta["path"] = before
            shutil.rmtree(tmp, ignore_errors=True)
