"""Grades as the gradebook imports of Canvas and Moodle read them: written by `make grades` next to grades.csv.

One row per student, one column per assignment, the students identified by the roster's LMS ids (`make roster`
with an `lms_user_id` column). "Not submitted" stays apart from 0 in both: an empty cell in Canvas (its import leaves
that grade as it was), "-" in Moodle (its import reads "" and "-" as "no grade"). The score is nbgrader's total less
any late penalty, never below 0, as in grades.csv.

- **Canvas** (Grades > Import): the columns of Canvas's own gradebook export, `Student, ID, SIS User ID, SIS Login
  ID, Section`, then one column per assignment, and a second row `Points Possible`. `ID` is the Canvas user id (the
  roster's lms_user_id), `SIS Login ID` the course's student id; Canvas matches rows by `ID`.
- **Moodle** (Grades > Import > CSV file): `First name, Last name, ID number, Email address`, then one column per
  assignment. On import, map "ID number" to the user field "ID number" (the roster's lms_user_id) and each
  assignment column to its grade item (or "new grade item").
"""

from __future__ import annotations

import csv
from pathlib import Path

from atomic_write import written_in_one_step

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
MOODLE_NO_GRADE = "-"


class MissingLmsIds(ValueError):
    """Some students have no LMS id: the message names them and the fix."""


def _write(path: Path, rows: list[list[str]]):
    with written_in_one_step(path) as partial, open(partial, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _score(value: float) -> str:
    return f"{value:g}"


def check_ids(students: list[dict]):
    missing = sorted(s["id"] for s in students if not (s.get("lms_user_id") or "").strip())
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise MissingLmsIds(f"{len(missing)} of {len(students)} student(s) have no LMS id ({shown}); the LMS files "
                            f"need one for every student. Add an lms_user_id column to the class list and import it "
                            f"again with `make roster CSV=students.csv` (their Canvas user id or Moodle ID number).")


def write(students: list[dict], assignments: list[tuple[str, float]], scores: dict, folder: Path) -> list[Path]:
    """grades-canvas.csv and grades-moodle.csv in ``folder``.

    students: [{'id', 'first_name', 'last_name', 'email', 'lms_user_id'}]; assignments: [(name, max_score)] in
    course order; scores: {(student id, assignment): score} for submissions only (no key: not submitted).
    Raises MissingLmsIds, before writing anything, if a student has no LMS id."""
    check_ids(students)
    names = [name for name, _ in assignments]
    canvas = [CANVAS_COLUMNS + names, [CANVAS_POINTS_ROW, "", "", "", ""] + [_score(m) for _, m in assignments]]
    moodle = [MOODLE_COLUMNS + names]
    for student in students:
        marks = [scores.get((student["id"], name)) for name in names]
        full_name = ", ".join(n for n in (student.get("last_name"), student.get("first_name")) if n) or student["id"]
        canvas.append([full_name, student["lms_user_id"], "", student["id"], ""]
                      + ["" if m is None else _score(m) for m in marks])
        moodle.append([student.get("first_name") or "", student.get("last_name") or "", student["lms_user_id"],
                       student.get("email") or ""] + [MOODLE_NO_GRADE if m is None else _score(m) for m in marks])
    paths = [folder / "grades-canvas.csv", folder / "grades-moodle.csv"]
    _write(paths[0], canvas)
    _write(paths[1], moodle)
    return paths
