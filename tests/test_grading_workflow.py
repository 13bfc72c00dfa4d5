"""The instructor's workflow on real nbgrader: release, collect, autograde (sandboxed, hostile corpus), feedback,
grades, roster, and a PostgreSQL gradebook."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import zipfile
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

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The corpus of notebook-1 submissions, autograded twice through `grader/autograde.py`."""
    base = tmp_path_factory.mktemp("workflow")
    submitted = base / "submitted"
    db = base / "gradebook.db"
    expected = corpus.build(submitted, gradebook_path=str(db))
    before = tree_digest(submitted)
    env = {"FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(base / "autograded"),
           "FFNN_FEEDBACK": str(base / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{db}",
           "FFNN_GRADES": str(base / "grades")}
    first = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "2", "--cell-timeout", "10",
                 "--notebook-timeout", "240"], env)
    scores_first = gradebook_scores(f"sqlite:///{db}")
    second = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "2", "--cell-timeout", "10",
                  "--notebook-timeout", "240"], env)
    return {"base": base, "env": env, "expected": expected, "before": before, "db": db,
            "first": scores_first, "second": gradebook_scores(f"sqlite:///{db}"), "summary": first.stdout,
            "summary_second": second.stdout}


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


def test_a_second_autograde_gives_identical_scores(graded):
    assert graded["second"] == graded["first"]


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


@pytest.mark.parametrize("student", ["reads-secrets", "reads-other-submissions"])
def test_hidden_tests_and_solutions_never_reach_outputs(graded, student):
    expectation = graded["expected"][student]
    autograded = graded["base"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(autograded, as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "cannot read" in outputs  # the attempts ran, and failed
    for text in expectation.leaks + expectation.output_leaks:
        assert text not in outputs, f"leaked into the autograded outputs: {text!r}"


def test_the_sandbox_kept_the_gradebook(graded):
    nb = nbformat.read(graded["base"] / "autograded" / "attacks-gradebook" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
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
    for student, expectation in graded["expected"].items():
        if expectation.feedback:  # the blank submission's too
            html = (feedback / student / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
            assert expectation.feedback in html.replace("&#x27;", "'").replace("&quot;", '"'), student


# --------------------------------------------------------------------------------------------------- grades

def test_grades_export_and_report(graded, feedback):
    result = run([str(ROOT / "grader" / "instructor.py"), "grades"], graded["env"])
    grades = Path(graded["env"]["FFNN_GRADES"])
    rows = list(csv.DictReader(open(grades / "grades.csv")))
    assert {"raw_score", "late_submission_penalty", "timestamp", "max_score"} <= set(rows[0])  # nbgrader's export
    assert {r["student_id"] for r in rows} == set(graded["expected"])
    for row in rows:
        assert float(row["score"]) == sum(graded["first"][row["student_id"]].values())
    report = (grades / "report.html").read_text()
    assert "data:image/png;base64," in report  # the histogram
    assert "test_backward_propagation" in report and "pass rate" in report
    assert "forgot the 1/m factor" in report  # the most frequent named mistakes
    assert "report.html" in result.stdout


# ------------------------------------------------------------------------------------------------- release

def test_release_builds_bundles_without_solutions_or_hidden_tests(tmp_path):
    env = {"FFNN_RELEASE": str(tmp_path / "release"), "FFNN_DIST": str(tmp_path / "dist"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    result = run([str(ROOT / "grader" / "instructor.py"), "release", "03_activations"], env)
    assert "fails 10 of 10 graded tests" in result.stdout and "bundle" in result.stdout
    bundle = tmp_path / "dist" / "03_activations.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unzipped")
    assert "03_activations/03_activations.ipynb" in names and "03_activations/ffnn/check.py" in names
    assert not [n for n in names if "/reference/" in n], "the reference solutions are in the bundle"
    for name in names:
        if name.endswith((".py", ".ipynb", ".json", ".md")):
            text = (tmp_path / "unzipped" / name).read_text()
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
    # the bundle works on its own: its ffnn, not the repository's, and no reference
    folder = tmp_path / "unzipped" / "03_activations"
    probe = subprocess.run([PYTHON, "-c", "import ffnn, sys; print(ffnn.__file__); import ffnn.check; "
                            "ffnn.check.Checker('activations');\ntry:\n import ffnn.reference\nexcept ImportError:\n"
                            " print('no reference')"], cwd=folder, capture_output=True, text=True)
    assert str(folder) in probe.stdout and "no reference" in probe.stdout, probe.stdout + probe.stderr


# ------------------------------------------------------------------------------------------------- collect

def test_collect_from_an_lms_download(tmp_path):
    download = tmp_path / "downloads.zip"
    notebook = (ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"jdoe42_{ASSIGNMENT}.ipynb", notebook)
        archive.writestr(f"section-b/asmith_late_{ASSIGNMENT}-1.ipynb", notebook)
        archive.writestr("bkim.x_03_activations (2).ipynb", b"{}")
        archive.writestr("notes/readme.txt", b"hello")
        archive.writestr(f"{ASSIGNMENT}.ipynb", notebook)  # no student id
    env = {"FFNN_SUBMITTED": str(tmp_path / "submitted")}
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(download)], env)
    submitted = tmp_path / "submitted"
    assert (submitted / "jdoe42" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == notebook
    assert (submitted / "asmith" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (submitted / "bkim.x" / "03_activations" / "03_activations.ipynb").exists()
    assert (submitted / "jdoe42" / ASSIGNMENT / "timestamp.txt").exists()
    assert "2 file(s) did not match" in result.stdout
    assert "notes/readme.txt" in result.stdout and f"\n  {ASSIGNMENT}.ipynb" in result.stdout
    # collecting a newer download keeps the older file instead of overwriting it
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"jdoe42_{ASSIGNMENT}.ipynb", notebook + b"\n")
    run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(download)], env)
    kept = list((submitted / "jdoe42" / ASSIGNMENT / ".previous").rglob("*.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == notebook


def test_collect_reports_a_broken_archive(tmp_path):
    broken = tmp_path / "downloads.zip"
    broken.write_text("not a zip")
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(broken)],
                 {"FFNN_SUBMITTED": str(tmp_path / "s")}, check=False)
    assert result.returncode == 2 and "is not a zip file" in result.stderr


# -------------------------------------------------------------------------------------------------- roster

def test_roster_import_and_clear_errors(tmp_path):
    env = {"FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    good = tmp_path / "students.csv"
    good.write_text("id,first_name,last_name,email\njdoe42,Jane,Doe,jane@example.org\nasmith,Al,Smith,\n")
    result = run([str(ROOT / "grader" / "instructor.py"), "roster", str(good)], env)
    assert "2 student(s) imported" in result.stdout
    from nbgrader.api import Gradebook
    with Gradebook(env["FFNN_GRADEBOOK_URL"], "ffnn") as gradebook:
        assert gradebook.find_student("jdoe42").last_name == "Doe"
    cases = {"name,email\nx,y\n": "needs a header row with an 'id' column",
             "id,first_name\na,A\na,B\n": "appears on lines 2 and 3",
             "id,first_name\na,A,extra\n": "line 2 of",
             "id,nickname\na,b\n": "unknown column(s) ['nickname']",
             "id\n\"a b\"\n": "may only use letters"}
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        result = run([str(ROOT / "grader" / "instructor.py"), "roster", str(bad)], env, check=False)
        assert result.returncode != 0 and message in result.stderr, (text, result.stderr)


# ---------------------------------------------------------------------------------------------- PostgreSQL

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin(tool):
    found = shutil.which(tool) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))), None)
    assert found, f"PostgreSQL's {tool} is missing: `make test` installs Debian's postgresql package"
    return str(found)


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throw-away PostgreSQL server on 127.0.0.1, run by the 'postgres' user when we are root."""
    # not under pytest's folder: the server's user must be able to reach its data directory
    folder = Path(tempfile.mkdtemp(prefix="ffnn-postgres-"))
    data, port = folder / "data", _free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    subprocess.run([*as_user, _postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}", "start"], check=True,
                   capture_output=True)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "-d", "postgres", "-c",
                        "CREATE DATABASE gradebook"], check=True, capture_output=True)
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_autograde_into_postgresql(tmp_path, postgres):
    submitted = tmp_path / "submitted"
    for student, source in (("ada", corpus.SOURCE), ("bob", corpus.RELEASE)):
        (submitted / student / ASSIGNMENT).mkdir(parents=True)
        shutil.copy(source, submitted / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    env = {"FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_GRADEBOOK_URL": postgres}
    result = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "2"], env)
    assert "gradebook postgresql://" in result.stdout
    scores = {student: sum(cells.values()) for student, cells in gradebook_scores(postgres).items()}
    assert scores == {"ada": sum(corpus.points().values()), "bob": 0.0}
    # straight from the server, not through nbgrader: the rows are there
    rows = subprocess.run(["psql", postgres, "-At", "-c", "SELECT count(*) FROM submitted_assignment"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert rows == "2"


def test_collect_from_the_exchange(tmp_path):
    """Release to an nbgrader exchange, fetch and submit as a student, then `instructor.py collect`."""
    exchange, student_home = tmp_path / "exchange", tmp_path / "jdoe42"
    exchange.mkdir()
    exchange.chmod(0o777)
    student_home.mkdir()
    env = {"FFNN_EXCHANGE": str(exchange), "FFNN_SUBMITTED": str(tmp_path / "submitted"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    run(["-c", f"import sys; sys.path.insert(0, {str(ROOT / 'grader')!r}); import course; api = course.api(); "
               f"assert api.generate_assignment('{ASSIGNMENT}')['success']; "
               f"r = api.release_assignment('{ASSIGNMENT}'); assert r['success'], r"],
        {**env, "FFNN_RELEASE": str(tmp_path / "release")})
    student_env = {**os.environ, "USER": "jdoe42", "LOGNAME": "jdoe42", "HOME": str(student_home)}
    for command in (["fetch_assignment", ASSIGNMENT], ["submit", ASSIGNMENT]):
        result = subprocess.run([PYTHON, "-m", "nbgrader", *command, "--course", "ffnn",
                                 f"--Exchange.root={exchange}"], cwd=student_home, env=student_env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", ASSIGNMENT], env)
    assert f"collect: {ASSIGNMENT}: ok" in result.stdout
    import pwd
    student = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's exchange names the submitter by the account
    collected = tmp_path / "submitted" / student / ASSIGNMENT
    assert (collected / f"{ASSIGNMENT}.ipynb").exists() and (collected / "timestamp.txt").exists()
