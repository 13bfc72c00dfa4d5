"""Grades as the gradebook imports of Canvas and Moodle read them: written by `make grades` next to grades.csv.

One row per student, one column per assignment, the students identified by the roster's LMS ids (`make roster`
with an `lms_user_id` column). "Not submitted" stays apart from 0 in both: an empty cell in Canvas (its import leaves
that grade as it was), "-" in Moodle (its import reads "" and "-" as "no grade"). The score is nbgrader's total less
any late penalty, never below 0, as in grades.csv.

- **Canvas** (Grades > Import): the columns of Canvas's own gradebook export, `Student, ID, SIS User ID, SIS Login
  ID, Section`, then one column per assignment, and a second row `Points Possible`. `ID` is the Canvas user id (the
  roster's lms_user_id), `SIS Login ID` the course's student id. Canvas matches rows by `ID`, read as its own
  numeric user id (its importer takes the number a cell starts with: "u-17" is no user, so the row falls back to
  login id or name; "17b" would be user 17): the Canvas file is only written when every lms_user_id is digits.
- **Moodle** (Grades > Import > CSV file): `First name, Last name, ID number, Email address`, then one column per
  assignment. On import, map "ID number" to the user field "ID number" (the roster's lms_user_id) and each
  assignment column to its grade item (or "new grade item"). Moodle's ID number is free text: any id will do.

A file that cannot be written this time is not left in place from an earlier run, where it would pass for current:
it is renamed to `grades-canvas.stale-<its time>.csv` (or `grades-moodle.stale-...`), never deleted or written
over.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from atomic_write import written_in_one_step

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_COLUMNS = ["First name", "Last name", "ID number", "Email address"]
MOODLE_NO_GRADE = "-"
CANVAS_FILE = "grades-canvas.csv"
MOODLE_FILE = "grades-moodle.csv"


class MissingLmsIds(ValueError):
    """Some students have no LMS id: the message names them and the fix."""


def _write(path: Path, rows: list[list[str]]):
    with written_in_one_step(path) as partial, open(partial, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _score(value: float) -> str:
    return f"{value:g}"


def named(ids: list[str]) -> str:
    """'a, b, c' (the first ten, then 'and N more')."""
    return ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")


def is_canvas_user_id(value) -> bool:
    """Canvas's user id, what its gradebook import reads in the `ID` column: digits only."""
    return bool(re.fullmatch(r"[0-9]+", (value or "").strip()))


def not_canvas_ids(students: list[dict]) -> list[str]:
    """The students whose lms_user_id is set but is not a Canvas user id."""
    return sorted(s["id"] for s in students
                  if (s.get("lms_user_id") or "").strip() and not is_canvas_user_id(s["lms_user_id"]))


def canvas_id_problem(students: list[dict]) -> str | None:
    odd = not_canvas_ids(students)
    if not odd:
        return None
    return (f"{len(odd)} of {len(students)} student(s) have an lms_user_id that is not a Canvas user id "
            f"({named(odd)}): Canvas's import matches the ID column by its numeric user id (People > the student: "
            f"the number in the address, or the ID column of Canvas's own gradebook export). Fine for Moodle's ID "
            f"number; for Canvas, import the numbers with `make roster CSV=students.csv`.")


def check_ids(students: list[dict]):
    missing = sorted(s["id"] for s in students if not (s.get("lms_user_id") or "").strip())
    if missing:
        raise MissingLmsIds(f"{len(missing)} of {len(students)} student(s) have no LMS id ({named(missing)}); the LMS "
                            f"files need one for every student. Add an lms_user_id column to the class list and "
                            f"import it again with `make roster CSV=students.csv` (their Canvas user id or Moodle ID "
                            f"number).")


@dataclass
class LmsFiles:
    """What `write` did: the files written, why any other was not, and copies from an earlier run moved aside."""
    written: list[Path] = field(default_factory=list)
    not_written: list[str] = field(default_factory=list)
    moved_aside: list[tuple[Path, Path]] = field(default_factory=list)


def set_aside(path: Path) -> Path:
    """Rename ``path`` to ``<stem>.stale-<its modification time><suffix>`` beside it (``-2``, ``-3``... rather
    than over another file) and return the new path: an instructor's file is never deleted."""
    stamp = datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y%m%dT%H%M%S")
    number = 1
    while True:
        target = path.with_name(f"{path.stem}.stale-{stamp}{'' if number == 1 else f'-{number}'}{path.suffix}")
        if not target.exists():
            path.rename(target)
            return target
        number += 1


def write(students: list[dict], assignments: list[tuple[str, float]], scores: dict, folder: Path) -> LmsFiles:
    """grades-canvas.csv and grades-moodle.csv in ``folder``.

    students: [{'id', 'first_name', 'last_name', 'email', 'lms_user_id'}]; assignments: [(name, max_score)] in
    course order; scores: {(student id, assignment): score} for submissions only (no key: not submitted).
    Neither file is written if a student has no LMS id, the Canvas one not if an id is not Canvas's numeric user
    id; a file not written this time that an earlier run left behind is moved aside (`set_aside`)."""
    result = LmsFiles()
    try:
        check_ids(students)
    except MissingLmsIds as error:
        result.not_written.append(f"no Canvas or Moodle file written: {error}")
        blocked = {CANVAS_FILE, MOODLE_FILE}
    else:
        problem = canvas_id_problem(students)
        blocked = {CANVAS_FILE} if problem else set()
        if problem:
            result.not_written.append(f"no Canvas file written: {problem}")
    names = [name for name, _ in assignments]
    canvas = [CANVAS_COLUMNS + names, [CANVAS_POINTS_ROW, "", "", "", ""] + [_score(m) for _, m in assignments]]
    moodle = [MOODLE_COLUMNS + names]
    for student in students:
        marks = [scores.get((student["id"], name)) for name in names]
        full_name = ", ".join(n for n in (student.get("last_name"), student.get("first_name")) if n) or student["id"]
        lms_id = (student.get("lms_user_id") or "").strip()
        canvas.append([full_name, lms_id, "", student["id"], ""] + ["" if m is None else _score(m) for m in marks])
        moodle.append([student.get("first_name") or "", student.get("last_name") or "", lms_id,
                       student.get("email") or ""] + [MOODLE_NO_GRADE if m is None else _score(m) for m in marks])
    for name, rows in ((CANVAS_FILE, canvas), (MOODLE_FILE, moodle)):
        path = folder / name
        if name not in blocked:
            _write(path, rows)
            result.written.append(path)
        elif path.exists():
            result.moved_aside.append((path, set_aside(path)))
    return result
