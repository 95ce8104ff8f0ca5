"""Course notebooks: course/NN-slug.py (jupytext py:percent) -> course/NN-slug.ipynb.

Public pieces:
- kubelab.course.notebooks: course_dir(), sources(), render_text(path), render_all(), lint(), references(path)
- kubelab.course.nb:        what a notebook imports: lab_task, quiz, question, sh (see docs/course.md)
- kubelab.course.cli:       `course_app` (Typer): `kubelab course list|render|lint`
"""
