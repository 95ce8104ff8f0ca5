"""Exam tracks: each a blueprint of domains with weights, a pass line, and where the labs go.

This file is the one declarative table. A lab lands in a track's domain by its topic
(`topics`), or by its id where one lab of a topic belongs elsewhere (`labs`: probes-repair is a
troubleshooting task, probes-readiness-endpoints a Service-endpoints one). A topic mapped to
None is outside that curriculum and never drawn. New labs of topic `troubleshooting` slot into
the CKA's Troubleshooting and the CKAD's Observability domain with no change here.

Weights: cncf/curriculum v1.35 (CKA_Curriculum_v1.35.pdf, CKAD_Curriculum_v1.35.pdf).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASS_PCT = 66.0   # both CNCF exams: 66%
DEFAULT_TASKS = 17   # killer.sh-like: 15-20 tasks in two hours
DEFAULT_MINUTES = 120


@dataclass(frozen=True)
class Domain:
    id: str
    name: str
    weight: float   # percent of the exam


@dataclass(frozen=True)
class Track:
    id: str
    title: str
    domains: tuple[Domain, ...]
    topics: dict[str, str | None]          # lab topic -> domain id (None: not in this curriculum)
    labs: dict[str, str] = field(default_factory=dict)   # lab id -> domain id (overrides the topic)
    shapes: tuple[str, ...] = ("single", "course")        # lab shapes this track draws from
    pass_pct: float = PASS_PCT
    note: str = ""
    # labs that break the whole cluster (lab.cluster_wide: DNS, a kubelet, the scheduler) an exam may hold:
    # such a task is seeded last (the other tasks' pods are placed by then) and listed first
    cluster_tasks: int = 0

    def domain(self, domain_id: str) -> Domain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(f"track {self.id} has no domain {domain_id!r}")

    def domain_of(self, lab) -> str | None:
        """The domain id a lab counts for in this track, or None (not drawn: shape, topic, or a lab that
        breaks the whole cluster in a track that takes none)."""
        if lab.shape not in self.shapes:
            return None
        if getattr(lab, "cluster_wide", "") and self.cluster_tasks < 1:
            return None
        if lab.id in self.labs:
            return self.labs[lab.id]
        return self.topics.get(lab.topic)


CKA = Track(
    id="cka",
    title="CKA-style (Certified Kubernetes Administrator, curriculum v1.35)",
    domains=(
        Domain("troubleshooting", "Troubleshooting", 30),
        Domain("cluster", "Cluster Architecture, Installation and Configuration", 25),
        Domain("networking", "Services and Networking", 20),
        Domain("workloads", "Workloads and Scheduling", 15),
        Domain("storage", "Storage", 10),
    ),
    topics={
        "troubleshooting": "troubleshooting",
        "pods": "workloads", "controllers": "workloads", "config": "workloads",
        "scheduling": "workloads", "probes": "workloads",
        "services": "networking", "networking": "networking",
        "storage": "storage",
        "cluster": "cluster", "rbac": "cluster",
        "security": "cluster",                          # RBAC, ServiceAccounts, quotas: cluster configuration
        "docker": None, "namespaces-cgroups": None, "misc": None,
    },
    labs={
        "probes-repair": "troubleshooting",            # find why a pod never gets Ready, repair it
        "probes-readiness-endpoints": "networking",    # a Service's endpoints follow readiness
        "sched-drain": "cluster",                       # node maintenance: the drain of an upgrade
    },
    cluster_tasks=1,   # a broken CoreDNS, kubelet or scheduler: the CKA's cluster troubleshooting, one per exam
)

CKAD = Track(
    id="ckad",
    title="CKAD-style (Certified Kubernetes Application Developer, curriculum v1.35)",
    domains=(
        Domain("design", "Application Design and Build", 20),
        Domain("deployment", "Application Deployment", 20),
        Domain("observability", "Application Observability and Maintenance", 15),
        Domain("environment", "Application Environment, Configuration and Security", 25),
        Domain("networking", "Services and Networking", 20),
    ),
    topics={
        "pods": "design", "controllers": "design", "storage": "design",
        "probes": "observability", "troubleshooting": "observability",
        "config": "environment",
        "security": "environment",                      # ServiceAccounts, securityContext, quotas
        "services": "networking", "networking": "networking",
        "scheduling": None, "docker": None, "namespaces-cgroups": None, "misc": None,
    },
    labs={
        "deploy-rollout-rollback": "deployment",       # rolling update and rollback
        "pods-guaranteed-qos": "environment",          # requests and limits
        "probes-readiness-endpoints": "networking",
    },
)

KUBELAB = Track(
    id="kubelab",
    title="kubelab course (Docker and Kubernetes, every chapter)",
    domains=(
        Domain("docker", "Docker: images, containers, networks, volumes", 15),
        Domain("isolation", "Namespaces and cgroups", 5),
        Domain("pods", "Pods", 15),
        Domain("controllers", "Controllers", 15),
        Domain("probes", "Probes", 10),
        Domain("storage", "Storage", 10),
        Domain("config", "ConfigMaps and Secrets", 10),
        Domain("scheduling", "Scheduling", 10),
        Domain("services", "Services and Networking", 5),
        Domain("troubleshooting", "Troubleshooting", 5),
    ),
    topics={
        "docker": "docker", "namespaces-cgroups": "isolation", "pods": "pods", "controllers": "controllers",
        "probes": "probes", "storage": "storage", "config": "config", "scheduling": "scheduling",
        "services": "services", "networking": "services", "troubleshooting": "troubleshooting", "misc": None,
        "security": "config",                           # with ConfigMaps and Secrets: the workload's environment
    },
    shapes=("docker", "single", "course"),
    note="weights follow the course chapters",
)

TRACKS: dict[str, Track] = {t.id: t for t in (CKA, CKAD, KUBELAB)}


def get_track(track_id: str) -> Track:
    """The track with this id. Raises KeyError naming the known ones."""
    try:
        return TRACKS[track_id.lower()]
    except KeyError:
        raise KeyError(f"no exam track {track_id!r}; tracks: {', '.join(TRACKS)}") from None
