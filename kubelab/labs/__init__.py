"""Lab engine: lab folders (labs/<id>/lab.py), loading, checking, rendering, lint.

Public pieces:
- kubelab.labs.model:    Lab, Params, Apply, Run (what a lab.py declares)
- kubelab.labs.registry: all_labs(), get_lab(id)
- kubelab.labs.engine:   check_lab(lab) -> LabResult
- kubelab.labs.actions:  start / solve / reset
- kubelab.labs.render:   README.md and notebook.ipynb, grade_cells(lab)
- kubelab.labs.lint:     lint_all()
- kubelab.labs.widgets:  lab_panel(lab_id)
- kubelab.labs.nbgrader: grade(lab_id, check_id)
"""

