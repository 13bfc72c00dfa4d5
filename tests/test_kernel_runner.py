"""The executor (grader/kernel_runner.py) with the real sandboxed kernel: whatever a notebook does to its kernel,
the cells after it are still run and graded, and the notebook holds its worker for a bounded time."""

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import course  # noqa: E402
import sandbox  # noqa: E402
from kernel_runner import PROBE_SECONDS, KernelRunner  # noqa: E402
from corpus import BREAK_MESSAGING  # noqa: E402
from processes import processes_of  # noqa: E402

_CLAIM = sandbox.claim_slot()  # a sandbox slot of its own (a uid and a memory cgroup), as grading processes claim them
SLOT = _CLAIM.slot


@pytest.fixture
def shared():
    """The kernel's shared folder, as the grading step makes it: a sized tmpfs in a scratch folder."""
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-runner-"))
    scratch.chmod(0o755)
    runtime = scratch / "fk-test"
    with sandbox.shared_folder(runtime):
        runtime.chmod(0o755)
        yield runtime
    shutil.rmtree(scratch, ignore_errors=True)


def runner(shared, env=None, watch=None, **limits):
    environment = {**os.environ, **course.NOTEBOOK_ENV, "FFNN_SANDBOX_RUNTIME": str(shared),
                   "FFNN_SANDBOX_SLOT": str(SLOT), **(env or {})}
    settings = {"cell_timeout": 20, "notebook_timeout": 120, "restarts": 3, "hang_budget": 120, **limits}
    return KernelRunner(settings["cell_timeout"], settings["notebook_timeout"], settings["restarts"],
                        settings["hang_budget"], runtime_dir=shared, env=environment, watch=watch,
                        kernel_dirs=[sandbox.kernelspec_dir() / "kernels"])


def graded(source, grade_id):
    return new_code_cell(source, metadata={"nbgrader": {"grade": True, "grade_id": grade_id, "points": 1,
                                                        "solution": False, "locked": True}})


def errors(cell):
    return [(o["ename"], o["evalue"]) for o in cell.outputs if o.output_type == "error"]


def score(cell):
    from nbgrader.utils import determine_grade
    return determine_grade(cell)[0]


AFTER = graded("assert x + 1 == 42\nprint('after', x + 1)", "after")


def test_cpu_limit_stops_a_busy_kernel_and_grading_goes_on(shared):
    """A kernel burning CPU dies at the CPU limit, long before the cell's wall-clock timeout; the cell is recorded
    as failed, the kernel is restarted and the cells after it are still run and graded."""
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell("while True:\n    pass"), AFTER])
    executor = runner(shared, {"FFNN_SANDBOX_CPU_SECONDS": "2"}, restarts=1)
    started = time.monotonic()
    executor.run(nb, shared)
    elapsed = time.monotonic() - started
    assert elapsed < 20, f"{elapsed:.0f} s: not the CPU limit but a wall-clock limit stopped the loop"
    assert [e for e, _ in errors(nb.cells[1])] == ["KernelDied"], nb.cells[1].outputs
    assert errors(nb.cells[2]) == [] and "after 42" in nb.cells[2].outputs[0]["text"]
    assert executor.events == ["kernel died in cell 1"]
    assert score(nb.cells[2]) == 1


def test_notebook_cap_stops_a_notebook_of_short_cells(shared):
    """Each cell stays well under the per-cell timeout, together they exceed the per-notebook cap: the notebook
    is stopped near the cap, what ran before keeps its grade, the rest scores 0, and the reason is recorded --
    on the cell that was cut short as well as in the job's notes. Nothing the notebook started is left running."""
    cell_timeout, cap, nap, pairs = 3, 6, 1, 8
    cells = [new_code_cell("import subprocess\nsubprocess.Popen(['sleep', '600'], start_new_session=True)")]
    for i in range(pairs):
        cells += [new_code_cell(f"import time\ntime.sleep({nap})\nx{i} = {i}"), graded(f"assert x{i} == {i}", f"t{i}")]
    nb = new_notebook(cells=cells)
    executor = runner(shared, cell_timeout=cell_timeout, notebook_timeout=cap, restarts=1)
    started = time.monotonic()
    executor.run(nb, shared)
    elapsed = time.monotonic() - started
    assert cap <= elapsed <= cap + 8, elapsed      # stopped at the cap (plus kernel shutdown)
    scores = [score(c) for c in nb.cells if c.metadata.get("nbgrader")]
    ran = scores.index(0) if 0 in scores else len(scores)
    assert 1 <= ran < pairs and scores == [1] * ran + [0] * (pairs - ran), scores
    why = f"the notebook used up its {cap} s"
    not_run = [i for i, c in enumerate(nb.cells) if errors(c) == [("NotRun", f"not run: {why}")]]
    assert not_run and not_run == list(range(not_run[0], len(nb.cells)))
    cut = [(i, e) for i, c in enumerate(nb.cells) for e in errors(c) if e[0] == "CellTimeoutError"]
    for index, (_, message) in cut:          # a cell cut short by the cap must not blame the cell timeout
        assert why in message and f"longer than {cell_timeout} s" not in message, message
        assert f"cell {index} stopped: {why}" in executor.events
    assert any(e.endswith(f"not run: {why}") for e in executor.events), executor.events
    for _ in range(50):
        if not processes_of(sandbox.BASE_UID + SLOT):
            break
        time.sleep(0.1)
    assert not processes_of(sandbox.BASE_UID + SLOT), "the sandbox left processes behind"


def test_a_hung_cell_is_restarted_not_waited_on(shared):
    """A cell past its timeout is treated like a crash: recorded as failed, the kernel restarted, the cells before
    it replayed (x is back), the cells after it graded; it costs its timeout, not the notebook's."""
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell("import time\ntime.sleep(600)"), AFTER])
    executor = runner(shared, cell_timeout=3)
    started = time.monotonic()
    executor.run(nb, shared)
    elapsed = time.monotonic() - started
    assert [e for e, _ in errors(nb.cells[1])] == ["CellTimeoutError"], nb.cells[1].outputs
    assert score(nb.cells[2]) == 1 and "after 42" in nb.cells[2].outputs[0]["text"]
    assert executor.events == ["cell 1 timed out after 3 s"]
    assert elapsed < 3 + 20, elapsed




def test_a_cell_that_breaks_the_kernels_messaging_costs_only_itself(shared):
    """Code that replaces every callable named *check* or *close* in every module leaves a kernel that never
    answers again. It used to hold a worker for the whole notebook cap, one cell timeout after another; now the
    kernel is found unresponsive right after that cell, restarted without it, and every later cell is graded."""
    later = [graded(f"assert x + {i} == {41 + i}", f"later{i}") for i in range(5)]
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell(BREAK_MESSAGING), *later])
    executor = runner(shared, cell_timeout=60)
    started = time.monotonic()
    executor.run(nb, shared)
    elapsed = time.monotonic() - started
    assert [e for e, _ in errors(nb.cells[1])] == ["KernelUnresponsive"], nb.cells[1].outputs
    assert [score(c) for c in nb.cells[2:]] == [1] * 5
    assert executor.events == ["kernel stopped answering after cell 1"]
    assert elapsed < PROBE_SECONDS + 30, elapsed


def test_hung_cells_stop_at_the_hang_budget(shared):
    """Cell after cell that hangs: each costs its timeout, and once they have cost the hang budget the rest of
    the notebook is recorded as not run, with the reason."""
    hang = "import time\ntime.sleep(600)"
    nb = new_notebook(cells=[new_code_cell("x = 41")] + [new_code_cell(hang) for _ in range(6)] + [AFTER])
    executor = runner(shared, cell_timeout=2, hang_budget=5, restarts=10)
    started = time.monotonic()
    executor.run(nb, shared)
    elapsed = time.monotonic() - started
    assert elapsed < 5 + 2 + 20, elapsed
    assert score(nb.cells[-1]) == 0
    why = "cells that hung or broke the kernel used up 5 s"
    assert errors(nb.cells[-1]) == [("NotRun", f"not run: {why}")]
    assert sum(e.startswith("cell") and "timed out" in e for e in executor.events) == 3, executor.events


def test_a_cell_that_hangs_when_replayed_is_left_out(shared):
    """Cell 1 runs fine once and hangs when it runs again; cell 2 crashes the kernel, so cell 1 is replayed: it
    hangs, is left out, the kernel restarts once more, and the notebook still finishes."""
    marker = shared / "ran-once"
    first = (f"import os, time\nif os.path.exists({str(marker)!r}):\n    time.sleep(600)\n"
             f"open({str(marker)!r}, 'w').close()\ny = 1")
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell(first), new_code_cell("import os\nos._exit(1)"),
                             AFTER])
    executor = runner(shared, cell_timeout=3)
    executor.run(nb, shared)
    assert score(nb.cells[3]) == 1
    assert "kernel died in cell 2" in executor.events
    assert "cell 1 hung when it was replayed after a restart; it is left out" in executor.events


def test_without_a_cgroup_the_watchdog_holds_the_sandboxs_memory_cap(shared):
    """Where the machine has no memory cgroup (forced here), the watchdog adds up the resident memory of the
    sandbox's processes and stops the kernel past the cap; grading goes on after a restart."""
    from test_sandbox import TWO_GIBIBYTES

    async def watch(kill, events):
        await sandbox.memory_watchdog(SLOT, kill, events)

    env = {"FFNN_SANDBOX_CGROUP": "off", "FFNN_SANDBOX_TOTAL_MEMORY_MB": "1536", "FFNN_SANDBOX_MEMORY_MB": "1536"}
    nb = new_notebook(cells=[new_code_cell("x = 41"), new_code_cell(TWO_GIBIBYTES), AFTER])
    saved = os.environ.get("FFNN_SANDBOX_TOTAL_MEMORY_MB")
    os.environ["FFNN_SANDBOX_TOTAL_MEMORY_MB"] = "1536"  # the watchdog runs in this process
    try:
        executor = runner(shared, env, watch=watch)
        executor.run(nb, shared)
    finally:
        if saved is None:
            os.environ.pop("FFNN_SANDBOX_TOTAL_MEMORY_MB")
        else:
            os.environ["FFNN_SANDBOX_TOTAL_MEMORY_MB"] = saved
    assert [e for e, _ in errors(nb.cells[1])] == ["KernelDied"], nb.cells[1].outputs
    assert any("held" in e and "together (cap 1536 MB)" in e for e in executor.events), executor.events
    assert score(nb.cells[2]) == 1
