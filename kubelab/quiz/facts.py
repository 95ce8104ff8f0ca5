"""Mechanical checks for classes of factual error found in the course text.

Each check reads plain text (a question's fields, a notebook's markdown) and
returns messages; `kubelab quiz lint` and the course tests run them. They
catch the errors a reviewer found once so that they cannot come back:

- public IPv4 addresses shown as if they were private (the notes'
  172.10.10.0/24 is public address space: RFC 1918's block is 172.16.0.0/12);
- the kernel version a namespace appeared in (mount: 2.4.19, not 2.6.19);
- Kubernetes version facts: a version newer than the course's, or a feature
  dated to a release other than the one it came in.
"""

from __future__ import annotations

import ipaddress
import re

#: The Kubernetes minor version the course is written for.
COURSE_KUBERNETES_MINOR = 34

#: clone flag -> kernel versions a text may date it to (first version, and
#: where it was completed for the ones that took several releases).
NAMESPACE_KERNELS: dict[str, set[str]] = {
    "CLONE_NEWNS": {"2.4.19"},
    "CLONE_NEWUTS": {"2.6.19"},
    "CLONE_NEWIPC": {"2.6.19"},
    "CLONE_NEWPID": {"2.6.24"},
    "CLONE_NEWNET": {"2.6.24", "2.6.29"},
    "CLONE_NEWUSER": {"2.6.23", "3.8"},
    "CLONE_NEWCGROUP": {"4.6"},
    "CLONE_NEWTIME": {"5.6"},
}
_NS_WORDS = {
    "CLONE_NEWNS": r"\bmount namespaces?\b", "CLONE_NEWUTS": r"\bUTS namespaces?\b",
    "CLONE_NEWIPC": r"\bIPC namespaces?\b", "CLONE_NEWPID": r"\bPID namespaces?\b",
    "CLONE_NEWNET": r"\bnetwork namespaces?\b", "CLONE_NEWUSER": r"\buser namespaces?\b",
    "CLONE_NEWCGROUP": r"\bcgroup namespaces?\b", "CLONE_NEWTIME": r"\btime namespaces?\b",
}
_KERNEL_VERSION = re.compile(r"\b([2-6]\.\d{1,2}(?:\.\d{1,2})?)\b")

#: Kubernetes features and the minor versions a text may date them to.
KUBERNETES_FACTS: list[tuple[str, re.Pattern, set[int]]] = [
    ("dockershim removal", re.compile(r"dockershim", re.I), {24}),
    ("batch/v1beta1 CronJob removal", re.compile(r"batch/v1beta1", re.I), {25}),
    ("in-place Pod resize (beta, on by default)", re.compile(r"in-place (pod )?resiz|--subresource resize", re.I), {27, 33}),
    ("native sidecar containers", re.compile(r"native sidecar|init container with restartPolicy: Always", re.I), {28, 29, 33}),
    ("immutable ConfigMaps and Secrets (GA)", re.compile(r"\bimmutable\b", re.I), {19, 21}),
    ("gRPC probes (GA)", re.compile(r"\bgrpc probe", re.I), {24, 27}),
    ("ReadWriteOncePod (GA)", re.compile(r"\bRWOP\b|ReadWriteOncePod"), {22, 27, 29}),
    ("kube-proxy nftables mode (GA)", re.compile(r"nftables mode", re.I), {29, 31, 33}),
]
_K8S_VERSION = re.compile(r"(?:Kubernetes|since|in|from|until|GA|beta|alpha|removed in|v)\s+v?1\.(\d{2})\b", re.I)

_IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?:/(\d{1,2}))?(?!\d|\.\d)")
_SAYS_PUBLIC = re.compile(r"\bpublic\b", re.I)


def _sentences(text: str) -> list[str]:
    """Split into sentences and table rows (a version fact lives in one of them)."""
    parts: list[str] = []
    for line in text.splitlines():
        if line.lstrip("# ").startswith("|"):
            parts.append(line)
        else:
            parts.extend(re.split(r"(?<=[.;!?])\s+", line))
    return [p for p in parts if p.strip()]


def public_addresses(text: str, *, allow_if_flagged: bool = True) -> list[str]:
    """Public (globally routable) IPv4 addresses or networks in `text`, as messages.

    A sentence that itself says "public" may name one (to warn about it) when
    `allow_if_flagged`. Never raises.
    """
    out = []
    for sentence in _sentences(text):
        if allow_if_flagged and _SAYS_PUBLIC.search(sentence):
            continue
        for addr, prefix in _IPV4.findall(sentence):
            try:
                net = ipaddress.ip_network(f"{addr}/{prefix}" if prefix else addr, strict=False)
            except ValueError:
                continue
            if net.is_global:
                out.append(f"{addr}{'/' + prefix if prefix else ''} is public address space; use a private range "
                           "(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) or say that it is public")
    return out


def namespace_kernel_versions(text: str) -> list[str]:
    """Sentences or table rows that date a namespace to the wrong kernel. Never raises."""
    out = []
    for sentence in _sentences(text):
        flags = [f for f in NAMESPACE_KERNELS if re.search(rf"\b{f}\b", sentence)]
        if not flags:
            flags = [f for f, words in _NS_WORDS.items() if re.search(words, sentence, re.I)]
        if len(flags) != 1:
            continue                       # several namespaces in one sentence: cannot tell which version is whose
        flag = flags[0]
        if not re.search(r"\b(linux|kernel|since)\b", sentence, re.I) and "|" not in sentence:
            continue
        for version in _KERNEL_VERSION.findall(sentence):
            if version not in NAMESPACE_KERNELS[flag]:
                out.append(f"{flag} dated to Linux {version}: expected {' or '.join(sorted(NAMESPACE_KERNELS[flag]))} "
                           "(namespaces(7))")
    return out


def kubernetes_versions(text: str) -> list[str]:
    """Kubernetes versions newer than the course's, and features dated to the
    wrong release. Never raises."""
    out = []
    for sentence in _sentences(text):
        minors = [int(m) for m in _K8S_VERSION.findall(sentence)]
        for minor in minors:
            if minor > COURSE_KUBERNETES_MINOR:
                out.append(f"Kubernetes 1.{minor} is newer than the course's 1.{COURSE_KUBERNETES_MINOR}")
        matched = [(name, ok) for name, pattern, ok in KUBERNETES_FACTS if pattern.search(sentence)]
        if len(matched) != 1:
            continue
        name, ok = matched[0]
        for minor in minors:
            if minor not in ok and minor != COURSE_KUBERNETES_MINOR:
                out.append(f"{name} dated to 1.{minor}: expected {' or '.join(f'1.{v}' for v in sorted(ok))}")
    return out


def check_text(text: str, *, learner_facing: bool = True) -> list[str]:
    """Every fact check over `text`. With learner_facing (question text,
    options, answers, snippets) a public address is wrong even when the
    sentence calls it public; explanations may name one to warn about it."""
    return (public_addresses(text, allow_if_flagged=not learner_facing)
            + namespace_kernel_versions(text) + kubernetes_versions(text))
