"""`make roster`: import the class list (a CSV with an id column) into the gradebook, refusing a malformed file
with a message that names the line and the fix, and changing nothing then.
"""

from __future__ import annotations

import copy
import csv
import io
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import lms_export  # noqa: E402


ROSTER_COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")
#: nbgrader's Student columns are VARCHAR(128): PostgreSQL refuses longer values (SQLite would not).
ROSTER_MAX_LENGTH = 128


def read_roster(path: Path) -> list[dict]:
    """Students from a CSV with a header row; 'id' is required. The whole file is checked before anything is
    imported; raises SystemExit naming the problem (and the line)."""
    if not path.is_file():
        raise SystemExit(f"roster: no such file {path}." if not path.exists() else f"roster: {path} is not a file.")
    data = path.read_bytes()
    if not data.strip():
        raise SystemExit(f"roster: {path} is empty; it needs a header row with an 'id' column and one student a line.")
    if b"\0" in data or data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise SystemExit(f"roster: {path} is not a CSV text file (a spreadsheet or other binary file?); export the "
                         f"class list as 'CSV UTF-8 (comma delimited)'.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SystemExit(f"roster: {path} is not UTF-8 text ({error}); save it as CSV UTF-8.") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise SystemExit(f"roster: line {reader.line_num} of {path} is not valid CSV ({error}).") from None
    header = [h.strip() for h in lines[0]] if lines else []
    if "id" not in header:
        hint = ""
        if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
            hint = " The columns must be separated by commas (this file uses another separator)."
        elif any(h.lower() == "id" for h in header):
            hint = " Column names are lower-case."
        raise SystemExit(f"roster: {path} needs a header row with an 'id' column (and optionally "
                         f"{', '.join(ROSTER_COLUMNS[1:])}); found {header or 'no header'}.{hint}")
    if "" in header:
        raise SystemExit(f"roster: the header of {path} has an empty column name (a trailing comma?): {header}.")
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        raise SystemExit(f"roster: unknown column(s) {unknown} in {path}; allowed: {', '.join(ROSTER_COLUMNS)}.")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise SystemExit(f"roster: column(s) {repeated} appear more than once in the header of {path}.")
    students, seen = [], {}
    for index, fields in enumerate(lines[1:], start=1):
        line = index + 1
        if not any(f.strip() for f in fields):
            continue  # a blank line
        if len(fields) > len(header):
            raise SystemExit(f"roster: line {line} of {path} has more fields than the header.")
        row = {name: (fields[i].strip() if i < len(fields) else "") for i, name in enumerate(header)}
        if not row["id"]:
            raise SystemExit(f"roster: line {line} of {path} has an empty id.")
        if not re.fullmatch(r"[A-Za-z0-9.\-_@]+", row["id"]):
            raise SystemExit(f"roster: line {line}: id {row['id']!r} may only use letters, digits and . - _ @.")
        if row["id"] in seen:
            raise SystemExit(f"roster: id {row['id']!r} appears on lines {seen[row['id']]} and {line}.")
        for name, value in row.items():
            if "\n" in value or "\r" in value:
                raise SystemExit(f"roster: line {line} of {path}: {name} {value[:40]!r}... runs over a line "
                                 f"break (a quote that is never closed?).")
            if len(value) > ROSTER_MAX_LENGTH:
                raise SystemExit(f"roster: line {line} of {path}: {name} is {len(value)} characters long; the "
                                 f"gradebook holds at most {ROSTER_MAX_LENGTH}.")
            if "," in value or '"' in value:
                raise SystemExit(f"roster: line {line} of {path}: {name} {value!r} contains a comma or a quote, "
                                 f"which nbgrader's CSV grade export would write unquoted (shifting that row's "
                                 f"columns); remove it.")
        seen[row["id"]] = line
        students.append(row)
    if not students:
        raise SystemExit(f"roster: {path} has a header but no students.")
    return students


def student_fields(student) -> dict:
    return {name: getattr(student, name) for name in ROSTER_COLUMNS[1:]}


def _import_with_nbgrader(config, csv_file: Path):
    """`nbgrader db student import <csv_file>`, in-process (nbgrader's DbStudentImportApp)."""
    from nbgrader.apps.dbapp import DbStudentImportApp
    config = copy.deepcopy(config)
    config["Application"]["log_level"] = "WARN"
    app = DbStudentImportApp(coursedir=course.coursedir(config), config=config)
    app.extra_args = [str(csv_file)]
    app.start()


def roster(options) -> int:
    """Check the whole class list, then import it with nbgrader's student import. A failed import is undone:
    students it created are removed again and the others get their previous names back."""
    from nbgrader.api import Gradebook, MissingEntry
    path = Path(options.csv)
    students = read_roster(path)
    config = course.load_config()
    cdir = course.coursedir(config)
    columns = list(students[0])  # the header's columns, 'id' among them
    ids = [student["id"] for student in students]
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        known = {s.id for s in gradebook.students}
        before = {s.id: student_fields(s) for s in gradebook.students if s.id in set(ids)}
    with tempfile.TemporaryDirectory() as scratch:
        # nbgrader reads the file with the locale's default encoding and keeps spaces: give it exactly the rows
        # checked above (stripped, no BOM), written with that same default encoding
        checked = Path(scratch) / "students.csv"
        try:
            with open(checked, "w", newline="") as handle:  # noqa: PLW1514 - nbgrader's open() has no encoding
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows([[student[c] for c in columns] for student in students])
        except UnicodeEncodeError as error:
            raise SystemExit(f"roster: nbgrader reads the class list in this locale's encoding, which cannot hold "
                             f"a name in {path} ({error}); run with PYTHONUTF8=1 (e.g. PYTHONUTF8=1 make roster "
                             f"CSV={path}). Nothing was imported.") from None
        problem = None
        try:
            _import_with_nbgrader(config, checked)
        except SystemExit as error:  # nbgrader's app.fail() logs the reason and exits
            problem = f"nbgrader's student import stopped (exit status {error.code}; its message is above)"
        except Exception as error:  # noqa: BLE001 - a database error: undo, then report it
            problem = f"nbgrader's student import failed: {type(error).__name__}: {error}"
    expected = {s["id"]: {c: s[c] or None for c in columns if c != "id"} for s in students}
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        if problem is None:
            stored = {s.id: student_fields(s) for s in gradebook.students if s.id in expected}
            wrong = sorted(i for i, fields in expected.items()
                           if i not in stored or any(stored[i][c] != v for c, v in fields.items()))
            if wrong:
                problem = f"after nbgrader's student import the gradebook does not hold {wrong[:10]} as given"
        if problem is not None:
            for student_id in ids:
                try:
                    student = gradebook.find_student(student_id)
                except MissingEntry:
                    continue
                if student_id in before:
                    gradebook.update_or_create_student(student_id, **before[student_id])
                elif not student.submissions:
                    gradebook.remove_student(student_id)
            raise SystemExit(f"roster: {problem}. The gradebook's roster was restored as it was before; "
                             f"nothing from {path} was kept.")
        # what `make grades` will find: every student in the gradebook, an id kept from an earlier import included
        everyone = [{"id": s.id, "lms_user_id": s.lms_user_id} for s in gradebook.students]
    added = sum(1 for i in ids if i not in known)
    print(f"roster: {len(students)} student(s) imported into {cdir.db_url} with nbgrader's student import "
          f"({added} new, {len(students) - added} updated)")
    without = sorted(s["id"] for s in everyone if not (s["lms_user_id"] or "").strip())
    if without:
        print(f"roster: {len(without)} of the gradebook's {len(everyone)} student(s) have no lms_user_id "
              f"({lms_export.named(without)}), so `make grades` will write no Canvas or Moodle file until they do "
              f"(add an lms_user_id column to the class list and import it again).")
    elif lms_export.not_canvas_ids(everyone):
        print(f"roster: note: {lms_export.canvas_id_problem(everyone)}")
    return 0
