"""Where a question comes from, in words a learner can follow.

The bank cites the study notes by file number (`shared/seeds/001_....txt` is
"001") and section: `001 part 9 (Pod)`. Learners never see those files'
numbers, so feedback names the notes instead:
`Docker and Kubernetes study notes, part 9 (Pod)`.
"""

from __future__ import annotations

import re

#: Seed file number -> a short English title of what that file is.
SEED_TITLES: dict[str, str] = {
    "000": "cloud vendor docs on Pods and StatefulSets",
    "001": "Docker and Kubernetes study notes",
    "002": "notes on Pods and container design patterns",
    "003": "course notes on Pods, controllers and scheduling",
    "004": "cloud vendor Q&A on StatefulSets and scheduling",
}

_REF = re.compile(r"\b(00[0-4])(?: (part|section|introduction)(?: ([0-9][0-9.]*))?)?(?: \(([^()]*)\))?")


def readable_source(source: str) -> str:
    """`001 part 9 (Pod)` -> `Docker and Kubernetes study notes, part 9 (Pod)`; several
    references separated by commas are each rewritten; text that names no seed
    is returned unchanged. Never raises."""

    def one(m: re.Match) -> str:
        seed, word, number, topic = m.groups()
        out = SEED_TITLES.get(seed, seed)
        if word:
            out += f", {word}" + (f" {number}" if number else "")
        if topic:
            out += f" ({topic})"
        return out

    return _REF.sub(one, source.strip())
