"""Per-lab locks for tooling that runs labs live on a shared cluster (the live exam test, the bench).

Several people (or CI jobs) test on one course cluster; a command that touches a lab live holds
/tmp/kubelab-locks/<lab-id>.lock (and nodes.lock first when a lab changes nodes), taken in sorted
order so that two holders never wait on each other in a cycle. $KUBELAB_LOCKS_HELD lists lab ids
(comma-separated) the caller already holds, e.g. under `flock(1)`: those are not taken again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_DIR = Path(os.environ.get("KUBELAB_LOCK_DIR", "/tmp/kubelab-locks"))


def lock_names(labs) -> list[str]:
    """cluster (when a lab breaks the whole cluster: held exclusively, no other live test runs meanwhile),
    nodes (when a lab changes nodes), then the lab ids in sorted order."""
    names = sorted({lab.id for lab in labs})
    return (["cluster"] if any(getattr(lab, "cluster_wide", "") for lab in labs) else []) + \
        (["nodes"] if any(lab.node_scope for lab in labs) else []) + names


@contextlib.contextmanager
def lab_locks(labs, log=lambda _msg: None):
    held = {x.strip() for x in os.environ.get("KUBELAB_LOCKS_HELD", "").split(",") if x.strip()}
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    files = []
    try:
        for name in lock_names(labs):
            if name in held:
                continue
            f = open(LOCK_DIR / f"{name}.lock", "a")
            log(f"waiting for {f.name} ...")
            fcntl.flock(f, fcntl.LOCK_EX)
            files.append(f)
        yield
    finally:
        for f in reversed(files):
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()
