"""Every course notebook, executed top to bottom on the live engine/cluster (discovered from
course/NN-*.py: a new notebook needs no edit here).

One kernel per notebook, the same proofs as two runs from the top at about half the cost:
1. untouched (SOLVE = False injected after the `parameters` cell): every cell runs without error,
   and every lab the notebook references scores 0;
2. then, in the same kernel, `SOLVE = True` and the cells that read SOLVE (the `lab_task` cells:
   each resets its lab, applies the reference solution and waits for the checks) run again:
   no error, and every referenced lab scores full marks.
The worked examples are not run a second time: they do not read SOLVE, and the test proves they do
not touch a lab's state either (no cell but the SOLVE cells names a lab's namespace or Docker
objects), so a second run would execute exactly what the first one did.
The labs are reset before the run and at the end; the test holds the locks of all of them.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

from kubelab.course.notebooks import references, sources

pytestmark = [pytest.mark.live, pytest.mark.timeout(900)]

NOTEBOOKS = sources()
CELL_TIMEOUT = 180


def _params():
    out = []
    for s in NOTEBOOKS:
        try:
            labs = references(s).labs
        except SyntaxError:  # the course lint reports it; the test then fails on executing it
            labs = []
        out.append(pytest.param(s, id=s.stem, marks=pytest.mark.labs(*labs)))
    return out


def _needs(request, labs) -> None:
    from tests.labs.test_labs_live import need_live

    request.getfixturevalue("docker_engine")
    if any(lab.shape != "docker" for lab in labs):
        request.getfixturevalue("live_cluster")
    for lab in labs:  # the catalog images the labs use (a machine whose build has not run yet skips)
        need_live(lab)


def reads_solve(source: str) -> bool:
    """Does this cell read SOLVE (as the lab_task cells do)? Assigning it does not count."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return any(isinstance(n, ast.Name) and n.id == "SOLVE" and isinstance(n.ctx, ast.Load) for n in ast.walk(tree))


def lab_names(lab) -> list[str]:
    """Names of the live state a lab owns: its namespace, its Docker containers, networks, volumes."""
    names = [lab.namespace] if lab.namespace else []
    for values in lab.docker.values():
        names += list(values)
    return names


def touches(source: str, names: list[str]) -> list[str]:
    return [n for n in names if re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w.-])", source)]


def notebook(source: Path):
    import nbformat

    from kubelab.course.notebooks import render_text

    nb = nbformat.reads(render_text(source), as_version=4)
    at = next((i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if at is not None:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell("SOLVE = False  # injected by the test"))
    return nb


def errors(cells) -> list[str]:
    out = []
    for i, cell in cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}\n{cell.source[:300]}")
    return out


@pytest.mark.parametrize("source", _params())
def test_notebook_untouched_then_solved(source, request):
    import nbformat
    from nbclient import NotebookClient

    from kubelab.labs import actions
    from kubelab.labs.engine import check_lab
    from kubelab.labs.registry import get_lab

    labs = [get_lab(i) for i in references(source).labs]
    _needs(request, labs)
    nb = notebook(source)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    solve_cells = [(i, c) for i, c in code if reads_solve(c.source)]
    assert not labs or solve_cells, f"{source.name} references labs but no cell reads SOLVE"
    names = [n for lab in labs for n in lab_names(lab)]
    for i, c in code:
        if (i, c) not in solve_cells and not c.source.startswith("SOLVE ="):
            assert not touches(c.source, names), (
                f"{source.name} cell {i} names lab state {touches(c.source, names)} but does not read SOLVE: "
                "the single-kernel proof does not run it in the solved state")

    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(source.parent)}})
    client.reset_execution_trackers()
    try:
        for lab in labs:
            actions.reset(lab, keep_namespace=True)
        with client.setup_kernel():
            client.wait_for_reply(client.kc.kernel_info())

            def run(i, cell):
                client.execute_cell(cell, i, execution_count=client.code_cells_executed + 1)

            t0 = time.perf_counter()
            for i, cell in enumerate(nb.cells):
                run(i, cell)
            assert not errors(code), "\n".join(errors(code))
            for lab in labs:
                r = check_lab(lab)
                assert r.exit_code != 2, r.to_dict()
                assert r.points == 0, f"{source.name} untouched: {lab.id} must score 0, {r.verdicts()}"
            t1 = time.perf_counter()
            print(f"\n{source.name}: untouched run {t1 - t0:.1f} s")

            nb.cells.append(nbformat.v4.new_code_cell("SOLVE = True  # injected by the test"))
            run(len(nb.cells) - 1, nb.cells[-1])
            for i, cell in solve_cells:
                run(i, cell)
            assert not errors(solve_cells), "\n".join(errors(solve_cells))
            for lab in labs:
                r = check_lab(lab)
                assert r.all_passed and r.points == lab.max_points, \
                    f"{source.name} solved: {lab.id} must score full marks, {r.to_dict()}"
            print(f"{source.name}: the {len(solve_cells)} SOLVE cell(s) solved {time.perf_counter() - t1:.1f} s")
    finally:
        for lab in labs:  # the namespaces go in the background: whoever starts the lab next waits if need be
            actions.reset(lab, wait=False)
