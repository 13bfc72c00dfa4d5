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


# ----------------------------------------------------------------------------------------------------------------
# Reusing a canary's verdict (the hub's grading on submit: one canary per batch of a few submissions would double
# the cost of each; `make autograde` runs one per run, which may grade a class for hours)
# ----------------------------------------------------------------------------------------------------------------

def _files(folder: Path, pattern: str = "**/*"):
    return sorted(p for p in folder.glob(pattern) if p.is_file() and "__pycache__" not in p.parts)


def fingerprint(assignments, settings: dict) -> str:
    """One digest of what a canary's verdict depends on: the grader's code, the course package and the sandbox's
    copies of it (the copy the kernel imports, read back), the solutions, the hidden tests' secret, the installed
    packages and the Python, the sandbox's program, and the run's settings. Equal digests: the canary would grade in
    the same environment. (What it cannot see, a machine out of memory say, fails a student's grading on the grader's
    side instead, which is NOT GRADED and retried, never a 0.)"""
    import hashlib
    import json
    import os
    import sys

    import course
    import hidden_cases
    import sandbox
    digest = hashlib.sha256(json.dumps([sorted(assignments), settings, sys.version,
                                        os.path.realpath(sys.executable)], sort_keys=True).encode())
    root = course.ROOT
    files = (_files(root / "grader", "*.py") + _files(root / "grader" / "preprocessors")
             + _files(root / "grader" / "templates") + _files(root / "shared" / "ffnn")
             + [root / "nbgrader_config.py", hidden_cases.SECRET]
             + [f for a in sorted(assignments) for f in _files(course.SOURCE / a)])
    for path in files:
        digest.update(f"\0{path}\0".encode() + (path.read_bytes() if path.is_file() else b"(missing)"))
    for assignment in sorted(assignments):
        copy = sandbox._student_package(assignment)
        for path in _files(copy):
            digest.update(f"\0{path.relative_to(copy)}\0".encode() + path.read_bytes())
    for folder in (p for p in map(Path, sys.path) if p.is_dir() and p.name == "site-packages"):
        digest.update("\0".join(sorted(p.name for p in folder.glob("*.dist-info"))).encode())
    for tool in ("bwrap", "prlimit", "setpriv"):
        found = shutil.which(tool)
        info = os.stat(found) if found else None
        digest.update(f"\0{tool}:{found}:{info and (info.st_size, info.st_mtime_ns)}".encode())
    return digest.hexdigest()


def _passed(record: Path, digest: str) -> dict:
    """{assignment: when its canary passed} that ``record`` keeps for the environment ``digest`` ({} for another)."""
    import json
    try:
        kept = json.loads(Path(record).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict) or kept.get("fingerprint") != digest or not isinstance(kept.get("passed"), dict):
        return {}
    return {a: when for a, when in kept["passed"].items() if isinstance(when, (int, float))}


def reusable(record: Path, digest: str, assignments, max_age: float, now: float) -> dict:
    """{assignment: when (epoch) its canary passed} for those of ``assignments`` whose canary passed less than
    ``max_age`` seconds before ``now`` in an environment of the same ``digest`` (the record ``remember`` keeps)."""
    passed = _passed(record, digest)
    return {a: passed[a] for a in assignments if a in passed and 0 <= now - passed[a] < max_age}


def remember(record: Path, digest: str, assignments, when: float) -> None:
    """Keep that the canary of ``assignments`` passed at ``when`` in the environment ``digest`` (with the others
    still recorded for the same digest)."""
    import json

    from atomic_write import write_text
    passed = {**_passed(record, digest), **{a: when for a in assignments}}
    Path(record).parent.mkdir(parents=True, exist_ok=True)
    write_text(Path(record), json.dumps({"fingerprint": digest, "passed": passed}, indent=1))


def forget(record: Path) -> None:
    """A canary failed: no earlier verdict may be reused."""
    Path(record).unlink(missing_ok=True)
