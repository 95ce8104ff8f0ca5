"""Draw an exam's tasks from the labs by a track's blueprint: deterministic for a seed.

    tasks = draw(get_track("cka"), all_labs(), seed=7, count=17)

1. The bank: every lab the track places in a domain (by topic or id; shapes the track allows).
2. Quotas: each domain that has labs gets one task (while there are tasks to give), the rest go
   one at a time to the domain furthest below its share (weight x count), never more than it
   has labs.
3. Picks: per domain (heaviest first) labs in an order shuffled by the seed, skipping a lab that
   conflicts with one already picked; a domain left short gives its quota back and step 2 runs
   again. Fewer tasks come out when the bank is smaller.
4. Weights: each drawn domain's blueprint weight, scaled so that drawn domains sum to 100
   (domains with no task this time: "no tasks yet" or not drawn), shared equally by its tasks.

A lab that breaks the whole cluster (lab.cluster_wide) is drawn only by a track that takes such
tasks (track.cluster_tasks), at most one per exam (two conflict), and is listed as task 1.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kubelab.exam.blueprints import DEFAULT_TASKS, Track


class DrawError(ValueError):
    """The labs asked for cannot form an exam (unknown, outside the track, or conflicting)."""


@dataclass(frozen=True)
class Task:
    number: int
    lab_id: str
    domain: str
    weight: float   # points out of 100

    def to_dict(self) -> dict:
        return {"number": self.number, "lab": self.lab_id, "domain": self.domain, "weight": round(self.weight, 3)}


def bank(track: Track, labs: dict) -> dict[str, list]:
    """domain id -> the labs (sorted by id) the track can draw for it; every domain is a key."""
    out: dict[str, list] = {d.id: [] for d in track.domains}
    for lab in sorted(labs.values(), key=lambda lab: lab.id):
        d = track.domain_of(lab)
        if d is not None:
            out[d].append(lab)
    return out


def scaled_weights(track: Track, present: set[str]) -> dict[str, float]:
    """The blueprint weights of the `present` domains scaled to sum to 100 (others 0)."""
    total = sum(d.weight for d in track.domains if d.id in present)
    return {d.id: (d.weight * 100.0 / total if total and d.id in present else 0.0) for d in track.domains}


def conflict(a, b) -> str | None:
    """Why labs a and b cannot be in one exam, or None."""
    if a.namespace and a.namespace == b.namespace:
        return f"both use namespace {a.namespace}"
    for key in ("containers", "networks", "volumes"):
        shared = set(a.docker.get(key, [])) & set(b.docker.get(key, []))
        if shared:
            return f"both use Docker {key[:-1]} {sorted(shared)[0]}"
    if getattr(a, "cluster_wide", "") and getattr(b, "cluster_wide", ""):
        # each breaks something every task needs (DNS, a node, the scheduler): one at a time is fair
        return "both break the whole cluster: at most one such task per exam"
    if a.node_scope and b.node_scope:
        nodes = sorted(set(a.node_scope.nodes) | set(b.node_scope.nodes))
        # two node labs at once could taint, cordon or drain every worker: at most one per exam
        return f"both change nodes ({', '.join(nodes)}): at most one node lab per exam"
    return None


def _quotas(weights: dict[str, float], caps: dict[str, int], count: int) -> dict[str, int]:
    order = [d for d in sorted(weights, key=lambda d: -weights[d]) if caps.get(d, 0) > 0 and weights[d] > 0]
    q = {d: 0 for d in weights}
    left = min(count, sum(caps[d] for d in order))
    for d in order:                   # one task per domain first (heaviest first when short)
        if left == 0:
            break
        q[d], left = 1, left - 1
    while left > 0:
        open_ = [d for d in order if q[d] < caps[d]]
        d = max(open_, key=lambda d: (weights[d] * count / 100.0 - q[d], weights[d]))
        q[d], left = q[d] + 1, left - 1
    return q


def draw(track: Track, labs: dict, seed: int, count: int | None = None, only: list[str] | None = None) -> list[Task]:
    """The exam's tasks, numbered 1..n. `only`: exactly these lab ids (tests, instructors).

    Raises DrawError for an unknown lab, one outside the track, or two that conflict."""
    rng = random.Random(f"{track.id}:{seed}")
    by_domain = bank(track, labs)
    if only:
        picked = []
        for lab_id in only:
            lab = labs.get(lab_id)
            if lab is None:
                raise DrawError(f"no lab {lab_id!r}")
            d = track.domain_of(lab)
            if d is None:
                raise DrawError(f"lab {lab_id} ({lab.topic}, {lab.shape}) is not part of the {track.id} track")
            _check_free(lab, [p for p, _ in picked])
            picked.append((lab, d))
    else:
        count = DEFAULT_TASKS if count is None else count
        if count < 1:
            raise DrawError("an exam needs at least one task")
        full = scaled_weights(track, {d for d, ls in by_domain.items() if ls})
        shuffled = {d: rng.sample(ls, len(ls)) for d, ls in by_domain.items()}
        caps = {d: len(ls) for d, ls in by_domain.items()}
        while True:
            quotas = _quotas(full, caps, count)
            picked, short = [], False
            for d in sorted(quotas, key=lambda d: -full[d]):
                got = 0
                for lab in shuffled[d]:
                    if got == quotas[d]:
                        break
                    if all(conflict(lab, p) is None for p, _ in picked):
                        picked.append((lab, d))
                        got += 1
                if got < quotas[d]:
                    caps[d], short = got, True
            if not short:
                break
        rng.shuffle(picked)
    # a task that breaks the whole cluster comes first in the list: the others depend on its repair
    picked.sort(key=lambda pair: not getattr(pair[0], "cluster_wide", ""))
    weights = scaled_weights(track, {d for _, d in picked})
    per = {d: sum(1 for _, x in picked if x == d) for _, d in picked}
    return [Task(i + 1, lab.id, d, weights[d] / per[d]) for i, (lab, d) in enumerate(picked)]


def _check_free(lab, picked: list) -> None:
    for other in picked:
        why = conflict(lab, other)
        if why:
            raise DrawError(f"labs {other.id} and {lab.id} conflict: {why}")
