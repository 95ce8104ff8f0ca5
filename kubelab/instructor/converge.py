"""Converge step of a replay: wait (bounded) until the replayed workloads are ready, or the lab's
checks pass, or the time is up; then, for behaviour that takes time, the lab's `settle` seconds."""

from __future__ import annotations

import time


def _pod_ready(pod: dict) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded",):
        return True
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


STUCK_REASONS = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                 "CreateContainerConfigError", "CreateContainerError", "RunContainerError")


def _stuck(pod: dict) -> bool:
    """A pod that will not become ready by waiting longer (crash loop, image that cannot be pulled)."""
    for cs in ((pod.get("status") or {}).get("containerStatuses") or []):
        if cs.get("restartCount", 0) >= 1 or ((cs.get("state") or {}).get("waiting") or {}).get("reason") in STUCK_REASONS:
            return True
    return False


def job_finished(job: dict) -> bool:
    """A Job is done when its controller says so (condition Complete or Failed), not at its first
    succeeded pod: a Job of 4 completions has 2 succeeded pods and none running between its waves."""
    if (job.get("spec") or {}).get("suspend"):
        return True
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions)


def converged(kube, namespace: str) -> tuple[bool, str]:
    """(all workloads and pods ready, what is not)."""
    waiting = []
    for kind in ("Deployment", "StatefulSet", "ReplicaSet", "DaemonSet"):
        for obj in kube.list(kind, namespace):
            spec, st = obj.get("spec") or {}, obj.get("status") or {}
            want = spec.get("replicas", 1) if kind != "DaemonSet" else st.get("desiredNumberScheduled", 0)
            have = st.get("readyReplicas" if kind != "DaemonSet" else "numberReady") or 0
            if have < (want or 0):
                waiting.append(f"{kind} {obj['metadata']['name']} {have}/{want} ready")
    for job in kube.list("Job", namespace):
        if not job_finished(job):
            st, want = job.get("status") or {}, (job.get("spec") or {}).get("completions")
            waiting.append(f"Job {job['metadata']['name']} {st.get('succeeded') or 0}/{want or 1} succeeded")
    for pod in kube.list("Pod", namespace):
        if not _pod_ready(pod) and (pod.get("status") or {}).get("phase") != "Failed" and not _stuck(pod):
            waiting.append(f"Pod {pod['metadata']['name']} {(pod.get('status') or {}).get('phase', '?')}")
    for pvc in kube.list("PersistentVolumeClaim", namespace):
        if (pvc.get("status") or {}).get("phase") != "Bound":
            waiting.append(f"PVC {pvc['metadata']['name']} not bound")
    return (not waiting), ", ".join(waiting[:4])


class Patience:
    """A convergence deadline that waits longer while the state still moves: `timeout` seconds, and
    while what is still waiting keeps changing (a StatefulSet's pods coming up one by one on a loaded
    node: "1/3 ready", then "2/3 ready") `grace` seconds after the last change, never past
    `cap` x `timeout`. A state that stopped moving (a pod that will never be ready: a near-miss) ends
    at `timeout`, as before; a correct one that is slow is not graded half-made."""

    def __init__(self, timeout: float, grace: float = 20.0, cap: float = 3.0, clock=time.monotonic):
        self.clock = clock
        self.start = self.moved = clock()
        self.timeout, self.grace, self.limit = timeout, grace, self.start + cap * timeout
        self.last: str | None = None

    def over(self, waiting: str) -> bool:
        """Is the time up, given what is still waiting now?"""
        now = self.clock()
        if waiting != self.last:
            if self.last is not None:
                self.moved = now
            self.last = waiting
        return now >= min(self.limit, max(self.start + self.timeout, self.moved + self.grace))


def wait_converged(namespace: str, timeout: float, interval: float = 1.0, done=None) -> tuple[bool, str]:
    """Wait until every workload is ready, or `done()` (the lab's checks all pass: a lab may keep a pod
    unready on purpose), or the time is up (`Patience`: longer while the workloads still progress)."""
    from kubelab.graders.k8s import Kube

    kube = Kube()
    patience = Patience(timeout)
    time.sleep(0.5)  # let controllers create pods before the first look
    why = ""
    next_done = 0.0  # the checks (probe pods, requests) are asked again only after a pause as long as they took
    while True:
        kube.clear()
        try:
            ok, why = converged(kube, namespace)
            if not ok and done and time.monotonic() >= next_done:
                t0 = time.monotonic()
                ok = bool(done())
                now = time.monotonic()
                next_done = now + max(interval, 2 * (now - t0))
        except Exception as exc:  # InfraError: keep trying until the deadline
            ok, why = False, str(exc)
        if ok or patience.over(why):
            return ok, why
        time.sleep(interval)


def _live_checks_pass(lab, r) -> bool:
    from kubelab.graders.k8s import Kube
    from kubelab.labs.engine import Context, check_lab

    live = [c.id for c in lab.checks if not c.record_only]
    return bool(live) and check_lab(lab, only=live, ctx=Context(lab, kube=Kube(namespaces={lab.namespace: r.namespace}))).all_passed


def wait_settled(lab, r, interval: float = 2.0) -> bool:
    """Behaviour that takes time to show (a liveness probe's first restart): check the replay until its
    replayable checks pass or the lab's `settle` seconds are over. True when they all passed."""
    from kubelab.graders.k8s import Kube
    from kubelab.labs.engine import Context, check_lab

    deadline = time.monotonic() + lab.settle
    while True:
        if _live_checks_pass(lab, r):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
