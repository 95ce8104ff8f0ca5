"""Every course notebook, executed top to bottom on the live engine/cluster (discovered from
course/NN-*.py: a new notebook needs no edit here).

Run 1, untouched (SOLVE = False): no cell errors and every lab the notebook references
scores 0. Run 2, SOLVE = True injected after the `parameters` cell: every referenced lab
scores full marks. The labs are reset before each run and at the end.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kubelab.course.notebooks import references, sources

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

NOTEBOOKS = sources()
CELL_TIMEOUT = 180


def _needs(request, labs) -> None:
    from tests.labs.test_labs_live import need_live

    request.getfixturevalue("docker_engine")
    if any(lab.shape != "docker" for lab in labs):
        request.getfixturevalue("live_cluster")
    for lab in labs:  # the catalog images the labs use (a machine whose build has not run yet skips)
        need_live(lab)


def _reset(labs) -> None:
    from kubelab.labs import actions

    for lab in labs:
        actions.reset(lab)


def execute(source: Path, solve: bool):
    """Execute the notebook generated from `source` (SOLVE injected); return (nb, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    from kubelab.course.notebooks import render_text

    nb = nbformat.reads(render_text(source), as_version=4)
    at = next((i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if at is not None:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(f"SOLVE = {solve!r}  # injected by the test"))
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(source.parent)}}).execute()
    return nb, time.perf_counter() - t0


def errors(nb) -> list[str]:
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}\n{cell.source[:300]}")
    return out


@pytest.mark.parametrize("source", NOTEBOOKS, ids=[s.stem for s in NOTEBOOKS])
def test_notebook_untouched_then_solved(source, request):
    from kubelab.labs.engine import check_lab
    from kubelab.labs.registry import get_lab

    labs = [get_lab(i) for i in references(source).labs]
    _needs(request, labs)
    try:
        _reset(labs)
        nb, seconds = execute(source, solve=False)
        assert not errors(nb), "\n".join(errors(nb))
        for lab in labs:
            r = check_lab(lab)
            assert r.exit_code != 2, r.to_dict()
            assert r.points == 0, f"{source.name} untouched: {lab.id} must score 0, {r.verdicts()}"
        print(f"\n{source.name}: untouched run {seconds:.1f} s")

        _reset(labs)
        nb, seconds = execute(source, solve=True)
        assert not errors(nb), "\n".join(errors(nb))
        for lab in labs:
            r = check_lab(lab)
            assert r.all_passed and r.points == lab.max_points, \
                f"{source.name} solved: {lab.id} must score full marks, {r.to_dict()}"
        print(f"{source.name}: solved run {seconds:.1f} s")
    finally:
        _reset(labs)
