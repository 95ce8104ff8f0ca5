"""Instructors: an nbgrader course from the labs, student records, replay-based autograding.

- kubelab.instructor.build:     build_course(root) -> nbgrader_config.py + source/<lab>/<lab>.ipynb
- kubelab.instructor.record:    submit(lab_id) (the notebook's Submit cell), clean_manifest, load_record
- kubelab.instructor.schema:    Record, the typed record (bounded YAML loading, shape validated once)
- kubelab.instructor.replay:    the replay pipeline: sandbox -> screen -> apply -> converge (-> cleanup)
- kubelab.instructor.sandbox:   names, labels and the fence (namespace, quota, limits, RBAC, egress; Docker caps)
- kubelab.instructor.policy:    the screen: what a replay refuses, each with a reason (never raises);
                                policy_docker its Docker half, screening what both share
- kubelab.instructor.replay_k8s / replay_docker: the apply steps; converge: the bounded wait
- kubelab.instructor.archives:  volume tars and image archives checked / streamed under byte caps
- kubelab.instructor.cleanup:   remove a replay by name and label; find leftovers of interrupted runs
- kubelab.instructor.grade:     grade_cell(lab_id, check_id): a grade cell against the replay (the entry point is
                                kubelab.labs.nbgrader.grade), replay_report() for the report cell
- kubelab.instructor.fence:     what may run under autograde (kubelab's locked cells only) and what a notebook changed
- kubelab.instructor.preprocessors: the nbgrader steps (Inspect, Guard, CleanExecute, Restore) nbgrader_config.py lists
- kubelab.instructor.outcome:   graded | regrade, "verified live X of Y points, from the record Z"
- kubelab.instructor.autograde: autograde_class(course, lab, jobs) drives `nbgrader autograde`
- kubelab.instructor.cli:       Typer apps instructor_app (build) and autograde
"""
