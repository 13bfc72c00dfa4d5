"""grader/instructor.py's `grades` and `roster` on a small gradebook built here with nbgrader's API:
the CSV is nbgrader's own export (same header, same file as `nbgrader export`), and the roster goes through
nbgrader's student import after a check that refuses each malformed file and leaves the gradebook unchanged."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import grades as grades_step  # noqa: E402
import instructor  # noqa: E402

# What nbgrader 0.9.6's CsvExportPlugin writes (read from the installed plugin, not copied from grader/grades.py).
NBGRADER_HEADER = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                   "raw_score", "late_submission_penalty", "score", "max_score"]

DUE = datetime(2024, 3, 1, 17, 0, 0)
# (student, first, last, email) and, per submitting student, (test_a score, test_b score, late penalty, timestamp)
STUDENTS = [("ann", "Ann", "Lee", "ann@example.org"), ("bob", "Bob", None, None), ("cyd", None, None, None)]
SCORES = {"ann": (2.0, 1.5, 0.0, datetime(2024, 2, 28, 9, 30, 0)),
          "bob": (0.0, 3.0, 1.0, datetime(2024, 3, 2, 8, 0, 0))}  # cyd submits nothing
MAX = {"test_a": 2.0, "test_b": 3.0}


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """A new SQLite gradebook, created once (nbgrader's migrations take seconds) and copied per test."""
    from nbgrader.api import Gradebook
    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    Gradebook(f"sqlite:///{path}", "ffnn").close()
    return path


@pytest.fixture
def course_env(tmp_path, empty_gradebook, monkeypatch):
    """grader/nbgrader_config.py pointed at a gradebook, autograded/ and grades/ folders in tmp_path."""
    db = tmp_path / "gradebook.db"
    shutil.copyfile(empty_gradebook, db)
    env = {"FFNN_GRADEBOOK_URL": f"sqlite:///{db}", "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_SUBMITTED": str(tmp_path / "submitted"), "FFNN_FEEDBACK": str(tmp_path / "feedback"),
           "FFNN_GRADES": str(tmp_path / "grades")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(grades_step, "GRADES", tmp_path / "grades")
    return {"db_url": env["FFNN_GRADEBOOK_URL"], "env": env, "grades": tmp_path / "grades", "tmp": tmp_path}


def fill_gradebook(db_url):
    """Assignment hw1 (two graded cells, a due date), hw2 (no submissions), three students, two submissions."""
    from nbgrader.api import Gradebook
    with Gradebook(db_url, "ffnn") as gradebook:
        gradebook.add_assignment("hw1", duedate=DUE)
        gradebook.add_notebook("hw1", "hw1")
        for cell, points in MAX.items():
            gradebook.add_grade_cell(cell, "hw1", "hw1", max_score=points, cell_type="code")
        gradebook.add_assignment("hw2")
        gradebook.add_notebook("hw2", "hw2")
        gradebook.add_grade_cell("test_c", "hw2", "hw2", max_score=4.0, cell_type="code")
        for student, first, last, email in STUDENTS:
            gradebook.add_student(student, first_name=first, last_name=last, email=email)
        for student, (a, b, penalty, stamp) in SCORES.items():
            gradebook.add_submission("hw1", student, timestamp=stamp)
            gradebook.find_grade("test_a", "hw1", "hw1", student).auto_score = a
            gradebook.find_grade("test_b", "hw1", "hw1", student).auto_score = b
            gradebook.find_submission_notebook("hw1", "hw1", student).late_submission_penalty = penalty
        gradebook.db.commit()


def autograded_notebook(folder: Path, student, mistakes):
    """An autograded notebook whose graded test cells failed with the checker's 'Likely mistake:' lines."""
    nb = nbformat.v4.new_notebook()
    for index, mistake in enumerate(mistakes):
        cell = nbformat.v4.new_code_cell("check()", metadata={"nbgrader": {"grade": True, "grade_id": f"t{index}"}})
        cell.outputs = [nbformat.v4.new_output("error", ename="AssertionError", traceback=[],
                                               evalue=f"values differ\nLikely mistake: {mistake}")]
        nb.cells.append(cell)
    # an ungraded cell's error is not a graded mistake
    other = nbformat.v4.new_code_cell("x")
    other.outputs = [nbformat.v4.new_output("error", ename="E", evalue="Likely mistake: not graded", traceback=[])]
    nb.cells.append(other)
    target = folder / student / "hw1" / "hw1.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)


def students(db_url) -> dict:
    from nbgrader.api import Gradebook
    with Gradebook(db_url, "ffnn") as gradebook:
        return {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gradebook.students}


# --------------------------------------------------------------------------------------------------- grades

def test_grades_csv_has_the_right_scores_and_keeps_not_submitted_apart_from_0(course_env, capsys):
    fill_gradebook(course_env["db_url"])
    autograded_notebook(Path(course_env["env"]["FFNN_AUTOGRADED"]), "bob",
                        ["forgot the 1/m factor", "forgot the 1/m factor", "used <b>tanh</b>"])
    autograded_notebook(Path(course_env["env"]["FFNN_AUTOGRADED"]), "ann", ["forgot the 1/m factor"])
    assert instructor.main(["grades"]) == 0
    csv_path = course_env["grades"] / "grades.csv"
    with open(csv_path, newline="") as handle:
        header = next(csv.reader(handle))
    assert header == NBGRADER_HEADER + ["status"]
    rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(open(csv_path, newline=""))}
    # one row per student and assignment; a missing submission has no score and says so
    assert set(rows) == {(a, s) for a in ("hw1", "hw2") for s, *_ in STUDENTS}
    for student, first, last, email in STUDENTS:
        row = rows["hw1", student]
        assert (row["first_name"], row["last_name"], row["email"]) == (first or "", last or "", email or "")
        assert row["duedate"] == str(DUE) and float(row["max_score"]) == sum(MAX.values())
        if student in SCORES:
            a, b, penalty, stamp = SCORES[student]
            assert row["timestamp"] == str(stamp)
            assert float(row["raw_score"]) == a + b
            assert float(row["late_submission_penalty"]) == penalty
            assert float(row["score"]) == max(0.0, a + b - penalty)
            assert row["status"] == "submitted"
        else:
            assert row["timestamp"] == "" and row["raw_score"] == "" and row["score"] == ""
            assert row["status"] == "not submitted"
        assert rows["hw2", student]["score"] == "" and float(rows["hw2", student]["max_score"]) == 4.0
        assert rows["hw2", student]["status"] == "not submitted"
    # nbgrader's own export stays next to it, unchanged: 0 where nothing was submitted
    theirs = {(r["assignment"], r["student_id"]): r
              for r in csv.DictReader(open(csv_path.with_name("grades-nbgrader.csv"), newline=""))}
    assert set(theirs) == set(rows)
    assert all(float(theirs[k]["score"]) == 0.0 for k, r in rows.items() if r["status"] == "not submitted")
    # the at-a-glance report still works
    report = (course_env["grades"] / "report.html").read_text()
    assert "data:image/png;base64," in report
    assert "<tr><td>test_a</td><td>50%</td><td>1</td><td>2</td></tr>" in report  # ann 2/2 passes, bob 0/2
    assert "<tr><td>test_b</td><td>50%</td><td>1</td><td>2</td></tr>" in report  # ann 1.5/3, bob 3/3 passes
    mistakes = report.split("Most frequent named mistakes")[1]
    assert "forgot the 1/m factor</td><td>3</td>" in mistakes
    assert "used &lt;b&gt;tanh&lt;/b&gt;</td><td>1</td>" in mistakes and "not graded" not in mistakes
    out = capsys.readouterr().out
    assert str(csv_path) in out and "report.html" in out and "1 not submitted" in out
    assert not csv_path.with_name("grades.csv.partial").exists()


def test_grades_csv_is_the_same_file_nbgrader_export_writes(course_env, tmp_path):
    """`make grades` (instructor.py in a fresh process, as the Makefile runs it) against `nbgrader export`."""
    fill_gradebook(course_env["db_url"])
    env = {**os.environ, **course_env["env"]}
    ours = subprocess.run([sys.executable, str(ROOT / "grader" / "instructor.py"), "grades"], cwd="/", env=env,
                          capture_output=True, text=True, timeout=600)
    assert ours.returncode == 0, ours.stdout + ours.stderr
    theirs_dir = tmp_path / "nbgrader_cli"
    theirs_dir.mkdir()
    theirs = subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--db={course_env['db_url']}",
                             "--course=ffnn", f"--to={theirs_dir / 'grades.csv'}"], cwd=theirs_dir, env=env,
                            capture_output=True, text=True, timeout=600)
    assert theirs.returncode == 0, theirs.stdout + theirs.stderr
    assert (course_env["grades"] / "grades-nbgrader.csv").read_text() == (theirs_dir / "grades.csv").read_text()


def _with_lms_ids(db_url, ids):
    from nbgrader.api import Gradebook
    with Gradebook(db_url, "ffnn") as gradebook:
        for student, lms_id in ids.items():
            gradebook.update_or_create_student(student, lms_user_id=lms_id)


def test_grades_for_canvas_and_moodle_round_trip_every_row(course_env, capsys):
    """The LMS files: their documented headers, one row per student, each score back as the gradebook holds it
    (nbgrader's total less the late penalty), and 'not submitted' blank in Canvas and '-' in Moodle, never 0."""
    fill_gradebook(course_env["db_url"])
    lms = {"ann": "1001", "bob": "1002", "cyd": "1003"}
    _with_lms_ids(course_env["db_url"], lms)
    assert instructor.main(["grades"]) == 0
    expected = {(s, "hw1"): max(0.0, a + b - penalty) for s, (a, b, penalty, _) in SCORES.items()}
    students = [s for s, *_ in STUDENTS]

    canvas = list(csv.reader(open(course_env["grades"] / "grades-canvas.csv", newline="", encoding="utf-8")))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw1", "hw2"]
    assert canvas[1][0] == "Points Possible" and [float(v) for v in canvas[1][5:]] == [sum(MAX.values()), 4.0]
    rows = {row[3]: row for row in canvas[2:]}
    assert sorted(rows) == sorted(students) and len(canvas) == 2 + len(students)
    assert rows["ann"][0] == "Lee, Ann" and rows["cyd"][0] == "cyd"
    moodle = list(csv.DictReader(open(course_env["grades"] / "grades-moodle.csv", newline="", encoding="utf-8")))
    assert list(moodle[0]) == ["First name", "Last name", "ID number", "Email address", "hw1", "hw2"]
    by_lms = {row["ID number"]: row for row in moodle}
    assert sorted(by_lms) == sorted(lms.values())
    for student in students:
        assert rows[student][1] == lms[student]
        for column, assignment in ((5, "hw1"), (6, "hw2")):
            if (student, assignment) in expected:
                assert float(rows[student][column]) == expected[student, assignment]
                assert float(by_lms[lms[student]][assignment]) == expected[student, assignment]
            else:
                assert rows[student][column] == "" and by_lms[lms[student]][assignment] == "-", (student, assignment)
    assert by_lms["1001"]["Email address"] == "ann@example.org" and by_lms["1001"]["First name"] == "Ann"
    assert "grades-canvas.csv" in capsys.readouterr().out


def test_grades_without_lms_ids_says_whose_are_missing_and_writes_the_rest(course_env, capsys):
    fill_gradebook(course_env["db_url"])
    _with_lms_ids(course_env["db_url"], {"ann": "1001"})
    assert instructor.main(["grades"]) == 0
    out = capsys.readouterr().out
    assert "no Canvas or Moodle file written: 2 of 3 student(s) have no LMS id (bob, cyd)" in out
    assert "make roster" in out and "lms_user_id" in out
    assert (course_env["grades"] / "grades.csv").exists()
    assert not (course_env["grades"] / "grades-canvas.csv").exists()


def test_an_lms_file_from_an_earlier_run_is_moved_aside_not_left_as_current(course_env, capsys):
    """A student loses their LMS id: last run's Canvas and Moodle files would still look current. Both are renamed
    to a dated .stale name, byte for byte, and a file already holding that name is not written over."""
    fill_gradebook(course_env["db_url"])
    _with_lms_ids(course_env["db_url"], {"ann": "1001", "bob": "1002", "cyd": "1003"})
    assert instructor.main(["grades"]) == 0
    folder = course_env["grades"]
    canvas, moodle = folder / "grades-canvas.csv", folder / "grades-moodle.csv"
    before = {canvas: canvas.read_bytes(), moodle: moodle.read_bytes()}
    when = datetime(2024, 3, 4, 10, 20, 30).timestamp()
    for path in before:
        os.utime(path, (when, when))
    taken = folder / "grades-canvas.stale-20240304T102030.csv"  # an instructor's copy that happens to have the name
    taken.write_text("mine")
    _with_lms_ids(course_env["db_url"], {"cyd": ""})
    capsys.readouterr()
    assert instructor.main(["grades"]) == 0
    out = capsys.readouterr().out
    assert "no Canvas or Moodle file written: 1 of 3 student(s) have no LMS id (cyd)" in out
    assert not canvas.exists() and not moodle.exists()
    assert taken.read_text() == "mine"
    moved = {canvas: folder / "grades-canvas.stale-20240304T102030-2.csv",
             moodle: folder / "grades-moodle.stale-20240304T102030.csv"}
    for path, target in moved.items():
        assert target.read_bytes() == before[path]
        assert f"{path} is from an earlier run" in out and f"moved aside to {target} (not deleted)" in out
    assert sorted(p.name for p in folder.glob("grades-*")) == sorted(
        ["grades-nbgrader.csv", taken.name] + [p.name for p in moved.values()])


def test_canvas_needs_its_numeric_user_ids_moodle_takes_any(course_env, capsys):
    """Canvas's import reads the ID column as its numeric user id (a 'u-17' matches no one); Moodle's ID number is
    free text. So an id like 'u-17' writes the Moodle file, no Canvas file, and says whose id is not Canvas's."""
    fill_gradebook(course_env["db_url"])
    _with_lms_ids(course_env["db_url"], {"ann": "1001", "bob": "1002", "cyd": "1003"})
    assert instructor.main(["grades"]) == 0
    old_canvas = (course_env["grades"] / "grades-canvas.csv").read_bytes()
    _with_lms_ids(course_env["db_url"], {"bob": "u-17"})
    capsys.readouterr()
    assert instructor.main(["grades"]) == 0
    out = capsys.readouterr().out
    assert "no Canvas file written: 1 of 3 student(s) have an lms_user_id that is not a Canvas user id (bob)" in out
    assert "no Canvas or Moodle" not in out
    moodle = list(csv.DictReader(open(course_env["grades"] / "grades-moodle.csv", newline="", encoding="utf-8")))
    assert sorted(row["ID number"] for row in moodle) == ["1001", "1003", "u-17"]
    assert not (course_env["grades"] / "grades-canvas.csv").exists()
    [stale] = course_env["grades"].glob("grades-canvas.stale-*.csv")
    assert stale.read_bytes() == old_canvas and f"moved aside to {stale}" in out
    assert not list(course_env["grades"].glob("grades-moodle.stale-*"))


def test_grades_skips_a_notebook_that_is_not_json_and_grades_the_rest(course_env, capsys):
    """An autograded notebook that is not JSON: named with its problem on stderr, left byte for byte, and the
    grades and the mistakes of the other students are all still written."""
    fill_gradebook(course_env["db_url"])
    autograded = Path(course_env["env"]["FFNN_AUTOGRADED"])
    autograded_notebook(autograded, "ann", ["forgot the 1/m factor"])
    broken = autograded / "bob" / "hw1" / "hw1.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b'{"cells": [truncated')
    assert instructor.main(["grades"]) == 0
    err = capsys.readouterr().err
    assert f"skipped {broken} for the mistakes table: not a readable notebook" in err
    assert "JSON" in err and "left as it is" in err
    assert broken.read_bytes() == b'{"cells": [truncated'
    rows = {(r["assignment"], r["student_id"]): r
            for r in csv.DictReader(open(course_env["grades"] / "grades.csv", newline=""))}
    for student, (a, b, penalty, _) in SCORES.items():
        assert float(rows["hw1", student]["score"]) == max(0.0, a + b - penalty)
        assert rows["hw1", student]["status"] == "submitted"
    mistakes = (course_env["grades"] / "report.html").read_text().split("Most frequent named mistakes")[1]
    assert "forgot the 1/m factor</td><td>1</td>" in mistakes


def test_grades_refuses_an_export_whose_columns_shift(course_env):
    """nbgrader writes fields unquoted: a name with a comma (added outside `make roster`) must not slip through
    as a shifted row, and the previous export stays in place."""
    from nbgrader.api import Gradebook
    fill_gradebook(course_env["db_url"])
    assert instructor.main(["grades"]) == 0
    csv_path = course_env["grades"] / "grades.csv"
    before = csv_path.read_bytes()
    with Gradebook(course_env["db_url"], "ffnn") as gradebook:
        gradebook.update_or_create_student("bob", last_name="Smith, Jr.")
    with pytest.raises(SystemExit, match="wrong number of fields") as error:
        instructor.main(["grades"])
    assert "Smith" in str(error.value)
    assert csv_path.read_bytes() == before


# --------------------------------------------------------------------------------------------------- roster

def test_roster_imports_names_and_emails_through_nbgraders_import(course_env, monkeypatch, capsys):
    from nbgrader.apps.dbapp import DbStudentImportApp
    calls = []
    original = DbStudentImportApp.start

    def spy(self):
        calls.append(list(self.extra_args))
        return original(self)

    monkeypatch.setattr(DbStudentImportApp, "start", spy)
    good = course_env["tmp"] / "students.csv"
    good.write_bytes("\ufeffid, first_name ,last_name,email,lms_user_id\n"
                     "jdoe42, Jane ,Doe,jane@example.org,u-17\n\nasmith,Al,Smith,,\nzoe,Zoë,\n".encode("utf-8"))
    assert instructor.main(["roster", str(good)]) == 0
    assert len(calls) == 1  # nbgrader's DbStudentImportApp did the import
    assert students(course_env["db_url"]) == {"jdoe42": ("Jane", "Doe", "jane@example.org", "u-17"),
                                              "asmith": ("Al", "Smith", None, None),
                                              "zoe": ("Zoë", None, None, None)}
    assert "3 student(s) imported" in capsys.readouterr().out
    # a second import updates: changed fields change, columns that are absent stay as they were
    update = course_env["tmp"] / "update.csv"
    update.write_text("id,email\njdoe42,jd@example.org\nnew1,n@example.org\n")
    assert instructor.main(["roster", str(update)]) == 0
    stored = students(course_env["db_url"])
    assert stored["jdoe42"] == ("Jane", "Doe", "jd@example.org", "u-17")
    assert stored["new1"] == (None, None, "n@example.org", None) and len(stored) == 4
    assert "(1 new, 1 updated)" in capsys.readouterr().out


def test_roster_names_the_students_without_an_lms_id_and_ids_canvas_cannot_read(course_env, capsys):
    """After an import, the notice covers the whole gradebook (an id kept from an earlier import counts): who has
    no lms_user_id, or, when all have one, whose is not a Canvas user id; nothing when every id is a number."""
    first = course_env["tmp"] / "first.csv"
    first.write_text("id,first_name,lms_user_id\nann,Ann,1001\nbob,Bob,\ncyd,Cyd,\n")
    assert instructor.main(["roster", str(first)]) == 0
    out = capsys.readouterr().out
    assert "roster: 2 of the gradebook's 3 student(s) have no lms_user_id (bob, cyd)" in out
    assert "`make grades` will write no Canvas or Moodle file" in out
    odd = course_env["tmp"] / "odd.csv"
    odd.write_text("id,lms_user_id\nbob,u-17\ncyd,1003\n")  # ann is not in this file: she keeps 1001
    assert instructor.main(["roster", str(odd)]) == 0
    out = capsys.readouterr().out
    assert "no lms_user_id" not in out
    assert "1 of 3 student(s) have an lms_user_id that is not a Canvas user id (bob)" in out
    fixed = course_env["tmp"] / "fixed.csv"
    fixed.write_text("id,lms_user_id\nbob,1002\n")
    assert instructor.main(["roster", str(fixed)]) == 0
    out = capsys.readouterr().out
    assert "1 student(s) imported" in out and "lms_user_id" not in out and "Canvas" not in out
    assert {s: fields[3] for s, fields in students(course_env["db_url"]).items()} == \
        {"ann": "1001", "bob": "1002", "cyd": "1003"}


# A table of bad files and the message each must get: its rows share one shape on purpose (a duplicate-code finder
# pairs them; there is no logic to share).
BAD_ROSTERS = {
    "missing id column": (b"name,email\nx,y\n", "needs a header row with an 'id' column"),
    "capitalised id column": (b"ID,email\nx,y\n", "Column names are lower-case"),
    "semicolons": (b"id;first_name\nnew1;A\n", "separated by commas"),
    "empty id": (b"id,first_name\nnew1,A\n,Bea\n", "line 3 of"),
    "duplicate id": (b"id,first_name\nnew1,A\nnew2,B\nnew1,C\n", "appears on lines 2 and 4"),
    "bad id": (b'id\nnew1\n"a b"\n', "may only use letters"),
    "latin-1": ("id,first_name\nnew1,Zoë\n".encode("latin-1"), "is not UTF-8 text"),
    "an xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "is not a CSV text file"),
    "binary": (b"id,first_name\nnew1\x00,A\n", "is not a CSV text file"),
    "empty": (b"", "is empty"),
    "header only": (b"id,first_name,email\n", "has a header but no students"),
    "extra field": (b"id,first_name\nnew1,A\nnew2,B,extra\n", "line 3 of"),
    "unknown column": (b"id,nickname\nnew1,b\n", "unknown column(s) ['nickname']"),
    "trailing comma": (b"id,first_name,\nnew1,A,\n", "empty column name"),
    "repeated column": (b"id,email,email\nnew1,a@x,b@x\n", "more than once"),
    "comma in a name": (b'id,last_name\nnew1,"Smith, Jr."\n', "contains a comma or a quote"),
    "unclosed quote": (b'id,last_name\nnew1,"Smith\nnew2,Lee\n', "never closed"),
    "too long": (b"id,email\nnew1," + b"a" * 129 + b"\n", "at most 128"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
def test_roster_refuses_a_malformed_file_and_changes_nothing(course_env, case):
    good = course_env["tmp"] / "good.csv"
    good.write_text("id,first_name,last_name\nann,Ann,Lee\nnew1,Old,Name\n")
    assert instructor.main(["roster", str(good)]) == 0
    before = students(course_env["db_url"])
    data, message = BAD_ROSTERS[case]
    bad = course_env["tmp"] / "bad.csv"
    bad.write_bytes(data)
    with pytest.raises(SystemExit) as error:
        instructor.main(["roster", str(bad)])
    assert str(error.value).startswith("roster: ") and message in str(error.value), (case, str(error.value))
    assert students(course_env["db_url"]) == before


def test_roster_refuses_a_missing_file(course_env):
    with pytest.raises(SystemExit, match="no such file"):
        instructor.main(["roster", str(course_env["tmp"] / "nope.csv")])
    with pytest.raises(SystemExit, match="is not a file"):
        instructor.main(["roster", str(course_env["tmp"])])


def test_a_failing_import_is_undone(course_env, monkeypatch):
    """A database error half-way through nbgrader's import: the students it created go, the others get their
    previous names back."""
    from nbgrader.api import Gradebook, InvalidEntry
    good = course_env["tmp"] / "good.csv"
    good.write_text("id,first_name,last_name\nann,Ann,Lee\n")
    assert instructor.main(["roster", str(good)]) == 0
    before = students(course_env["db_url"])
    original = Gradebook.update_or_create_student
    seen = []

    def flaky(self, student_id, **fields):
        seen.append(student_id)
        if student_id == "boom":
            raise InvalidEntry("the database refused it")
        return original(self, student_id, **fields)

    monkeypatch.setattr(Gradebook, "update_or_create_student", flaky)
    update = course_env["tmp"] / "update.csv"
    update.write_text("id,first_name,last_name\nann,Changed,Name\nnewbie,N,B\nboom,B,B\nlater,L,L\n")
    with pytest.raises(SystemExit, match="restored") as error:
        instructor.main(["roster", str(update)])
    assert "the database refused it" in str(error.value)
    assert seen[:3] == ["ann", "newbie", "boom"]  # the import really did change the gradebook before failing
    monkeypatch.setattr(Gradebook, "update_or_create_student", original)
    assert students(course_env["db_url"]) == before


def test_roster_command_line(course_env):
    """As the Makefile runs it: a good file imports, a malformed one exits non-zero with the reason on stderr."""
    env = {**os.environ, **course_env["env"]}
    good = course_env["tmp"] / "students.csv"
    good.write_text("id,first_name,last_name,email\njdoe42,Jane,Doe,jane@example.org\n")
    result = subprocess.run([sys.executable, str(ROOT / "grader" / "instructor.py"), "roster", str(good)], cwd="/",
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and "1 student(s) imported" in result.stdout, result.stdout + result.stderr
    bad = course_env["tmp"] / "bad.csv"
    bad.write_text("id,first_name\njdoe42,X\njdoe42,Y\n")
    result = subprocess.run([sys.executable, str(ROOT / "grader" / "instructor.py"), "roster", str(bad)], cwd="/",
                            env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0 and "appears on lines 2 and 3" in result.stderr, result.stderr
    assert students(course_env["db_url"]) == {"jdoe42": ("Jane", "Doe", "jane@example.org", None)}
