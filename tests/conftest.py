"""Shared test set-up.

Live tests (marked `live`) need the course cluster and the Docker engine. With
KUBELAB_LIVE=1 (as `make test` and CI set it) a missing cluster fails them; without
it they are skipped with the reason, so a laptop without a cluster can still run
the fast tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

collect_ignore = [] if os.environ.get("KUBELAB_AFTER_DOWN") == "1" else ["teardown"]


def _cluster_answers() -> tuple[bool, str]:
    try:
        from kubelab.cluster.lifecycle import api_ready

        return (True, "") if api_ready() else (False, "the course cluster's API does not answer")
    except Exception as exc:  # ClusterError, missing tools ...
        return False, str(exc)


@pytest.fixture(scope="session")
def live_cluster():
    """The course cluster, up and answering (fails under KUBELAB_LIVE=1, skips otherwise)."""
    ok, why = _cluster_answers()
    if not ok:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail(f"KUBELAB_LIVE=1 but {why}: run `kubelab cluster up`")
        pytest.skip(f"no live cluster ({why}); set KUBELAB_LIVE=1 to require one")
    from kubelab.cluster.kube import api_client

    return api_client()


@pytest.fixture(scope="session")
def docker_engine():
    proc = subprocess.run(["docker", "info"], capture_output=True, text=True)
    if proc.returncode != 0:
        if os.environ.get("KUBELAB_LIVE") == "1":
            pytest.fail("KUBELAB_LIVE=1 but Docker is not answering")
        pytest.skip("Docker is not answering")
    import docker

    return docker.from_env()


@pytest.fixture
def dead_kubeconfig(tmp_path, monkeypatch):
    """A kubeconfig whose kind-kubelab context points at a port nothing listens on."""
    path = tmp_path / "kubeconfig"
    path.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Config
        clusters:
        - name: dead
          cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
        users:
        - name: dead
          user: {token: "not-a-token"}
        contexts:
        - name: kind-kubelab
          context: {cluster: dead, user: dead}
        current-context: kind-kubelab
        """))
    monkeypatch.setenv("KUBECONFIG", str(path))
    monkeypatch.delenv("KUBELAB_CONTEXT", raising=False)
    return path


# ---- running live tests side by side (pytest-xdist) on the one course cluster ----------------------
#
# Every live test that touches a lab holds that lab's lock for its whole run: an exclusive flock(2)
# on /tmp/kubelab-locks/<lab-id>.lock, in sorted order, after /tmp/kubelab-locks/nodes.lock when
# one of the labs concerns nodes (all at once: see `flocks`): exclusive for a lab that changes
# nodes or cluster-scoped objects (node_scope, cluster_kinds), shared for one whose grading only
# depends on them (the other sched-* labs, NODE_READERS). The same files `flock(1)` takes
# (`flock /tmp/kubelab-locks/pods-basics.lock pytest ...`), so a developer's hand-run command and
# the suite never collide either. A test names its labs by a `lab_id` parameter or by
# `@pytest.mark.labs(...)`. Tests of one lab form one xdist group (`--dist loadgroup`): they keep
# their natural order on one worker; the labs that change nodes share the group "nodes"; a test of
# several labs (a notebook) has no group, and a live test of no lab is grouped with its module
# (tests/graders/test_k8s_live.py makes one namespace per module).
# Two more locks, for tests whose assertions span the whole cluster:
#   cluster.lock   every live test holds it shared; `@pytest.mark.cluster_exclusive` (e.g.
#                  `kubelab cluster reset`, which deletes every lab namespace) holds it exclusively;
#   replays.lock   instructor tests (they replay records in kg-* namespaces/containers) hold it
#                  shared; `@pytest.mark.replays_exclusive` (a test asserting no replay is left
#                  anywhere) holds it exclusively.

def pytest_configure(config):
    for line in ("labs(*lab_ids): the labs a live test touches (it holds their locks, grouped with them)",
                 "cluster_exclusive: the test changes the whole cluster (no other live test runs meanwhile)",
                 "replays_exclusive: the test asserts no replay is left anywhere (no other replay runs meanwhile)",
                 "nodes_shared: the test reads node state (taints, cordons) no lab may change meanwhile",
                 "docker_only: a lab or replay test of Docker-engine labs only (no cluster.lock: scripts/test.sh "
                 "runs them beside the cluster-wide phase)"):
        config.addinivalue_line("markers", line)


LOCK_DIR = Path(os.environ.get("KUBELAB_LOCK_DIR", "/tmp/kubelab-locks"))


# Labs whose grading needs every node schedulable (a DaemonSet on all nodes): a sched-* lab's taint or
# cordon on a worker at the same time would fail them, so they hold nodes.lock too (shared).
NODE_READERS = {"daemonset-all-nodes"}


def changes_nodes(lab) -> bool:
    """Labels, taints, cordons or cluster-scoped objects: nodes.lock exclusively, one such lab at a time."""
    return lab.node_scope is not None or bool(lab.cluster_kinds)


def touches_nodes(lab) -> bool:
    """Changes nodes, or its grading depends on them (sched-*, NODE_READERS: nodes.lock shared)."""
    return changes_nodes(lab) or lab.id.startswith("sched-") or lab.id in NODE_READERS


def cluster_wide(lab_ids) -> bool:
    """A lab that breaks the whole cluster (lab.cluster_wide: CoreDNS, a kubelet, the scheduler): its tests
    are `cluster_exclusive` (cluster.lock exclusively; scripts/test.sh runs them first, alone)."""
    from kubelab.labs.registry import get_lab

    try:
        return any(get_lab(i).cluster_wide for i in lab_ids)
    except KeyError:
        return False


def docker_only(item) -> bool:
    """A lab's own live test or its replay test, for labs on the Docker engine alone (lab.shape "docker"):
    nothing in it reads or changes the cluster, so it needs no cluster.lock and may run while a
    cluster-wide test breaks the cluster. Notebooks are left out (their environment panel reads the
    cluster)."""
    from kubelab.labs.registry import get_lab

    ids = labs_of(item)
    if not ids or Path(str(item.path)).name not in ("test_labs_live.py", "test_replay_labs_live.py"):
        return False
    try:
        return all(get_lab(i).shape == "docker" and not get_lab(i).cluster_kinds for i in ids)
    except KeyError:
        return False


def lock_names(lab_ids) -> list[tuple[str, bool]]:
    """(lock, shared) in the order taken: nodes first (when needed), then the labs sorted, exclusive."""
    from kubelab.labs.registry import get_lab

    ids = sorted(set(lab_ids))
    labs = [get_lab(i) for i in ids]
    nodes = [("nodes", not any(changes_nodes(lab) for lab in labs))] if any(touches_nodes(lab) for lab in labs) else []
    return nodes + [(i, False) for i in ids]


@contextlib.contextmanager
def flocks(names, shared: bool = False):
    """Hold flock(2) on LOCK_DIR/<name>.lock for each name (or (name, shared) pair): all of them
    or, while waiting, none.

    Taken in the order given without blocking; when one is busy, the ones held are let go and the
    busy one is waited for alone, then the rest tried again. So a test that needs five labs never
    sits on four of them while it waits for the fifth (others may use those meanwhile), and
    waiting for one lock while holding none cannot deadlock with anyone."""
    LOCK_DIR.mkdir(parents=True, exist_ok=True)
    wanted = [(n, shared) if isinstance(n, str) else tuple(n) for n in names]
    held: dict[str, object] = {}

    def take(name: str, sh: bool, block: bool) -> bool:
        fh = open(LOCK_DIR / f"{name}.lock", "a")
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if sh else fcntl.LOCK_EX) | (0 if block else fcntl.LOCK_NB))
        except BlockingIOError:
            fh.close()
            return False
        held[name] = fh
        return True

    try:
        while True:
            busy = next(((n, sh) for n, sh in wanted if n not in held and not take(n, sh, block=False)), None)
            if busy is None:
                break
            for fh in held.values():
                fh.close()  # closing releases the lock
            held.clear()
            take(*busy, block=True)  # wait for the busy one, holding nothing else
        yield
    finally:
        for fh in held.values():
            fh.close()


def lab_locks(*lab_ids):
    """Context manager: the locks of these labs (nodes.lock first when one of them touches nodes)."""
    return flocks(lock_names(lab_ids))


def labs_of(item) -> tuple[str, ...]:
    marker = item.get_closest_marker("labs")
    if marker is not None:
        return tuple(marker.args)
    params = getattr(getattr(item, "callspec", None), "params", {})
    lab_id = params.get("lab_id")
    return (lab_id,) if isinstance(lab_id, str) else ()  # not an empty parametrisation's NOTSET


def _group(item) -> str | None:
    from kubelab.labs.registry import get_lab

    ids = labs_of(item)
    if not ids:  # a live test of its own objects: with its module (a module-scoped fixture is made once)
        return f"module:{Path(str(item.path)).stem}"
    try:
        if any(changes_nodes(get_lab(i)) for i in ids):
            return "nodes"  # one at a time anyway (nodes.lock): on one worker, in order
    except KeyError:
        return None
    return ids[0] if len(ids) == 1 else None


# Seconds per live test, for ordering: the longest groups start first (the workers then finish
# together instead of one worker running the last long group alone; scripts/test.sh passes
# --no-loadscope-reorder so that xdist keeps this order instead of ordering groups by test count).
# tests/durations.json holds the measured ones (setup + call + teardown less the time spent waiting
# for another worker's lock, which is not the test's own), refreshed from a run by benchmarks/bench_schedule.py;
# a test not measured yet (a new lab) gets the guess for its kind.
DURATIONS_FILE = Path(os.environ.get("KUBELAB_DURATIONS_FILE") or Path(__file__).with_name("durations.json"))
_WEIGHTS = {"test_notebook": 70, "test_lab_lifecycle": 20, "test_near_miss": 6, "test_variant": 6,
            "test_lab_states_replay": 15, "test_class_pipeline": 120, "test_released_notebook": 40,
            "test_course_notebook_in_a_real_browser": 60}
_durations: dict[str, float] = {}


def node_key(nodeid: str) -> str:
    """The node id without xdist's `@group` suffix (the same test whatever its group)."""
    return nodeid[:nodeid.rindex("@")] if nodeid.rfind("@") > nodeid.rfind("]") else nodeid


def measured_durations() -> dict[str, float]:
    if not _durations:
        try:
            import json

            _durations.update(json.loads(DURATIONS_FILE.read_text()))
        except (OSError, ValueError):
            _durations["~"] = 0.0  # none: read once, guess
    return _durations


def _weight(item) -> float:
    if not item.get_closest_marker("live"):
        return 0.1
    seconds = measured_durations().get(node_key(item.nodeid))
    if seconds is not None:
        return float(seconds)
    name = getattr(item, "originalname", item.name)
    return next((w for prefix, w in _WEIGHTS.items() if name.startswith(prefix)), 1.0)


# KUBELAB_DURATIONS_OUT=<file>: write what this run measured there (scripts/test.sh does), for
# benchmarks/bench_schedule.py. Under xdist the controller sees every worker's reports.
_measured: dict[str, float] = {}


def pytest_runtest_logreport(report):
    if os.environ.get("KUBELAB_DURATIONS_OUT") and "live" in report.keywords:
        waited = sum(v for k, v in report.user_properties if k == "lock_wait") if report.when == "setup" else 0.0
        key = node_key(report.nodeid)
        _measured[key] = round(_measured.get(key, 0.0) + max(0.0, report.duration - waited), 2)


def pytest_sessionfinish(session):
    out = os.environ.get("KUBELAB_DURATIONS_OUT")
    if out and _measured and not os.environ.get("PYTEST_XDIST_WORKER"):
        import json

        Path(out).write_text(json.dumps(dict(sorted(_measured.items())), indent=1) + "\n")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group markers
def pytest_collection_modifyitems(config, items):
    groups: dict[str, list] = {}
    for i, item in enumerate(items):
        if item.get_closest_marker("live") is None:
            key = f"~{i}"
        else:
            if cluster_wide(labs_of(item)):
                item.add_marker(pytest.mark.cluster_exclusive)  # before `-m` deselects: scripts/test.sh sees it
            elif docker_only(item):
                item.add_marker(pytest.mark.docker_only)
            group = _group(item)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))
            key = group or f"~{i}"
        groups.setdefault(key, []).append(item)
    # within a group, a lab's own tests (tests/labs) before the tests that build on them
    rank = {"labs": 0, "course": 1, "instructor": 2}
    # a test of several labs (a notebook) after the labs' own groups: started among them, it would hold
    # their locks while their groups' workers sat waiting (a worker waiting for a lock does nothing)
    ordered = sorted(groups.values(), key=lambda g: (any(len(labs_of(it)) > 1 for it in g),
                                                     -sum(_weight(it) for it in g)))
    items[:] = [it for g in ordered
                for it in sorted(g, key=lambda it: rank.get(Path(str(it.path)).parent.name, 1))]


@pytest.fixture(autouse=True)
def _live_locks(request):
    """A live test holds the locks of the labs it touches (see above) for its whole run."""
    item = request.node
    if item.get_closest_marker("live") is None:
        yield
        return
    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if item.get_closest_marker("docker_only") is None:
            stack.enter_context(flocks(["cluster"], shared=item.get_closest_marker("cluster_exclusive") is None))
        if Path(str(item.path)).parent.name == "instructor":
            stack.enter_context(flocks(["replays"], shared=item.get_closest_marker("replays_exclusive") is None))
        ids = labs_of(item)
        if ids:
            stack.enter_context(lab_locks(*ids))
        elif item.get_closest_marker("nodes_shared") is not None:
            stack.enter_context(flocks([("nodes", True)]))
        item.user_properties.append(("lock_wait", round(time.perf_counter() - t0, 2)))  # not the test's own time
        yield


@pytest.fixture(name="lab_locks")
def _lab_locks_fixture():
    """`with lab_locks("a", "b"):` inside a test, for labs it only knows at run time."""
    return lab_locks
