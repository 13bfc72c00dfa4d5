"""The instructor's steps, one command each (the Makefile's release, collect, feedback, grades, roster targets).

    python grader/instructor.py release                       # validate, generate, check, build dist/ bundles
    python grader/instructor.py collect [--zip downloads.zip] # from nbgrader's exchange, or an LMS download
    python grader/instructor.py feedback [--assignment A]     # HTML feedback without hidden tests
    python grader/instructor.py grades                        # grades.csv (with status) + an at-a-glance report
    python grader/instructor.py roster students.csv           # import the class list into the gradebook

Autograding is grader/autograde.py (make autograde). All paths come from grader/nbgrader_config.py, so every
command works from any directory. Nothing here deletes or overwrites a student's submission: a re-collected file
that differs moves the older copy to a dated `.previous/` folder first.
"""

from __future__ import annotations

import argparse
import copy
import csv
import html
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import lms_export  # noqa: E402
from atomic_write import written_in_one_step  # noqa: E402
import release_guard  # noqa: E402

ROOT = course.ROOT
DIST = Path(os.environ.get("FFNN_DIST", ROOT / "dist"))
GRADES = Path(os.environ.get("FFNN_GRADES", ROOT / "grader" / "grades"))


def api(config):
    from nbgrader.apps import NbGraderAPI
    return NbGraderAPI(coursedir=course.coursedir(config), config=config)


def _path(config, key) -> Path:
    cdir = course.coursedir(config)
    return Path(cdir.root) / getattr(cdir, key)


# ------------------------------------------------------------------------------------------------- release

BUNDLE_README = """# {assignment}

Feedforward Neural Networks in Depth, assignment {assignment}.

1. Python 3.11 or newer:  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
2. .venv/bin/jupyter lab {assignment}.ipynb
3. Replace every `raise NotImplementedError()` with your code; the test cell under each answer tells you what is
   right and what to fix. Submit {assignment}.ipynb.

`ffnn/` is the course's helper package (data sets, plots, the checker); it must stay next to the notebook.
"""


def student_package_files():
    """The files of the student-facing package: ffnn without the reference implementation or caches."""
    package = ROOT / "shared" / "ffnn"
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if path.is_file() and relative.parts[0] != "reference" and "__pycache__" not in relative.parts:
            yield path, Path("ffnn") / relative


def build_bundle(assignment, destination: Path, release_dir: Path = course.RELEASE) -> Path:
    """dist/<assignment>.zip: the student notebook, the student-facing package, requirements and a README."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / f"{assignment}.zip"
    with written_in_one_step(target) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        folder = release_dir / assignment
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                bundle.write(path, f"{assignment}/{path.relative_to(folder)}")
        for path, name in student_package_files():
            bundle.write(path, f"{assignment}/{name}")
        bundle.write(ROOT / "requirements.txt", f"{assignment}/requirements.txt")
        bundle.writestr(f"{assignment}/README.md", BUNDLE_README.format(assignment=assignment))
    return target


def release(options) -> int:
    config = course.load_config()
    failures = []
    for assignment in options.assignments:
        results = course.validate(course.source_notebook(assignment))
        bad = {k: len(v) for k, v in results.items() if v}
        print(f"release: {assignment}: source notebook {'passes every test' if not bad else f'FAILS {bad}'}")
        if bad:
            failures.append(assignment)
    if failures:
        print(f"release: stopped: fix the source notebooks of {failures} first (their tests must pass).",
              file=sys.stderr)
        return 1
    grader = api(config)
    release_dir = _path(config, "release_directory")
    for assignment in options.assignments:
        with release_guard.generating(release_dir, assignment, say=lambda text: print(f"release: {text}")):
            result = grader.generate_assignment(assignment, force=True, create=True)
            if not result["success"]:
                print(f"release: generate_assignment {assignment} failed:\n{result.get('error')}", file=sys.stderr)
                raise SystemExit(1)  # before the guard records a half-written folder as generated
        print(f"release: {assignment}: student version {course.release_notebook(assignment, release_dir)}")
    for assignment in options.assignments:
        student_path = course.release_notebook(assignment, release_dir)
        with tempfile.TemporaryDirectory() as scratch:
            student = Path(scratch) / f"{assignment}.ipynb"
            shutil.copy(student_path, student)
            results = course.validate(student)
        import nbformat
        graded = [c for c in nbformat.read(student_path, as_version=4).cells
                  if c.metadata.get("nbgrader", {}).get("grade")]
        failed = len(results.get("failed", []))
        print(f"release: {assignment}: the student version fails {failed} of {len(graded)} graded tests")
        if failed != len(graded):
            print(f"release: stopped: a test of {student_path} passes without an answer.", file=sys.stderr)
            return 1
    for assignment in options.assignments:
        bundle = build_bundle(assignment, DIST, release_dir)
        print(f"release: {assignment}: bundle {bundle} ({bundle.stat().st_size // 1024} KiB)")
    print(f"release: done. Gradebook {course.coursedir(config).db_url}")
    return 0


# ------------------------------------------------------------------------------------------------- collect

ZIP_PATTERN_HELP = """LMS download: any folder layout; each notebook file name must contain the student id and the
notebook name, the id first: <student id>_<notebook>.ipynb, e.g. jdoe42_01_two_layer_network.ipynb. Characters
the LMS adds around them are ignored (jdoe42_late_01_two_layer_network-1.ipynb, 'jdoe42_01_two_layer_network (2)
.ipynb'). The student id is the longest id of the imported roster that starts the name (so ids may contain '_');
without a roster, the text before the first '_'. Files that do not match are listed, not dropped: nothing is
deleted. Of two files for the same notebook, the newer (by the zip's dates) is kept, the older moved aside."""


def match_zip_name(name, notebooks, roster=()):
    """(student, notebook) for an LMS file name, or None. With a roster, the longest roster id that starts the
    name wins (so ids may contain '_'); without one, the id ends at the first '_'."""
    base = Path(name).name
    if not base.endswith(".ipynb") or base.startswith("."):
        return None
    for notebook in sorted(notebooks, key=len, reverse=True):
        if notebook in base:
            head = base.split(notebook, 1)[0]
            known = [r for r in roster if head.startswith(r + "_")]
            if known:
                return max(known, key=len), notebook
            student = re.match(r"^([A-Za-z0-9.\-]+)_", head)
            if student:
                return student.group(1), notebook
    return None


def roster_ids(config) -> list[str]:
    """Student ids already in the gradebook (empty when there is none yet)."""
    from nbgrader.api import Gradebook
    db_url = course.coursedir(config).db_url
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return []
    with Gradebook(db_url, course.coursedir(config).course_id) as gradebook:
        return [student.id for student in gradebook.students]


def _keep_previous(destination: Path):
    """Move an existing submission file aside (a folder of its own per move) instead of overwriting it."""
    if destination.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1000):
            previous = destination.parent / ".previous" / (stamp if attempt == 0 else f"{stamp}-{attempt}")
            if not previous.exists():
                break
        previous.mkdir(parents=True)
        shutil.move(str(destination), previous / destination.name)


def collect_zip(config, archive: Path) -> int:
    if not archive.is_file():
        print(f"collect: no such file {archive}; give the LMS download with ZIP=<path>.", file=sys.stderr)
        return 2
    submitted = _path(config, "submitted_directory")
    notebooks = {name: assignment for assignment in course.ASSIGNMENTS
                 for name in [p.stem for p in (course.SOURCE / assignment).glob("*.ipynb")]}
    unmatched, collected = [], Counter()
    roster = roster_ids(config)
    if not roster:
        print("collect: no roster imported (optional): student ids are read from the file names as they are; "
              "`make roster CSV=students.csv` first to have unknown ids pointed out.")
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        print(f"collect: {archive} is not a zip file ({error}).", file=sys.stderr)
        return 2
    with bundle:
        # oldest first, so that of two files for the same notebook the newest is the one kept in place
        for info in sorted(bundle.infolist(), key=lambda i: i.date_time):
            if info.is_dir():
                continue
            found = match_zip_name(info.filename, notebooks, roster)
            if not found:
                unmatched.append(info.filename)
                continue
            student, notebook = found
            assignment = notebooks[notebook]
            folder = submitted / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            destination = folder / f"{notebook}.ipynb"
            data = bundle.read(info)
            unknown = " (NOT on the roster: check the id)" if roster and student not in roster else ""
            if destination.exists() and destination.read_bytes() == data:
                print(f"collect: {student} {assignment} <- {info.filename}: already collected, unchanged{unknown}")
                continue
            replaced = destination.exists()
            _keep_previous(destination)
            destination.write_bytes(data)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", (*info.date_time, 0, 0, -1))  # the zip's own clock
            (folder / "timestamp.txt").write_text(stamp)
            collected[assignment] += 1
            what = "a newer file; the previous one moved to .previous/" if replaced else "new"
            print(f"collect: {student} {assignment} <- {info.filename}: {what}, submitted {stamp}{unknown}")
    for assignment, count in sorted(collected.items()):
        print(f"collect: {assignment}: {count} notebook(s) into {submitted}")
    if unmatched:
        print(f"collect: {len(unmatched)} file(s) did not match <student id>_<notebook>.ipynb and were NOT "
              f"collected (they are still in {archive}):")
        for name in unmatched:
            print(f"  {name}")
    if not collected and not unmatched:
        print("collect: nothing new in the archive.")
    return 0


def collect_exchange(config, assignments) -> int:
    grader = api(config)
    if getattr(grader, "exchange_missing", False):
        print(f"collect: nbgrader's exchange ({grader.exchange_root}) does not exist; collect from an LMS "
              f"download with `make collect ZIP=downloads.zip` instead.", file=sys.stderr)
        return 2
    status = 0
    submitted = _path(config, "submitted_directory")
    roster = set(roster_ids(config))
    for assignment in assignments:
        before = _submissions(submitted, assignment)
        result = grader.collect(assignment)
        ok = result["success"]
        status |= not ok
        print(f"collect: {assignment}: {'ok' if ok else 'FAILED'}")
        if not ok:
            print(result.get("error") or result.get("log"), file=sys.stderr)
            continue
        after = _submissions(submitted, assignment)
        for student, (stamp, files) in sorted(after.items()):
            what = ("new" if student not in before else
                    "unchanged" if before[student] == (stamp, files) else "a newer submission")
            unknown = " (NOT on the roster: check the id)" if roster and student not in roster else ""
            print(f"collect: {student} {assignment}: {', '.join(files) or 'no notebook'} submitted {stamp}: "
                  f"{what}{unknown}")
        if not after:
            print(f"collect: {assignment}: nobody has submitted it to the exchange ({grader.exchange_root}) yet.")
    return status


def _submissions(submitted: Path, assignment: str) -> dict:
    """{student: (timestamp, notebook names)} of an assignment's collected submissions."""
    found = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        stamp_file = folder / "timestamp.txt"
        stamp = stamp_file.read_text().strip() if stamp_file.exists() else "(no timestamp)"
        found[folder.parent.name] = (stamp, tuple(sorted(p.name for p in folder.glob("*.ipynb"))))
    return found


# ------------------------------------------------------------------------------------------------ feedback

def _feedback_config():
    """The course's configuration; its feedback steps and page are set there (grader/nbgrader_config.py), so that
    `nbgrader generate_feedback` and the formgrader's button write the same pages as `make feedback`."""
    return course.load_config()


def _feedback_for(pairs):
    """nbgrader's generate_feedback for some (assignment, student) pairs, in this process: [(pair, error or None)]."""
    grader = api(_feedback_config())
    done = []
    for assignment, student in pairs:
        result = grader.generate_feedback(assignment, student, force=True)
        done.append(((assignment, student), None if result["success"] else (result.get("error") or "")[-500:]))
    return done


def feedback(options) -> int:
    config = _feedback_config()
    autograded = _path(config, "autograded_directory")
    pairs = sorted((a.name, s.name) for s in autograded.iterdir() if s.is_dir() for a in s.iterdir()
                   if a.is_dir() and (not options.assignment or a.name == options.assignment)) \
        if autograded.is_dir() else []
    if not pairs:
        print(f"feedback: nothing autograded in {autograded} (run `make autograde` first).")
        return 1
    # one share of the submissions per core: each page is an nbconvert export of its own
    jobs = max(1, min(options.jobs or os.cpu_count() or 1, len(pairs)))
    shares = [pairs[i::jobs] for i in range(jobs)]
    if jobs == 1:
        done = _feedback_for(pairs)
    else:
        import concurrent.futures
        with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
            done = [item for share in pool.map(_feedback_for, shares) for item in share]
    status = 0
    for (assignment, student), error in sorted(done):
        if error is not None:
            status = 1
            print(f"feedback: {student} {assignment} FAILED: {error}", file=sys.stderr)
    print(f"feedback: {len(pairs)} submission(s) -> {_path(config, 'feedback_directory')}")
    return status


# -------------------------------------------------------------------------------------------------- grades

#: The header of nbgrader's CSV export (nbgrader.plugins.export.CsvExportPlugin, nbgrader 0.9).
EXPORT_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                  "raw_score", "late_submission_penalty", "score", "max_score"]


def export_csv(config, destination: Path) -> list[dict]:
    """nbgrader's own CSV export (`nbgrader export`, run in-process: no second Python start-up) into
    `destination`: one row per student and assignment, a student without a submission scoring 0. The file only
    replaces `destination` once it parses as a CSV with nbgrader's header; returns its rows.

    nbgrader writes the fields unquoted, so a name or e-mail with a comma or quote (which `make roster` refuses,
    but `nbgrader db student add` does not) would shift the columns: that stops here with the line named."""
    from nbgrader.apps.exportapp import ExportApp
    config = copy.deepcopy(config)
    partial = destination.with_name(destination.name + ".partial")
    config["ExportPlugin"]["to"] = str(partial)
    config["ExportPlugin"]["assignment"] = []
    config["ExportPlugin"]["student"] = []
    config["Application"]["log_level"] = "WARN"
    try:
        ExportApp(coursedir=course.coursedir(config), config=config).start()
    except UnicodeEncodeError as error:
        partial.unlink(missing_ok=True)
        raise SystemExit(f"grades: nbgrader's export writes in this locale's encoding, which cannot hold a "
                         f"student's name ({error}); run with PYTHONUTF8=1 (e.g. PYTHONUTF8=1 make grades).") \
            from None
    with open(partial, newline="") as handle:
        lines = list(csv.reader(handle))
    if not lines or lines[0] != EXPORT_COLUMNS:
        raise SystemExit(f"grades: {partial} does not start with nbgrader's header {EXPORT_COLUMNS} "
                         f"(found {lines[0] if lines else 'an empty file'}); is another exporter configured?")
    broken = [(number, line) for number, line in enumerate(lines[1:], start=2) if len(line) != len(EXPORT_COLUMNS)]
    if broken:
        shown = "\n".join(f"  line {number}: {','.join(line)}" for number, line in broken[:10])
        raise SystemExit(f"grades: nbgrader's CSV export does not quote its fields, and {len(broken)} line(s) of "
                         f"{partial} have the wrong number of fields (a name or e-mail with a comma or a quote?):\n"
                         f"{shown}\nFix those students (make roster CSV=...) and run `make grades` again; "
                         f"{destination} was left as it was.")
    partial.replace(destination)
    return [dict(zip(EXPORT_COLUMNS, line)) for line in lines[1:]]


def grades(options) -> int:
    from nbgrader.api import Gradebook
    import nbformat
    config = course.load_config()
    GRADES.mkdir(parents=True, exist_ok=True)
    csv_path = GRADES / "grades.csv"
    cdir = course.coursedir(config)
    totals, cell_passes, cell_counts = defaultdict(list), defaultdict(int), defaultdict(int)
    handed_in, scores = set(), {}
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        students = [{"id": s.id, **_student_fields(s)} for s in gradebook.students]
        order = {name: i for i, name in enumerate(course.ASSIGNMENTS)}
        assignments = sorted(((a.name, a.max_score) for a in gradebook.assignments),
                             key=lambda a: (order.get(a[0], len(order)), a[0]))
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                handed_in.add((assignment.name, submission.student.id))
                # the total the export reports: the raw score less any late penalty, never below 0
                total = max(0.0, submission.score - submission.late_submission_penalty)
                totals[assignment.name].append(total)
                scores[submission.student.id, assignment.name] = total
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        key = (assignment.name, grade.name)
                        cell_counts[key] += 1
                        cell_passes[key] += grade.score >= grade.max_score
    rows = export_csv(config, GRADES / "grades-nbgrader.csv")
    write_grades_with_status(rows, handed_in, csv_path)
    mistakes = Counter()
    autograded = _path(config, "autograded_directory")
    for path in autograded.glob("*/*/*.ipynb") if autograded.is_dir() else []:
        try:
            cells = nbformat.read(path, as_version=4).cells
        except Exception as error:  # noqa: BLE001 - an unreadable notebook must not stop the report
            print(f"grades: skipped {path} for the mistakes table ({type(error).__name__})", file=sys.stderr)
            continue
        for cell in cells:
            if not cell.metadata.get("nbgrader", {}).get("grade"):
                continue
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    for line in str(output.get("evalue", "")).splitlines():
                        if line.startswith("Likely mistake:"):
                            mistakes[line[len("Likely mistake:"):].strip()] += 1
    report = write_report(totals, cell_passes, cell_counts, mistakes)
    try:
        lms_files = lms_export.write(students, assignments, scores, GRADES)
    except lms_export.MissingLmsIds as error:
        lms_files, lms_problem = [], str(error)
    else:
        lms_problem = None
    print(f"grades: {len(rows)} row(s), one per student and assignment, with a status column -> {csv_path}\n"
          f"grades: nbgrader's own CSV export, unchanged (0 where nothing was submitted) -> "
          f"{GRADES / 'grades-nbgrader.csv'}\n"
          f"grades: report -> {report}")
    if lms_files:
        print(f"grades: for the LMS gradebook imports (one row per student, not submitted left blank): "
              f"{', '.join(str(p) for p in lms_files)}")
    else:
        print(f"grades: no Canvas or Moodle file written: {lms_problem}")
    missing = defaultdict(list)
    for row in rows:
        if (row["assignment"], row["student_id"]) not in handed_in:
            missing[row["assignment"]].append(row["student_id"])
    for assignment, scores in sorted(totals.items()):
        mean = sum(scores) / len(scores)
        absent = missing[assignment]
        names = ", ".join(absent[:10]) + (f" and {len(absent) - 10} more" if len(absent) > 10 else "")
        print(f"  {assignment}: {len(scores)} submissions, mean {mean:.1f}"
              + (f", {len(absent)} not submitted ({names}; status 'not submitted', no score)" if absent else ""))
    return 0


#: Columns of grades.csv: nbgrader's export, then whether the student submitted at all.
GRADES_COLUMNS = EXPORT_COLUMNS + ["status"]
NOT_SUBMITTED = "not submitted"


def write_grades_with_status(rows: list[dict], handed_in: set, destination: Path):
    """grades.csv: nbgrader's rows with a `status` column ("submitted" or "not submitted"); a row without a
    submission has empty scores instead of nbgrader's 0, so that it never reads as a blank notebook's 0."""
    partial = destination.with_name(destination.name + ".partial")
    with open(partial, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADES_COLUMNS)
        for row in rows:
            if (row["assignment"], row["student_id"]) in handed_in:
                writer.writerow([row[c] for c in EXPORT_COLUMNS] + ["submitted"])
            else:
                blank = {"raw_score", "late_submission_penalty", "score"}
                writer.writerow(["" if c in blank else row[c] for c in EXPORT_COLUMNS] + [NOT_SUBMITTED])
    partial.replace(destination)


def write_report(totals, cell_passes, cell_counts, mistakes) -> Path:
    import base64
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ffnn.plots import PALETTE
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Grades</title><style>body{font-family:sans-serif;"
             "max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:.2em .6em;text-align:right}th{background:#eee}td:first-child{text-align:left}</style></head>"
             "<body><main><h1>Grades at a glance</h1>"]
    for assignment, scores in sorted(totals.items()):
        fig, ax = plt.subplots(figsize=(6, 2.6), layout="constrained")
        ax.hist(scores, bins=min(20, max(5, len(set(scores)))), color=PALETTE[0], edgecolor="white")
        ax.set_xlabel("total score")
        ax.set_ylabel("students")
        ax.set_title(f"{assignment}: distribution of totals (n = {len(scores)})")
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        plt.close(fig)
        ordered = sorted(scores)
        alt = (f"Histogram of the {len(scores)} totals of {assignment}: from {ordered[0]:g} to {ordered[-1]:g}, "
               f"mean {sum(scores) / len(scores):.1f}, median {statistics.median(scores):g}.")
        parts.append(f"<h2>{assignment}</h2><img alt='{html.escape(alt, quote=True)}' src='data:image/png;base64,"
                     f"{base64.b64encode(buffer.getvalue()).decode()}'>")
        cells = sorted((k[1], cell_passes[k], cell_counts[k]) for k in cell_counts if k[0] == assignment)
        parts.append("<table><tr><th>graded cell</th><th>pass rate</th><th>passed</th><th>submissions</th></tr>")
        for name, passed, count in sorted(cells, key=lambda c: c[1] / max(c[2], 1)):
            parts.append(f"<tr><td>{name}</td><td>{passed / max(count, 1):.0%}</td><td>{passed}</td>"
                         f"<td>{count}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Most frequent named mistakes</h2><table><tr><th>mistake</th><th>times</th></tr>")
    for text, count in mistakes.most_common(20):  # text from autograded outputs: escape it
        parts.append(f"<tr><td style='text-align:left'>{html.escape(text)}</td><td>{count}</td></tr>")
    parts.append("</table>")
    parts.append(_similarity_section())
    parts.append("</main></body></html>")
    path = GRADES / "report.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _similarity_section() -> str:
    """The grades report's summary of `make similarity` (its last run), or how to add one."""
    import similarity
    summary = similarity.REPORTS / "similarity.json"
    parts = ["<h2>Similar submissions</h2>"]
    if not summary.exists():
        return parts[0] + "<p>Run <code>make similarity</code> to compare the submissions' answer cells.</p>"
    for result in json.loads(summary.read_text()):
        name = html.escape(result["assignment"])
        if len(result["students"]) < 2:
            parts.append(f"<p>{name}: fewer than two submissions, nothing to compare.</p>")
            continue
        parts.append(f"<p>{name}: {len(result['pairs'])} pair(s) of {len(result['students'])} submissions share "
                     f"at least {result['threshold']:.0%} of one student's own code (details: "
                     f"similarity-{name}.html).</p>")
        if result["pairs"]:
            parts.append("<table><tr><th>students</th><th>shared</th></tr>" + "".join(
                f"<tr><td>{html.escape(' and '.join(p['students']))}</td><td>"
                f"{p['shares'][0]:.0%} / {p['shares'][1]:.0%}</td></tr>" for p in result["pairs"]) + "</table>")
    return "".join(parts)


# -------------------------------------------------------------------------------------------------- roster

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


def _student_fields(student) -> dict:
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
        before = {s.id: _student_fields(s) for s in gradebook.students if s.id in set(ids)}
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
            stored = {s.id: _student_fields(s) for s in gradebook.students if s.id in expected}
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
    added = sum(1 for i in ids if i not in known)
    print(f"roster: {len(students)} student(s) imported into {cdir.db_url} with nbgrader's student import "
          f"({added} new, {len(students) - added} updated)")
    without = [s["id"] for s in students if not s.get("lms_user_id")]
    if without:
        print(f"roster: {len(without)} of them have no lms_user_id, so `make grades` will write no Canvas or Moodle "
              f"file until they do (add the column and import again).")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser("release")
    release_parser.add_argument("assignments", nargs="*", default=course.ASSIGNMENTS)
    collect_parser = commands.add_parser("collect", epilog=ZIP_PATTERN_HELP)
    collect_parser.add_argument("--zip", default=None, help="an LMS download (see below)")
    collect_parser.add_argument("assignments", nargs="*", default=course.ASSIGNMENTS)
    feedback_parser = commands.add_parser("feedback")
    feedback_parser.add_argument("--assignment", default=None)
    feedback_parser.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    commands.add_parser("grades")
    roster_parser = commands.add_parser("roster")
    roster_parser.add_argument("csv")
    options = parser.parse_args(argv)
    if options.command == "release":
        return release(options)
    if options.command == "collect":
        config = course.load_config()
        return collect_zip(config, Path(options.zip)) if options.zip else collect_exchange(config, options.assignments)
    if options.command == "feedback":
        return feedback(options)
    if options.command == "grades":
        return grades(options)
    return roster(options)


if __name__ == "__main__":
    sys.exit(main())
