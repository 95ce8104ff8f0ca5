"""Replay one submission's record on the instructor's cluster or Docker engine, fenced in.

A replay is a pipeline of small steps over one `Record`:

    sandbox -> screen -> apply -> converge      (then nbgrader grades; then cleanup)

- sandbox  (`sandbox`, `replay_k8s.make_sandbox`): the namespace / name prefix and its fence
  (Pod Security baseline, quota for every kind, LimitRange with defaults and maxima, a Role that
  reaches only the namespace, an egress NetworkPolicy; Docker caps);
- screen   (`policy`): what may be replayed, every refusal named; never raises;
- apply    (`replay_k8s`, `replay_docker`): objects applied *as the replay's ServiceAccount*;
  containers, networks, volumes, images re-created under the prefix, capped;
- converge (`converge`): bounded wait for workloads / published ports;
- cleanup  (`cleanup`): everything removed by name and label.

A step that fails (the autograder's own trouble) does not leave its work behind: `replay()`
cleans up what was made so far and raises `ReplayError` (its `.replay` names what was made).
`Replay.spec()` is what the grade cells read (through $KUBELAB_REPLAY).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from kubelab.instructor import policy
from kubelab.instructor.cleanup import cleanup_docker, cleanup_kubernetes, cleanup_replay, leftover_namespaces  # noqa: F401
from kubelab.instructor.converge import converged, job_finished, wait_converged, wait_settled  # noqa: F401
from kubelab.instructor.converge import _live_checks_pass
from kubelab.instructor.replay_docker import free_port, sidecar as _sidecar  # noqa: F401
from kubelab.instructor.replay_k8s import ReplayError, api_message as _api_message, kubectl as _kubectl  # noqa: F401
from kubelab.instructor.replay_k8s import to_yaml as _yaml  # noqa: F401
from kubelab.instructor.archives import retag_image_archive  # noqa: F401
from kubelab.instructor.sandbox import (DOCKER_GRADE_LABEL, GRADE_LABEL, QUOTA, REPLAY_SA, ROLE_RULES,  # noqa: F401
                                        dns_label, docker_prefix, replay_identity, replay_namespace,
                                        sandbox_manifests)
from kubelab.instructor.schema import Record


def serial_lab(lab) -> bool:
    """Labs that change cluster-scoped state are graded one at a time with a reset in between."""
    return (bool(lab.cluster_kinds) or lab._reset is not None or lab.node_scope is not None
            or bool(lab.kind == "docker" and lab.docker.get("networks")))  # fixed subnets would collide


def record_only_checks(lab) -> set[str]:
    """Checks graded from the record's evidence, not from the replay (history, drains, host paths)."""
    return set(lab.record_only)


@dataclass
class Replay:
    lab_id: str
    student: str
    kind: str
    lab_namespace: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    ports: dict = field(default_factory=dict)
    closed_port: int = 0
    refused: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    applied: list = field(default_factory=list)
    fatal: str | None = None
    record_only: list = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    images: dict = field(default_factory=dict)   # recorded image ref -> the tag it was loaded as
    files: dict = field(default_factory=dict)    # a file the lab names -> its restored copy
    workdir: str | None = None
    seconds: float = 0.0
    made: dict = field(default_factory=dict)     # what the replay created, by kind (for cleanup)

    def spec(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    def write(self, path: Path) -> Path:
        from kubelab.instructor.record import write_atomic

        # the evidence comes from the record: plain data (schema.plain_data), never an alias graph
        write_atomic(Path(path), json.dumps(self.spec(), indent=1, default=str))
        return Path(path)


# ---- steps ---------------------------------------------------------------------------------------

@dataclass
class Step:
    """What the steps share: the lab, the record, the replay being built, the screened items."""

    lab: object
    rec: Record
    r: Replay
    converge: float = 60.0
    screened: dict = field(default_factory=dict)
    client: object = None


def _evidence(s: Step) -> None:
    s.r.record_only = sorted(record_only_checks(s.lab))
    s.r.evidence = s.rec.evidence if s.r.record_only else {}


def k8s_sandbox(s: Step) -> None:
    from kubelab.instructor.replay_k8s import make_sandbox

    make_sandbox(s.r, s.lab.id)


def node_taints() -> list[tuple[str, str]]:
    """(key, effect) of every taint on the cluster's nodes ([] when they cannot be read)."""
    from kubelab.graders.errors import InfraError
    from kubelab.graders.k8s import Kube

    try:
        nodes = Kube().list("Node")
    except InfraError:
        return []
    return [(t.get("key"), t.get("effect")) for n in nodes for t in (n.get("spec") or {}).get("taints") or []]


def recorded_taints(s: Step) -> list[tuple[str, str]]:
    """(key, effect) of the taints the record's node state puts on the lab's nodes (applied after the
    screen, for a scheduling lab): a narrowed toleration must tolerate those too."""
    scope = s.lab.node_scope
    if scope is None:
        return []
    out = []
    for node in s.rec.nodes if isinstance(s.rec.nodes, list) else []:
        for t in (node.get("taints") or []) if isinstance(node, dict) else []:
            if isinstance(t, dict) and t.get("key") in scope.taints:
                out.append((str(t.get("key")), str(t.get("effect"))))
    return out


def k8s_screen(s: Step) -> None:
    from kubelab.instructor.replay_k8s import storage_classes

    out = policy.screen_objects(s.rec.objects, s.lab.namespace, storage_classes=storage_classes())
    s.r.refused += out.refused
    s.screened["objects"] = out.allowed
    s.screened["limits"], s.screened["namespace_labels"] = out.limits, out.namespace_labels
    taints = None
    for obj in out.allowed:
        note = policy.narrow_dns_egress(obj)
        if note:
            s.r.notes.append(note)
        spec = policy.pod_spec_of(obj)
        if spec and spec.get("tolerations"):
            taints = node_taints() + recorded_taints(s) if taints is None else taints
            note = policy.narrow_tolerations(obj, taints)
            if note:
                s.r.notes.append(note)


def k8s_apply(s: Step) -> None:
    from kubelab.instructor.replay_k8s import apply_limits, apply_objects, label_namespace, readmit_rejected, replay_nodes

    if s.lab.node_scope is not None:
        replay_nodes(s.r, s.rec.nodes, s.lab.node_scope)
    label_namespace(s.r, s.screened.get("namespace_labels") or {})
    apply_objects(s.r, s.screened.get("objects") or [])
    apply_limits(s.r, s.screened.get("limits") or [])
    if s.lab.node_scope is not None:
        readmit_rejected(s.r, s.screened.get("objects") or [])


def k8s_converge(s: Step) -> None:
    r, lab = s.r, s.lab
    if not r.applied:
        return
    ok, why = wait_converged(r.namespace, s.converge, done=lambda: _live_checks_pass(lab, r))
    if not ok:
        r.notes.append(f"the replayed objects did not converge within {s.converge:g} s ({why}); graded as they stood")
    elif lab.settle:
        wait_settled(lab, r)


def docker_sandbox(s: Step) -> None:
    from kubelab.graders.docker_engine import docker_client

    s.client = docker_client()


def docker_screen(s: Step) -> None:
    r, rec = s.r, s.rec
    s.screened["containers"], refused = policy.screen_containers(rec.containers)
    r.refused += refused
    s.screened["networks"], refused = policy.screen_networks(rec.networks)
    r.refused += refused
    s.screened["refused_networks"] = {str(n.get("name")) for n in rec.networks if isinstance(n, dict)} - \
        {n["name"] for n in s.screened["networks"]}
    s.screened["volumes"], refused = policy.screen_volumes(rec.volumes)
    r.refused += refused
    s.screened["images"], refused = policy.screen_sidecars(rec.images, "image")
    r.refused += refused
    for img in rec.images if isinstance(rec.images, list) else []:
        if isinstance(img, dict) and img.get("skipped"):
            r.notes.append(f"image {str(img.get('ref'))[:80]}: not in the submission ({str(img['skipped'])[:80]}); "
                           "checks that run it find no image")
    s.screened["files"], refused = policy.screen_sidecars(rec.files, "file")
    r.refused += refused


def docker_apply(s: Step) -> None:
    from kubelab.instructor import replay_docker as rd

    r, c = s.r, s.client
    rd.replay_images(c, r, s.rec, s.screened["images"])
    rd.replay_files(r, s.rec, s.screened["files"])
    networks = rd.replay_networks(c, r, s.screened["networks"])
    rd.replay_volumes(c, r, s.screened["volumes"])
    s.screened["waits"] = rd.replay_containers(c, r, s.screened["containers"], networks,
                                               s.screened["refused_networks"])


def docker_converge(s: Step, settle: float = 10.0) -> None:
    from kubelab.instructor.replay_docker import wait_ports

    wait_ports(s.screened.get("waits") or [], settle)


KUBERNETES_STEPS = (k8s_sandbox, k8s_screen, k8s_apply, k8s_converge)
DOCKER_STEPS = (docker_sandbox, docker_screen, docker_apply, docker_converge)


def new_replay(lab, student: str, run: str = "") -> Replay:
    """The replay's names, decided before anything is made (cleanup can always find them)."""
    if lab.kind == "docker":
        return Replay(lab.id, student, "docker", prefix=docker_prefix(lab.id, student, run), closed_port=free_port())
    return Replay(lab.id, student, "kubernetes", lab_namespace=lab.namespace,
                  namespace=replay_namespace(lab.id, student, run))


def run_steps(steps, s: Step) -> Replay:
    """Run the steps; on any failure remove what was made so far and raise ReplayError."""
    start = time.monotonic()
    try:
        for step in steps:
            step(s)
            if step is k8s_sandbox and s.r.record_only and set(s.r.record_only) == {c.id for c in s.lab.checks} \
                    and s.lab.node_scope is None:
                s.r.notes.append("every check of this lab is graded from the record (what it needs cannot be "
                                 "replayed in the fenced namespace)")
                break
    except BaseException as exc:
        try:
            cleanup_replay(s.r)
        except Exception as cexc:  # noqa: BLE001  (the original failure is the one to report)
            s.r.notes.append(f"clean-up after the failure failed too: {cexc}")
        if not isinstance(exc, Exception):
            raise
        if isinstance(exc, ReplayError):
            exc.replay = s.r
            raise
        raise ReplayError(f"{type(exc).__name__}: {exc}", s.r) from exc
    finally:
        s.r.seconds = time.monotonic() - start
    return s.r


def replay(lab, rec, student: str, run: str = "", converge: float = 60.0) -> Replay:
    """Replay a record (a Record, or the dict form of one) fenced in. Raises ReplayError (the
    autograder's trouble); whatever the submission holds ends up in `refused`, never raised."""
    rec = Record.parse(rec) if not isinstance(rec, Record) else rec
    s = Step(lab, rec, new_replay(lab, student, run), converge)
    _evidence(s)
    return run_steps(DOCKER_STEPS if lab.kind == "docker" else KUBERNETES_STEPS, s)


def replay_kubernetes(lab, rec, student: str, run: str = "", converge: float = 60.0) -> Replay:
    return replay(lab, rec, student, run, converge)


def replay_docker(lab, rec, student: str, run: str = "", settle: float = 10.0) -> Replay:
    return replay(lab, rec, student, run)


def cleanup(r: Replay, wait: bool = False) -> None:
    cleanup_replay(r, wait=wait)


def prepare(lab) -> None:
    """Before a serial lab's replay: the lab's reset steps, so no earlier state leaks into it."""
    if serial_lab(lab):
        from kubelab.labs.actions import run_steps as run_lab_steps

        run_lab_steps(lab.extra_reset_steps())


def finish(lab) -> None:
    """After a serial lab's replay: its reset steps again (node labels, taints, cordons undone)."""
    prepare(lab)
