"""Hidden tests at grading time: which cells have them, the cases drawn for one submission, and the verdicts.

For a (student, assignment) the cases are drawn from the course secret (``grader/.grading-secret``), so a re-run
gives the same cases and scores while nobody can guess them. ``draw`` writes the *inputs* where the sandboxed
kernel can read them and keeps the *answers* (expected outputs) outside; after the notebook ran, ``verdicts``
judges what the kernel recorded against the answers (``ffnn.reference.verdict``), here in the grader's
process, where student code cannot reach.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
from pathlib import Path

import course

SECRET = course.ROOT / "grader" / ".grading-secret"
HIDDEN_CALL = re.compile(r"hidden_tests\(\s*[\"'](\w+)[\"']\s*,\s*(\w+)")
HIDDEN_PREDICTION = re.compile(r"hidden_prediction\(\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
RECORD_LIMIT = 16 * 1024 * 1024  # bytes of one kernel record the grader reads at most


def source_notebooks(assignment) -> list[Path]:
    return sorted((course.SOURCE / assignment).glob("*.ipynb"))


def hidden_functions(assignment, notebook=None) -> dict:
    """{grade_id: (suite, function)} of every test cell with hidden tests in the assignment's source notebooks
    (or in the one named ``notebook``); a prediction's "function" is ``prediction.<name>``."""
    import nbformat
    from ffnn.predictions import PREFIX
    found = {}
    for path in source_notebooks(assignment):
        if notebook is not None and path.stem != notebook:
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if not meta.get("grade"):
                continue
            match = HIDDEN_CALL.search(cell.source)
            prediction = HIDDEN_PREDICTION.search(cell.source)
            if match:
                found[meta["grade_id"]] = (match.group(1), match.group(2))
            elif prediction:  # a predict-then-run question: judged from the recorded value, no cases
                found[meta["grade_id"]] = (prediction.group(1), PREFIX + prediction.group(2))
    return found


def hidden_source_lines(assignment) -> list[str]:
    """The lines of the hidden-test blocks. They hold nothing secret (the cases are drawn at grading time), but
    student code that echoes cell sources (an IPython pre_run_cell hook) must not show them in feedback either."""
    import nbformat
    lines = ["### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"]
    for path in source_notebooks(assignment):
        for cell in nbformat.read(path, as_version=4).cells:
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) >= 12]
    return lines


def ensure_secret() -> None:
    """The course secret behind the hidden cases' seeds: made once, atomically, readable by its owner only."""
    try:
        descriptor = os.open(SECRET, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secrets.token_hex(32))


def job_seed(assignment, student) -> int:
    """Same (student, assignment), same hidden cases: re-grading is reproducible, yet unguessable."""
    ensure_secret()
    digest = hashlib.sha256(f"{SECRET.read_text().strip()}:{assignment}:{student}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def draw(assignment, student, folder: Path, notebook=None) -> dict:
    """Draw this submission's hidden cases: the inputs go to ``folder/cases.json`` (world-readable: the sandboxed
    kernel reads them) and ``folder/outputs/`` is made for the kernel's records; returns the answers, which stay
    in this process."""
    from ffnn.predictions import PREFIX
    from ffnn.reference.cases import build, split
    by_suite = {}
    for suite, name in hidden_functions(assignment, notebook).values():
        if not name.startswith(PREFIX):
            by_suite.setdefault(suite, []).append(name)
    seed = job_seed(assignment, student)
    inputs, answers = {}, {}
    for suite, names in by_suite.items():
        inputs[suite], answers[suite] = split(build(suite, names, seed=seed + sum(map(ord, suite))))
    (folder / "outputs").mkdir(parents=True, exist_ok=True)
    (folder / "cases.json").write_text(json.dumps(inputs))
    (folder / "cases.json").chmod(0o644)
    folder.chmod(0o755)
    return answers


def read_record(path: Path):
    """A hidden-test record written by the kernel: a regular file (no symlink, no FIFO) of bounded size, or None."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > RECORD_LIMIT:
            return None
        data = handle.read(RECORD_LIMIT + 1)
    try:
        record = json.loads(data)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def student_sources(nb) -> list[str]:
    """The code the student wrote (answer cells and cells they added), as it ran: read outside the kernel for the
    static part of the vectorization check."""
    return [cell.source for cell in nb.cells if cell.cell_type == "code" and
            (cell.metadata.get("nbgrader", {}).get("solution") or not cell.metadata.get("nbgrader"))]


def verdicts(assignment, notebook, answers_by_suite, outputs_dir: Path, sources) -> dict:
    """{grade_id: [passed, feedback]} for every test cell of ``notebook`` with hidden tests, judged here from the
    kernel's records."""
    from ffnn.record import output_path
    from ffnn.predictions import PREFIX
    from ffnn.reference.verdict import verdict
    from ffnn.reference.predictions import verdict as prediction_verdict
    found = {}
    graded = hidden_functions(assignment, notebook)
    names = {name for _, name in graded.values()}
    for grade_id, (suite, name) in graded.items():
        record = read_record(output_path(outputs_dir, suite, name))
        try:
            if name.startswith(PREFIX):
                passed, feedback = prediction_verdict(suite, name[len(PREFIX):], record)
            else:
                passed, feedback = verdict(answers_by_suite[suite], name, record, sources, names - {name})
        except Exception as error:  # noqa: BLE001 - a malformed record fails its own cell, nothing else
            passed, feedback = False, f"{name}: the hidden tests' record could not be read ({type(error).__name__})."
        found[grade_id] = [bool(passed), feedback]
    return found
