"""Step 1 of a replay: the fence a submission is replayed in (names, labels, namespace manifests).

Kubernetes: a namespace `kg-<hash>-<student>` labelled for Pod Security "baseline", a ServiceAccount
`kubelab-replay` whose Role reaches only that namespace (no `escalate`/`bind`), a ResourceQuota that
counts every kind a record may hold, a LimitRange that gives every container CPU, memory and
ephemeral-storage defaults and maxima, and a NetworkPolicy that keeps the namespace's egress inside
it (plus DNS). Pods get no process limit from the API: that is the kubelet's `podPidsLimit` (1024, cluster/shapes).

Docker: the prefix `kg-<hash>-`, the label every replayed container, network and volume carries,
and the caps every replayed container runs under.
"""

from __future__ import annotations

import hashlib
import re

from kubelab.graders.network import PROBE_LABEL

GRADE_LABEL = "kubelab.io/grading"
DOCKER_GRADE_LABEL = "kubelab.grade"
REPLAY_SA = "kubelab-replay"
EGRESS_POLICY = "kubelab-replay-egress"
IMAGE_TAG = re.compile(r"^kg-[0-9a-f]{8}-image\d+:replay$")   # the tags replayed images are loaded under
WORKDIR_PREFIX = "kubelab-replay-"                             # scratch folders of restored files

# every kind a record may create is counted; the replay's own SA/Role/RoleBinding/NetworkPolicy
# and the default ServiceAccount count too (hence the +1 / +2)
QUOTA = {"pods": "10", "services": "5", "configmaps": "10", "secrets": "10", "persistentvolumeclaims": "3",
         "services.nodeports": "0", "services.loadbalancers": "0", "count/deployments.apps": "5",
         "count/replicasets.apps": "20", "count/statefulsets.apps": "3", "count/daemonsets.apps": "1",
         "count/jobs.batch": "5", "count/cronjobs.batch": "2",
         "count/serviceaccounts": "7", "count/roles.rbac.authorization.k8s.io": "6",
         "count/rolebindings.rbac.authorization.k8s.io": "6", "count/ingresses.networking.k8s.io": "3",
         "count/networkpolicies.networking.k8s.io": "6", "count/horizontalpodautoscalers.autoscaling": "3",
         "count/poddisruptionbudgets.policy": "3", "count/controllerrevisions.apps": "20",
         "requests.cpu": "2", "requests.memory": "2Gi", "limits.cpu": "12", "limits.memory": "4Gi",
         "requests.ephemeral-storage": "4Gi", "limits.ephemeral-storage": "8Gi", "requests.storage": "5Gi"}
# per container: what it gets when it says nothing, and the most it may ask for
CONTAINER_DEFAULT_REQUEST = {"cpu": "10m", "memory": "16Mi", "ephemeral-storage": "16Mi"}
CONTAINER_DEFAULT_LIMIT = {"cpu": "1", "memory": "256Mi", "ephemeral-storage": "512Mi"}
CONTAINER_MAX = {"cpu": "1", "memory": "1Gi", "ephemeral-storage": "1Gi"}

ROLE_RULES = [
    {"apiGroups": [""], "resources": ["pods", "pods/log", "services", "configmaps", "secrets", "persistentvolumeclaims",
                                      "serviceaccounts"], "verbs": ["*"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "deployments/scale", "replicasets", "statefulsets",
                                          "daemonsets"], "verbs": ["*"]},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": ["*"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies", "ingresses"], "verbs": ["*"]},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["*"]},
    {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["*"]},
    # no `escalate`/`bind`: a recorded Role may not grant more than the replay identity holds
    {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"],
     "verbs": ["get", "list", "watch", "create", "update", "patch", "delete"]},
]

# Docker: caps of every replayed container (a record may ask for less, never more)
DOCKER_MEMORY_DEFAULT = 256 * 1024 * 1024
DOCKER_MEMORY_MAX = 1024 * 1024 * 1024
DOCKER_NANO_CPUS_MAX = 1_000_000_000        # 1 CPU
DOCKER_PIDS_LIMIT = 256
DOCKER_TMPFS_BYTES = 64 * 1024 * 1024
# Docker subnets a record may ask for: kubelab's own range, and the range the labs teach with
OWNED_SUBNETS = ("10.213.0.0/16", "172.30.0.0/16")


def dns_label(text: str, limit: int = 63) -> str:
    s = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "x"
    return s[:limit].rstrip("-")


def _digest(lab_id: str, student: str, run: str) -> str:
    return hashlib.sha1(f"{lab_id}/{student}/{run}".encode()).hexdigest()[:8]


def replay_namespace(lab_id: str, student: str, run: str = "") -> str:
    """kg-<8 hex>-<student>: unique per (lab, student, run), a valid namespace name."""
    return dns_label(f"kg-{_digest(lab_id, student, run)}-{student}")


def docker_prefix(lab_id: str, student: str, run: str = "") -> str:
    return f"kg-{_digest(lab_id, student, run)}-"


def replay_identity(namespace: str) -> str:
    return f"system:serviceaccount:{namespace}:{REPLAY_SA}"


# the cluster DNS (CoreDNS in kube-system), the one peer outside the namespace a replay may reach
DNS_PEER = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
# the grader's own connectivity probes (kubelab.graders.network) carry this label; the fence leaves them
# to the student's policies (what a NetworkPolicy lab grades), and records may not use it: PROBE_LABEL, above


def egress_policy(namespace: str, lab_id: str) -> dict:
    """Pods of the namespace may reach only pods of the namespace, DNS, and the cluster's ingress
    controller on HTTP/HTTPS (the ingress labs' checks send their requests from a lab pod through it;
    it forwards only to Services that an Ingress names); the grader's probe pods are not selected
    (NetworkPolicies add up: a fence selecting them would allow what a lab's policy must block).
    Enforced where the cluster enforces NetworkPolicy (kubelab's offline cluster does, through its
    NetworkPolicy add-on: docs/networkpolicy.md)."""
    from kubelab.cluster.addons_ingress import NAME as INGRESS, NAMESPACE as INGRESS_NS

    controller = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": INGRESS_NS}},
                          "podSelector": {"matchLabels": {"app.kubernetes.io/name": INGRESS}}}],
                  "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 443}]}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": EGRESS_POLICY, "namespace": namespace, "labels": {GRADE_LABEL: lab_id}},
            "spec": {"podSelector": {"matchExpressions": [{"key": PROBE_LABEL, "operator": "DoesNotExist"}]},
                     "policyTypes": ["Egress"],
                     "egress": [{"to": [{"podSelector": {}}]},
                                {"to": [dict(DNS_PEER)], "ports": [dict(p) for p in DNS_PORTS]},
                                controller]}}


def sandbox_manifests(namespace: str, lab_id: str) -> list[dict]:
    """Namespace (PSA baseline enforced), ServiceAccount, Role, RoleBinding, quota, limits, egress policy."""
    labels = {GRADE_LABEL: lab_id, "pod-security.kubernetes.io/enforce": "baseline",
              "pod-security.kubernetes.io/enforce-version": "latest",
              "pod-security.kubernetes.io/warn": "baseline"}
    md = {"namespace": namespace, "labels": {GRADE_LABEL: lab_id}}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": REPLAY_SA, **md},
         "automountServiceAccountToken": False},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": REPLAY_SA, **md},
         "rules": ROLE_RULES},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": REPLAY_SA, **md},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": REPLAY_SA},
         "subjects": [{"kind": "ServiceAccount", "name": REPLAY_SA, "namespace": namespace}]},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "kubelab-replay", **md},
         "spec": {"hard": dict(QUOTA)}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "kubelab-replay", **md},
         "spec": {"limits": [{"type": "Container", "defaultRequest": dict(CONTAINER_DEFAULT_REQUEST),
                              "default": dict(CONTAINER_DEFAULT_LIMIT), "max": dict(CONTAINER_MAX)}]}},
        egress_policy(namespace, lab_id),
    ]
