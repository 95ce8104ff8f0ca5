"""Instructors: an nbgrader course from the labs, student records, replay-based autograding.

- kubelab.instructor.build:     build_course(root) -> nbgrader_config.py + source/<lab>/<lab>.ipynb
- kubelab.instructor.record:    submit(lab_id) (the notebook's Submit cell), clean_manifest, load_record
- kubelab.instructor.policy:    what a replay refuses (cluster-scoped, privileged, hostPath, floods)
- kubelab.instructor.replay:    fenced replay of a record (namespace + PSA + quota + RBAC; Docker prefix)
- kubelab.instructor.grade:     grade(lab_id, check_id) for grade cells (local, or the replay under autograde)
- kubelab.instructor.autograde: autograde_class(course, lab, jobs) drives `nbgrader autograde`
- kubelab.instructor.cli:       Typer apps instructor_app (build) and autograde
"""
