"""`make grades`: grades.csv (nbgrader's columns plus a status that keeps "not submitted" apart from 0), the
LMS files (lms_export) and the at-a-glance report (grades.html, with the similarity section).
"""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import os
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import lms_export  # noqa: E402
from roster import student_fields  # noqa: E402

GRADES = Path(os.environ.get("FFNN_GRADES", course.ROOT / "grader" / "grades"))

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
        students = [{"id": s.id, **student_fields(s)} for s in gradebook.students]
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
    autograded = course.folder(config, "autograded_directory")
    for path in autograded.glob("*/*/*.ipynb") if autograded.is_dir() else []:
        try:
            cells = nbformat.read(path, as_version=4).cells
        except Exception as error:  # noqa: BLE001 - an unreadable notebook must not stop the report
            why = (str(error).strip().splitlines() or [""])[0][:200]
            print(f"grades: skipped {path} for the mistakes table: not a readable notebook ({type(error).__name__}"
                  f"{': ' + why if why else ''}); the file was left as it is", file=sys.stderr)
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
    lms = lms_export.write(students, assignments, scores, GRADES)
    print(f"grades: {len(rows)} row(s), one per student and assignment, with a status column -> {csv_path}\n"
          f"grades: nbgrader's own CSV export, unchanged (0 where nothing was submitted) -> "
          f"{GRADES / 'grades-nbgrader.csv'}\n"
          f"grades: report -> {report}")
    if lms.written:
        print(f"grades: for the LMS gradebook imports (one row per student, not submitted left blank): "
              f"{', '.join(str(p) for p in lms.written)}")
    for problem in lms.not_written:
        print(f"grades: {problem}")
    for old, new in lms.moved_aside:
        print(f"grades: {old} is from an earlier run and may no longer match the gradebook: moved aside to {new} "
              f"(not deleted)")
    missing = defaultdict(list)
    for row in rows:
        if (row["assignment"], row["student_id"]) not in handed_in:
            missing[row["assignment"]].append(row["student_id"])
    for assignment, scores in sorted(totals.items()):
        mean = sum(scores) / len(scores)
        absent = missing[assignment]
        names = lms_export.named(absent)
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
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Grades</title>"
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{background:#eee}"
             "td:first-child{text-align:left}</style></head>"
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
