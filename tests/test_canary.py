"""A broken grading environment is refused, never turned into zeros: the run's checks before grading (this clone's
ffnn, the canary) and NOT GRADED for a notebook whose provided code failed before any student code ran. (That the
canary passes on a healthy clone is checked by every autograde of tests/test_grading_workflow.py.)"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import canary  # noqa: E402
import course  # noqa: E402
import record_grades  # noqa: E402
import sandbox  # noqa: E402
from grade_submission import Job  # noqa: E402
from preprocessors import environment_failure  # noqa: E402

ASSIGNMENT = course.ASSIGNMENTS[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """A course folder with one submission (the solution) and a gradebook that already holds an earlier grade.
    No test here may change either (that is what they check)."""
    from nbgrader.api import Gradebook
    tmp_path = tmp_path_factory.mktemp("canary")
    submitted = tmp_path / "submitted" / "ada" / ASSIGNMENT
    submitted.mkdir(parents=True)
    shutil.copy(course.source_notebook(ASSIGNMENT), submitted / f"{ASSIGNMENT}.ipynb")
    db = tmp_path / "gradebook.db"
    api = course.api(**{"CourseDirectory.release_directory": str(tmp_path / "release"),
                        "CourseDirectory.db_url": f"sqlite:///{db}"})
    assert api.generate_assignment(ASSIGNMENT)["success"]
    with Gradebook(f"sqlite:///{db}") as gradebook:
        gradebook.add_student("earlier")
        gradebook.add_submission(ASSIGNMENT, "earlier")
    env = {**os.environ, "FFNN_SUBMITTED": str(tmp_path / "submitted"), "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{db}"}
    return tmp_path, db, env


def test_autograde_refuses_a_python_whose_ffnn_is_another_clones(graded_course, tmp_path_factory):
    """This clone's autograde.py run with a Python whose ffnn lives in another clone (the case that gave a class
    zeros): it stops before grading, says which package it found and what to do, and the gradebook is as it was."""
    folder, db, env = graded_course
    other = tmp_path_factory.mktemp("other-clone")
    for part in ("grader", "solutions", "shared"):
        shutil.copytree(ROOT / part, other / part, ignore=shutil.ignore_patterns("__pycache__", "*.db", "reports"))
    before = digest(db)
    result = subprocess.run([sys.executable, str(other / "grader" / "autograde.py"), "--jobs", "1"], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    message = result.stderr
    assert f"imports ffnn from {ROOT / 'shared' / 'ffnn'}" in message and str(other / "shared" / "ffnn") in message
    assert "make env" in message and "make autograde" in message, message
    assert digest(db) == before
    assert not (folder / "autograded").exists()


def test_the_canary_stops_the_run_in_a_broken_sandbox(graded_course):
    """The sandbox's copy of the course package is half-installed (its __init__ fails): the canary, the solution
    graded like a submission, does not get full marks, so no student is graded; the message names the cell, its
    error and the fix, and the gradebook is as it was. (The broken copy lives in a temporary folder of this run's
    own, TMPDIR, so no other grading on the machine sees it.)"""
    import tempfile
    folder, db, env = graded_course
    private = Path(tempfile.mkdtemp(prefix="ffnn-t-", dir="/tmp"))  # short: the kernel's sockets live below it
    private.chmod(0o755)  # the jail's user must traverse it to the mounted package
    saved, tempfile.tempdir = tempfile.tempdir, str(private)
    try:
        copy = sandbox._student_package(ASSIGNMENT)  # where the sandbox will look for it under TMPDIR=private
    finally:
        tempfile.tempdir = saved
    assert private in copy.parents
    (copy / "__init__.py").chmod(0o644)
    (copy / "__init__.py").write_text('raise ImportError("simulated: a half-installed course package")\n')
    before = digest(db)
    try:
        result = subprocess.run([sys.executable, str(ROOT / "grader" / "autograde.py"), "--jobs", "1"],
                                env={**env, "TMPDIR": str(private)}, capture_output=True, text=True, timeout=600)
    finally:
        sandbox.unmount_below(private)
        shutil.rmtree(private, ignore_errors=True)
    assert result.returncode == 3, result.stdout[-3000:] + result.stderr[-3000:]
    message = result.stderr
    assert "the canary failed" in message and "no student was graded" in message, message
    assert "cell code_setup" in message and "ImportError: simulated: a half-installed course package" in message
    assert "make env" in message, message
    assert digest(db) == before, "the gradebook changed"
    assert not (folder / "autograded" / "ada").exists()


def test_the_canary_grades_every_graded_cell_of_each_solution_but_no_closing_demonstration(tmp_path):
    """What the canary grades: each solution with all its answer and test cells, in order, and everything before the
    first test; left out are only provided code cells after it that run something (a demonstration). The sources
    themselves are read, never written."""
    before = {a: digest(course.source_notebook(a)) for a in course.ASSIGNMENTS}
    written = canary.write_sources(course.ASSIGNMENTS, course.SOURCE, tmp_path / "canary-sources")

    def graded(nb):
        return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade") or c.metadata.get("nbgrader", {}).get("solution")]

    for assignment in course.ASSIGNMENTS:
        source = nbformat.read(course.source_notebook(assignment), as_version=4)
        part = nbformat.read(written / assignment / f"{assignment}.ipynb", as_version=4)
        assert graded(part) == graded(source) and len(graded(source)) >= 10, assignment
        kept = {c.metadata["nbgrader"]["grade_id"] for c in part.cells}
        first_test = min(i for i, c in enumerate(source.cells) if c.metadata["nbgrader"].get("grade"))
        left_out = [(i, c) for i, c in enumerate(source.cells) if c.metadata["nbgrader"]["grade_id"] not in kept]
        assert left_out, f"{assignment}: no demonstration left out"
        assert all(i > first_test and c.cell_type == "code" and not c.metadata["nbgrader"].get("solution")
                   for i, c in left_out), [c.metadata["nbgrader"]["grade_id"] for _, c in left_out]
    assert before == {a: digest(course.source_notebook(a)) for a in course.ASSIGNMENTS}


# NOT GRADED ----------------------------------------------------------------------------------------------------

def _provided(source):
    return new_code_cell(source, metadata={"nbgrader": {"grade": False, "solution": False, "locked": True,
                                                        "grade_id": "code_setup"}})


def _answer(source):
    return new_code_cell(source, metadata={"nbgrader": {"grade": False, "solution": True, "locked": False,
                                                        "grade_id": "answer_f"}})


def _failed(cell, ename="ModuleNotFoundError", evalue="No module named 'ffnn'"):
    cell.outputs = [new_output("error", ename=ename, evalue=evalue, traceback=[])]
    return cell


def test_a_provided_cell_failing_before_student_code_is_the_environments_fault():
    nb = new_notebook(cells=[_failed(_provided("import ffnn")), _answer("def f(): pass")])
    assert "provided cell code_setup failed before any student code ran: ModuleNotFoundError" in \
        environment_failure(nb)


def test_a_provided_cell_failing_after_student_code_is_graded():
    nb = new_notebook(cells=[_provided("import numpy"), _answer("import sys; sys.modules['ffnn'] = None"),
                             _failed(_provided("import ffnn"))])
    assert environment_failure(nb) is None


def test_a_kernel_that_never_started_is_the_environments_fault():
    nb = new_notebook(cells=[_failed(_provided("import ffnn"), "NotRun", "not run: execution stopped (RuntimeError)"),
                             _answer("def f(): pass")])
    assert "NotRun" in environment_failure(nb)


def test_not_graded_leaves_the_gradebook_and_says_why(graded_course):
    """A submission whose setup cell failed (as if the environment broke after the canary): finish() records
    nothing for it and the report entry says NOT GRADED, with the cell, the error and the fix."""
    from nbgrader.api import Gradebook, MissingEntry
    folder, db, env = graded_course
    work = folder / "job"
    executed = work / "executed" / "ada" / ASSIGNMENT
    executed.mkdir(parents=True)
    nb = nbformat.read(course.release_notebook(ASSIGNMENT), as_version=4)
    setup = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "code_setup")
    _failed(setup)
    nbformat.write(nb, executed / f"{ASSIGNMENT}.ipynb")
    (work / "verdicts.json").write_text(json.dumps({ASSIGNMENT: {}}))
    job = Job(ASSIGNMENT, "ada", str(folder / "submitted" / "ada" / ASSIGNMENT), str(work),
              notebooks=[ASSIGNMENT])
    before = digest(db)
    entry = record_grades.finish({"db_url": f"sqlite:///{db}", "autograded": str(folder / "autograded")}, job, 1.0)
    assert entry["graded"] is False and entry["score"] is None
    note = " ".join(entry["notes"])
    assert "NOT GRADED: provided cell code_setup failed before any student code ran: ModuleNotFoundError" in note
    assert "make env" in note
    assert digest(db) == before
    with Gradebook(f"sqlite:///{db}") as gradebook, pytest.raises(MissingEntry):
        gradebook.find_submission(ASSIGNMENT, "ada")


# Reusing a canary's verdict (autograde.py --reuse-canary: the hub's grading on submit) -----------------------------

def test_a_canary_verdict_is_reused_only_while_fresh_and_in_the_same_environment(tmp_path):
    record = tmp_path / "canary.json"
    assert canary.reusable(record, "env-1", [ASSIGNMENT], 600, 1000.0) == {}, "no record: the canary runs"
    canary.remember(record, "env-1", [ASSIGNMENT], 1000.0)
    assert canary.reusable(record, "env-1", [ASSIGNMENT, "05_capstone"], 600, 1599.0) == {ASSIGNMENT: 1000.0}
    assert canary.reusable(record, "env-1", [ASSIGNMENT], 600, 1600.0) == {}, "too old"
    assert canary.reusable(record, "env-1", [ASSIGNMENT], 600, 999.0) == {}, "from the future (a clock set back)"
    assert canary.reusable(record, "env-2", [ASSIGNMENT], 600, 1001.0) == {}, "another environment"
    canary.remember(record, "env-1", ["05_capstone"], 1100.0)
    assert canary.reusable(record, "env-1", [ASSIGNMENT, "05_capstone"], 600, 1200.0) == \
        {ASSIGNMENT: 1000.0, "05_capstone": 1100.0}
    canary.remember(record, "env-2", ["05_capstone"], 1300.0)
    assert canary.reusable(record, "env-2", [ASSIGNMENT, "05_capstone"], 600, 1301.0) == {"05_capstone": 1300.0}, \
        "a verdict of another environment is dropped"
    canary.forget(record)
    assert canary.reusable(record, "env-2", ["05_capstone"], 600, 1301.0) == {}, "a failed canary forgets them all"
    record.write_text("{not json")
    assert canary.reusable(record, "env-2", ["05_capstone"], 600, 1301.0) == {}


def test_the_fingerprint_changes_with_the_course_the_sandbox_copy_and_the_settings(tmp_path, monkeypatch):
    """The fingerprint of a copy of the course: the same twice; another one once a file of the course package, a
    solution, the sandbox's copy of the package (as the broken-sandbox test breaks it) or a setting changes."""
    import tempfile
    settings = {"no_sandbox": False, "cell_timeout": 60}
    copy = tmp_path / "clone"
    for part in ("grader", "shared/ffnn", f"solutions/{ASSIGNMENT}"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "reports", "*.db"))
    shutil.copy(ROOT / "nbgrader_config.py", copy / "nbgrader_config.py")
    monkeypatch.setattr(course, "ROOT", copy)
    monkeypatch.setattr(course, "SOURCE", copy / "solutions")
    private = Path(tempfile.mkdtemp(prefix="ffnn-t-", dir="/tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    try:
        first = canary.fingerprint([ASSIGNMENT], settings)
        assert canary.fingerprint([ASSIGNMENT], settings) == first
        assert canary.fingerprint([ASSIGNMENT], {**settings, "cell_timeout": 61}) != first
        check = copy / "shared" / "ffnn" / "check.py"
        check.write_text(check.read_text() + "\n# changed\n")
        second = canary.fingerprint([ASSIGNMENT], settings)
        assert second != first
        solution = copy / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        solution.write_bytes(solution.read_bytes().replace(b"np.log(2)", b"np.log(3)", 1))
        third = canary.fingerprint([ASSIGNMENT], settings)
        assert third != second
        package = sandbox._student_package(ASSIGNMENT)
        assert private in package.parents
        (package / "__init__.py").chmod(0o644)
        (package / "__init__.py").write_text('raise ImportError("simulated: a half-installed course package")\n')
        assert canary.fingerprint([ASSIGNMENT], settings) != third
    finally:
        shutil.rmtree(private, ignore_errors=True)
