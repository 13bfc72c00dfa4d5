"""The canary: before any student is graded, each assignment's source notebook (the instructor's solution) is graded
exactly as a student's would be (same workers, same sandbox, same hidden-test verdicts) into a scratch gradebook.

Anything less than full marks means the grading environment is broken (a package missing in the sandbox, a moved
clone, a half-installed venv), and grading it would turn every student's work into zeros. ``failures`` turns a
canary's graded notebook into messages that name the cell, its error and the likely fix.

The canary grades the solution's graded part (``graded_part``): everything up to the first test cell, then the
answer, test and definition cells. The closing demonstrations (training runs, sweeps, their plots) carry no marks,
and a failing or crashing cell costs only itself (kernel_runner.py), so they cannot change the verdict; they are
most of a notebook's run time (notebook 1: 16 s in full, 6 s without them), which every run would pay.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

#: (what the error says, what to do) for the failures seen in broken grading environments
FIXES = [
    ("No module named 'ffnn'", "the sandboxed kernel cannot import the course package: run `make env` in this clone "
                               "(and grade with this clone's .venv/bin/python, as `make autograde` does)"),
    ("No module named", "a package is missing from the environment the kernel runs in: run `make env` in this clone"),
    ("KernelDied", "the kernel died: check the sandbox's memory limits (FFNN_SANDBOX_MEMORY_MB, "
                   "FFNN_SANDBOX_TOTAL_MEMORY_MB) and `python grader/sandbox.py check`"),
    ("NotRun", "the kernel did not run the notebook: see the job's log, and `python grader/sandbox.py check`"),
    ("CellTimeoutError", "the solution ran out of time: raise --cell-timeout / --notebook-timeout, or check that "
                         "the machine is not overloaded"),
    ("HiddenTestFailure", "the solution fails its own hidden tests: the reference (shared/ffnn/reference) and the "
                          "solution disagree; run `make test`"),
]


def graded_part(nb):
    """The notebook without its provided demonstrations: after the first graded test cell, every provided code cell
    that runs something (training runs, sweeps, experiments and their plots) is left out, while provided definitions
    (imports, functions) stay. No graded cell depends on a demonstration (each test checks its function through the
    checker), and a submission may delete such cells: nbgrader only restores graded ones."""
    first_test = min(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade"))

    def kept(cell):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("solution") or meta.get("grade"):
            return True
        try:
            body = ast.parse("\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%")))
        except SyntaxError:
            return False
        return all(isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) for node in body.body)

    nb.cells = nb.cells[:first_test] + [c for c in nb.cells[first_test:] if kept(c)]
    return nb


def write_sources(assignments, source: Path, folder: Path) -> Path:
    """``folder/<assignment>/``: a copy of each assignment's source folder whose notebooks hold their graded part.
    The canary grades these; the sources themselves are only read."""
    import nbformat
    for assignment in assignments:
        target = folder / assignment
        shutil.copytree(source / assignment, target, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for path in target.glob("*.ipynb"):
            nbformat.write(graded_part(nbformat.read(path, as_version=4)), path)
    return folder


def likely_fix(text: str) -> str:
    for needle, fix in FIXES:
        if needle in text:
            return fix
    return "run `make env` and `make test` in this clone, then grade again"


def failures(autograded: Path) -> list[str]:
    """One line per failing cell of the canary's autograded notebook(s): which cell, its error, the likely fix."""
    import nbformat
    lines = []
    for path in sorted(Path(autograded).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if not errors:
                continue
            name = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {nb.cells.index(cell)}")
            error = errors[0]
            text = f"{error.get('ename')}: {str(error.get('evalue'))[:240]}"
            lines.append(f"{path.stem}, cell {name}: {text}\n      likely fix: {likely_fix(text)}")
    return lines
