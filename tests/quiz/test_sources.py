"""Sources shown to learners name the notes, never a seed file's number."""

import re

import pytest

from kubelab.quiz.bank import load_bank
from kubelab.quiz.sources import SEED_TITLES, readable_source


@pytest.mark.parametrize("raw,shown", [
    ("001 part 9 (Pod)", "Docker and Kubernetes study notes, part 9 (Pod)"),
    ("003 section 1.2.3 (Pod spec: startupProbe)",
     "course notes on Pods, controllers and scheduling, section 1.2.3 (Pod spec: startupProbe)"),
    ("002 part 4 (graceful termination), 000 (lifecycle hooks)",
     "notes on Pods and container design patterns, part 4 (graceful termination), "
     "cloud vendor docs on Pods and StatefulSets (lifecycle hooks)"),
    ("002 introduction (network and storage sharing)",
     "notes on Pods and container design patterns, introduction (network and storage sharing)"),
    ("003 part 6", "course notes on Pods, controllers and scheduling, part 6"),
    ("Kubernetes documentation", "Kubernetes documentation"),
])
def test_readable_source(raw, shown):
    assert readable_source(raw) == shown


def test_every_seed_has_a_title_and_no_bank_source_shows_a_number():
    assert set(SEED_TITLES) == {"000", "001", "002", "003", "004"}
    for q in load_bank():
        shown = readable_source(q.source)
        assert not re.search(r"\b00[0-4]\b", shown), f"{q.id}: {shown!r}"
