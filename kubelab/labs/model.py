"""What a lab is: metadata, parameters, checks, seed and solution steps, near-misses.

A lab folder's `lab.py` builds one `Lab` named `lab`:

    P = Params(namespace="lab-pods-basics", pod="web", port=80)
    lab = Lab(id="pods-basics", title="...", topic="pods", shape="course", minutes=10,
              params=P, namespace=P.namespace, task=f"Create pod {P.pod} ...")

    @lab.check("pod-exists", f"Pod {P.pod} exists", points=1, hint="kubectl run ...")
    def pod_exists(ctx):
        return k8s.exists(ctx.kube, "Pod", P.pod, P.namespace)

    @lab.solution
    def solution(p):                  # p: the params (near-misses pass changed ones)
        return [Apply(pod_manifest(p)), Run(["kubectl", "wait", ...])]

    lab.near_miss("wrong-port", "container port 8080", fails=["container-port"], params={"port": 8080})

    @lab.variant("kubectl-run", "kubectl run with the short image name nginx:1.22.1")
    def kubectl_run(p):               # a correct solution written differently: must score full marks
        return [Run(["kubectl", "run", p.pod, "-n", p.namespace, "--image=nginx:1.22.1", ...])]

Every value lives in P and reaches task text, titles, hints, checks and solution from there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SHAPES = ("docker", "single", "course")
TOPICS = ("docker", "namespaces-cgroups", "pods", "controllers", "probes", "storage", "config", "scheduling",
          "services", "networking", "security", "troubleshooting", "misc")
LAB_LABEL = "kubelab.io/lab"      # Kubernetes objects a lab owns
DOCKER_LABEL = "kubelab.lab"      # Docker objects a lab owns


class Params(dict):
    """The lab's parameters: a dict with attribute access (`P.pod`) and `replace(**changes)`."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"lab parameter {name!r} is not defined; have: {', '.join(self)}") from None

    def replace(self, **changes: Any) -> "Params":
        unknown = set(changes) - set(self)
        if unknown:
            raise KeyError(f"unknown lab parameter(s): {', '.join(sorted(unknown))}")
        return Params({**self, **changes})


# ---- steps: what `start` seeds and what `solve` applies; rendered as the commands a student types

@dataclass
class Apply:
    """`kubectl apply -f -` with these manifests (dicts)."""

    manifests: list[dict] | dict
    note: str = ""

    def docs(self) -> list[dict]:
        return self.manifests if isinstance(self.manifests, list) else [self.manifests]


@dataclass
class Run:
    """A command exactly as the student would type it (argv list). `kubectl` gets the lab context."""

    argv: list[str]
    note: str = ""
    ok_codes: tuple[int, ...] = (0,)
    timeout: float = 120.0


Step = Apply | Run


@dataclass
class Check:
    id: str
    title: str
    points: float
    hint: str
    fn: Callable[[Any], Any]
    requires: tuple[str, ...] = ()
    timeout: float = 20.0
    record_only: bool = False  # not replayable (history, a drain): autograde re-runs it on the recorded reads


@dataclass
class NodeScope:
    """The node state a scheduling lab asks the student to change, and so what the record keeps and
    the autograder may re-apply to the instructor's nodes: these label keys and taint keys on these
    nodes, and (cordon=True) whether they are cordoned. Nothing else about a node is ever replayed."""

    nodes: tuple[str, ...]
    labels: tuple[str, ...] = ()
    taints: tuple[str, ...] = ()
    cordon: bool = False


@dataclass
class NearMiss:
    """The solution with one mistake, and the checks that must fail because of it.

    `params` re-renders the solution with changed parameters; `after` adds steps run after
    the (re-rendered) solution. `changes` names other checks allowed to change verdict.
    """

    id: str
    description: str
    fails: tuple[str, ...]
    params: dict = field(default_factory=dict)
    after: Callable[[Params], list[Step]] | None = None
    changes: tuple[str, ...] = ()


@dataclass
class Variant:
    """A correct solution written differently from the reference, the way real students write it
    (imperative `kubectl run/create/expose` instead of YAML, short image names, other units, named
    ports, `matchExpressions`, other names where the task fixes none). It must score full marks.

    Either `steps` (the whole solution, written the other way) or `params`/`after` (the reference
    re-rendered with parameters the task leaves free, then extra steps such as a `kubectl patch`).
    """

    id: str
    description: str
    steps: Callable[[Params], list[Step]] | None = None
    params: dict = field(default_factory=dict)
    after: Callable[[Params], list[Step]] | None = None


@dataclass
class Lab:
    id: str
    title: str
    topic: str
    shape: str
    minutes: int
    params: Params
    task: str
    namespace: str | None = None
    docker: dict[str, list[str]] = field(default_factory=dict)  # {"containers": [...], "networks": [...], "volumes": [...]}
    cluster_kinds: tuple[str, ...] = ()  # cluster-scoped kinds the lab labels and reset deletes (e.g. "PersistentVolume")
    secret_params: tuple[str, ...] = ()  # parameters whose values are secret: masked in every message
    node_scope: NodeScope | None = None  # node labels/taints/cordons the lab concerns (recorded and replayed)
    settle: float = 0.0  # seconds the graded behaviour needs to show (a probe's first restart): a replay waits
    # what the lab breaks for the whole cluster (CoreDNS, a node's kubelet, the scheduler), "" when nothing:
    # its tests hold cluster.lock exclusively (they run alone), an exam draws at most one such lab and
    # seeds it last, and its @lab.reset_steps must restore the cluster baseline (kubelab.cluster.system)
    cluster_wide: str = ""
    # why a class autograde cannot re-create this lab's graded state in a sandbox namespace, "" when it
    # can: `kubelab instructor build` leaves the lab out, autograde refuses it, lint shows the reason;
    # self-paced learners and the exam grade it live as every lab
    not_autogradable: str = ""
    checks: list[Check] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    folder: Path | None = None
    _seed: Callable[[Params], list[Step]] | None = None
    _solution: Callable[[Params], list[Step]] | None = None
    _reset: Callable[[Params], list[Step]] | None = None

    # -- declaration helpers ------------------------------------------------------------
    def check(self, id: str, title: str, *, points: float, hint: str, requires: Iterable[str] = (),
              timeout: float = 20.0, record_only: bool = False):
        """Decorator: declare a check `fn(ctx) -> observation` with its id, title, points and hint.

        record_only: the evidence cannot be re-created on the instructor's cluster (rollout history, a
        drain, a host path): the Submit step keeps what the check read, and autograde re-runs the check
        on those reads, labelled "graded from the record"."""

        def deco(fn):
            self.checks.append(Check(id, title, points, hint, fn, tuple(requires), timeout, record_only))
            return fn

        return deco

    def seed(self, fn: Callable[[Params], list[Step]]):
        """Decorator: steps `start` runs after creating the lab namespace."""
        self._seed = fn
        return fn

    def solution(self, fn: Callable[[Params], list[Step]]):
        """Decorator: the reference solution as steps rendered from the parameters."""
        self._solution = fn
        return fn

    def reset_steps(self, fn: Callable[[Params], list[Step]]):
        """Decorator: extra clean-up steps for `reset` (e.g. remove a node label)."""
        self._reset = fn
        return fn

    def near_miss(self, id: str, description: str, *, fails: Iterable[str], params: dict | None = None,
                  after: Callable[[Params], list[Step]] | None = None, changes: Iterable[str] = ()) -> NearMiss:
        nm = NearMiss(id, description, tuple(fails), dict(params or {}), after, tuple(changes))
        self.near_misses.append(nm)
        return nm

    def variant(self, id: str, description: str, *, params: dict | None = None,
                after: Callable[[Params], list[Step]] | None = None):
        """Declare a correct alternative solution (it must score full marks).

        As a decorator, `@lab.variant(id, description)` over `fn(p) -> steps` gives the whole
        alternative solution; called with `params=` and/or `after=` it re-renders the reference
        with those parameters and runs `after(p)` steps on top. Returns the Variant (or the
        decorated function)."""
        if params is not None or after is not None:
            v = Variant(id, description, None, dict(params or {}), after)
            self.variants.append(v)
            return v

        def deco(fn):
            self.variants.append(Variant(id, description, fn))
            return fn

        return deco

    # -- derived ------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "docker" if self.shape == "docker" else "kubernetes"

    @property
    def record_only(self) -> tuple[str, ...]:
        """Ids of the checks autograde grades from the record, not from the replay."""
        return tuple(c.id for c in self.checks if c.record_only)

    @property
    def max_points(self) -> float:
        return sum(float(c.points) for c in self.checks)

    def check_by_id(self, check_id: str) -> Check:
        for c in self.checks:
            if c.id == check_id:
                return c
        raise KeyError(f"lab {self.id} has no check {check_id!r}; checks: {', '.join(c.id for c in self.checks)}")

    def seed_steps(self, params: Params | None = None) -> list[Step]:
        return list(self._seed(params or self.params)) if self._seed else []

    def solution_steps(self, params: Params | None = None) -> list[Step]:
        if not self._solution:
            return []
        return list(self._solution(params or self.params))

    def near_miss_steps(self, nm: NearMiss) -> list[Step]:
        params = self.params.replace(**nm.params) if nm.params else self.params
        steps = self.solution_steps(params)
        if nm.after:
            steps += list(nm.after(params))
        return steps

    def variant_by_id(self, variant_id: str) -> Variant:
        for v in self.variants:
            if v.id == variant_id:
                return v
        raise KeyError(f"lab {self.id} has no variant {variant_id!r}; variants: "
                       f"{', '.join(v.id for v in self.variants) or 'none'}")

    def variant_steps(self, v: Variant) -> list[Step]:
        params = self.params.replace(**v.params) if v.params else self.params
        steps = list(v.steps(params)) if v.steps else self.solution_steps(params)
        if v.after:
            steps += list(v.after(params))
        return steps

    def extra_reset_steps(self) -> list[Step]:
        return list(self._reset(self.params)) if self._reset else []

    def secrets(self) -> list[str]:
        return [str(self.params[k]) for k in self.secret_params if k in self.params]

    @property
    def class_autogradable(self) -> bool:
        return not self.not_autogradable

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "topic": self.topic, "shape": self.shape,
                "minutes": self.minutes, "points": self.max_points, "checks": len(self.checks),
                "namespace": self.namespace, **({"cluster_wide": self.cluster_wide} if self.cluster_wide else {}),
                **({"not_autogradable": self.not_autogradable} if self.not_autogradable else {})}
