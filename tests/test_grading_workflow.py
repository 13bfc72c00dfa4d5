"""`make autograde` on the hostile corpus (tests/corpus.py), then `make feedback` and `make grades`, on real nbgrader.
(Release and collect: test_release_and_collect.py; a PostgreSQL gradebook: test_postgres_gradebook.py.)"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import corpus

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ASSIGNMENT = corpus.ASSIGNMENT


def run(arguments, env, timeout=1800, check=True):
    result = subprocess.run([PYTHON, *arguments], cwd="/", env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def tree_digest(folder: Path) -> dict:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gradebook_scores(db_url, assignment=ASSIGNMENT):
    from nbgrader.api import Gradebook
    result = {}
    with Gradebook(db_url, "ffnn") as gradebook:
        for submission in gradebook.find_assignment(assignment).submissions:
            notebook = submission.notebooks[0]
            result[submission.student.id] = {grade.name: grade.score for grade in notebook.grades}
    return result


# ------------------------------------------------------------------------------------------------- autograde

#: Graded again in a second run (a subset: same students, same hidden cases), with injected grader faults: the
#: first worker given "reference" breaks (its job is retried on a fresh worker), "monkeypatch" fails every time.
SECOND_RUN = ["reference", "blank", "monkeypatch", "forged-metadata"]
FAULTS = "reference:once,monkeypatch:always"


def package_digest():
    return {k: v for k, v in tree_digest(ROOT / "shared" / "ffnn").items() if "__pycache__" not in k}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The corpus of notebook-1 submissions, autograded through `grader/autograde.py`; then a subset again, with
    injected grader faults."""
    base = tmp_path_factory.mktemp("workflow")
    submitted = base / "submitted"
    db = base / "gradebook.db"
    expected = corpus.build(submitted, gradebook_path=str(db), light=True)
    before = tree_digest(submitted)
    package_before = package_digest()
    env = {"FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(base / "autograded"),
           "FFNN_FEEDBACK": str(base / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{db}",
           "FFNN_GRADES": str(base / "grades")}
    # four workers on any machine: several submissions mostly wait (a hung cell, a dead kernel's restart)
    first = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "4", "--cell-timeout", "20",
                 "--notebook-timeout", "240"], env)
    scores_first = gradebook_scores(f"sqlite:///{db}")
    subset = base / "submitted-again"
    for student in SECOND_RUN:
        shutil.copytree(submitted / student, subset / student)
    second = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "2", "--cell-timeout", "20",
                  "--notebook-timeout", "240"], {**env, "FFNN_SUBMITTED": str(subset), "FFNN_GRADER_FAULT": FAULTS},
                 check=False)
    package_after = package_digest()
    return {"base": base, "env": env, "expected": expected, "before": before, "db": db,
            "first": scores_first, "second": gradebook_scores(f"sqlite:///{db}"), "summary": first.stdout,
            "second_run": second, "package": (package_before, package_after)}


def test_every_submission_scores_what_it_deserves(graded):
    points = corpus.points()
    wrong = {}
    for student, expectation in graded["expected"].items():
        cells = graded["first"].get(student)
        assert cells is not None, f"{student} has no grades"
        lost = set(points) if expectation.lost == {"all"} else expectation.lost
        want = {cell: 0.0 if cell in lost else points[cell] for cell in points}
        if cells != want:
            wrong[student] = {cell: (cells.get(cell), want[cell]) for cell in points if cells.get(cell) != want[cell]}
    assert not wrong, json.dumps(wrong, indent=1)


def test_the_summary_says_why(graded):
    lines = {line.split()[0]: line for line in graded["summary"].splitlines() if ASSIGNMENT in line}
    for student, expectation in graded["expected"].items():
        if expectation.note:
            assert expectation.note in lines[student], lines[student]
    assert "[" in graded["summary"] and f"/{len(graded['expected'])}" in graded["summary"]  # the progress bar
    points = sum(corpus.points().values())
    assert f"canary passed ({ASSIGNMENT} {points:g}/{points:g})" in graded["summary"]  # before any student


def test_a_second_autograde_gives_identical_scores(graded):
    assert graded["second"] == graded["first"]


def test_a_failing_worker_is_replaced_and_its_job_retried(graded):
    """The worker that broke on "reference" got no other job; the job was graded on a fresh worker, and every other
    submission of the run was graded too."""
    run_output = graded["second_run"].stdout
    lines = {line.split()[0]: line for line in run_output.splitlines() if ASSIGNMENT in line and "/" in line}
    assert "retried on a fresh worker" in run_output and "reference 01_two_layer_network" in run_output
    for student in SECOND_RUN:
        if student != "monkeypatch":
            assert "NOT GRADED" not in lines[student], lines[student]
    assert graded["second"]["reference"] == graded["first"]["reference"]


def test_a_job_that_keeps_failing_is_not_graded_and_its_log_is_kept(graded):
    """Failing on every attempt: NOT GRADED (exit status 1), the grade from the first run is still there, and the
    logs of both attempts are kept with the report after the run's scratch folder is gone."""
    result = graded["second_run"]
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("monkeypatch "))
    assert "NOT GRADED: grading failed twice" in line, line
    logs = sorted(Path(p) for p in re.findall(r"see (\S+\.log)", line))
    assert logs and logs[0].is_file() and "injected fault" in logs[0].read_text(), logs
    assert not re.search(r"ffnn-autograde-\w+", str(logs[0])), "the log must outlive the scratch folder"
    assert graded["second"]["monkeypatch"] == graded["first"]["monkeypatch"]


def test_submissions_cannot_change_the_course_package_or_the_graders_home(graded):
    before, after = graded["package"]
    assert before == after, "a submission changed the course package"
    for home in {Path.home(), Path("/root")}:
        assert not (home / corpus.STARTUP_FILE).exists(), f"a submission wrote an IPython startup file in {home}"


def test_no_submitted_file_was_lost_or_changed(graded):
    assert tree_digest(graded["base"] / "submitted") == graded["before"]


def test_gradebook_is_consistent(graded):
    from nbgrader.api import Gradebook
    points = corpus.points()
    with Gradebook(f"sqlite:///{graded['db']}", "ffnn") as gradebook:
        assignment = gradebook.find_assignment(ASSIGNMENT)
        students = {s.student.id for s in assignment.submissions}
        assert students == set(graded["expected"])
        assert len(gradebook.students) == len(students)
        for submission in assignment.submissions:
            grades = submission.notebooks[0].grades
            assert sorted(g.name for g in grades) == sorted(points)
            assert submission.max_score == sum(points.values())
            assert submission.score == sum(g.score for g in grades)


@pytest.mark.parametrize("student", ["reads-secrets"])
def test_hidden_tests_and_solutions_never_reach_outputs(graded, student):
    expectation = graded["expected"][student]
    autograded = graded["base"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "cannot read" in outputs  # the attempts ran, and failed
    for text in expectation.leaks + expectation.output_leaks:
        assert text not in outputs, f"leaked into the autograded outputs: {text!r}"


def test_the_sandbox_kept_the_gradebook(graded):
    nb = nbformat.read(graded["base"] / "autograded" / "attacks-files" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
                       as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "gradebook untouched" in outputs and "changed the gradebook" not in outputs


# ------------------------------------------------------------------------------------------------- feedback

@pytest.fixture(scope="module")
def feedback(graded):
    run([str(ROOT / "grader" / "instructor.py"), "feedback"], graded["env"])
    return graded["base"] / "feedback"


def test_feedback_shows_checker_messages_but_no_hidden_tests(graded, feedback):
    hidden = graded["expected"]["reads-secrets"].leaks
    pages = sorted(feedback.glob(f"*/{ASSIGNMENT}/*.html"))
    assert len(pages) >= len(graded["expected"]) - 2  # corrupted and missing have no notebook to show
    for page in pages:
        html = page.read_text()
        submitted = graded["base"] / "submitted" / page.parent.parent.name / ASSIGNMENT / page.with_suffix(".ipynb").name
        own_code = submitted.read_text() if submitted.exists() else ""
        assert "BEGIN HIDDEN TESTS" not in html, page
        assert "hidden_tests" not in html or "hidden_tests" in own_code, page  # unless the student wrote it
        for text in hidden:
            assert text not in html, (page, text)
        assert "Traceback (most recent call last)" not in html
        # readable offline: formulas as MathML, no MathJax from a CDN; every score row names its function
        assert "<math" in html and "cdnjs" not in html and "mathjax.js" not in html.lower(), page
        assert ">Test cell</a>" not in html and "><code>compute_cost</code></a> (Score:" in html, page
    # where a hidden test failed after the visible one passed, a line says why both are true
    note = "The visible test above checks the examples shown in the notebook, and they passed."
    assert note in (feedback / "hardcodes-visible" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert note not in (feedback / "blank" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    for student, expectation in graded["expected"].items():
        phrases = [expectation.feedback] if isinstance(expectation.feedback, str) else expectation.feedback
        html = ""
        if any(phrases):  # the blank submission's too
            html = (feedback / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
            html = html.replace("&#x27;", "'").replace("&quot;", '"')
        for phrase in filter(None, phrases):
            assert phrase in html, (student, phrase)


# --------------------------------------------------------------------------------------------------- grades

def test_grades_export_and_report(graded, feedback):
    result = run([str(ROOT / "grader" / "instructor.py"), "grades"], graded["env"])
    grades = Path(graded["env"]["FFNN_GRADES"])
    rows = list(csv.DictReader(open(grades / "grades.csv")))
    assert {"raw_score", "late_submission_penalty", "timestamp", "max_score"} <= set(rows[0])  # nbgrader's export
    assert {r["student_id"] for r in rows} == set(graded["expected"])
    for row in rows:
        assert float(row["score"]) == sum(graded["first"][row["student_id"]].values())
        assert row["status"] == "submitted"
    report = (grades / "report.html").read_text()
    assert "data:image/png;base64," in report  # the histogram
    assert "test_backward_propagation" in report and "pass rate" in report
    assert "forgot the 1/m factor" in report  # the most frequent named mistakes
    assert "report.html" in result.stdout
