"""Similar submissions: every pair of an assignment's submissions compared on what the students wrote.

    python grader/similarity.py [--assignment A] [--threshold 0.5]      # make similarity

Only the answer cells are compared (the cells the source notebook marks as solutions, found by their nbgrader
grade id); the code every student was given there (signatures, docstrings, the stub) is excluded as boilerplate.
The detector is copydetect's winnowing (the algorithm of MOSS): code is tokenized with variable and function names
replaced by one symbol, so renaming does not hide a copy, and fingerprints of 25-token windows are compared, so
reordering lines or functions does not either. A pair is listed when, for either student, at least ``threshold``
of their own (non-given) code is shared with the other. The report shows each listed pair's answers side by side
with the shared code marked; `make grades` adds a section from the same data.

Writes grader/reports/similarity-<assignment>.html and similarity.json. Unreadable submissions are listed and
skipped, never changed; an assignment with fewer than two readable submissions is reported as such.
"""

from __future__ import annotations

import argparse
import html
import io
import itertools
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402

REPORTS = Path(os.environ.get("FFNN_REPORTS", course.ROOT / "grader" / "reports"))
NOISE_TOKENS = 25      # shorter shared runs are not reported (copydetect's default noise threshold)
GUARANTEE_TOKENS = 30  # shared runs this long are always found (its default guarantee threshold)
DEFAULT_THRESHOLD = 0.5


def answer_ids(assignment: str) -> list[str]:
    """Grade ids of the answer cells of the assignment's source notebook, in order."""
    import nbformat
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def answers(path: Path, ids: list[str]) -> str:
    """The code of a notebook's answer cells (by grade id), in the notebook's own order. Raises ValueError."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"not a readable notebook ({type(error).__name__}: {str(error)[:80]})") from None
    wanted, parts = set(ids), []
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if cell.get("cell_type") == "code" and meta.get("grade_id") in wanted:
            source = cell.get("source", "")
            parts.append("".join(source) if isinstance(source, list) else str(source))
    return "\n\n".join(parts) + "\n"


def _fingerprint(code: str, boilerplate=None):
    from copydetect import CodeFingerprint
    return CodeFingerprint("answers.py", NOISE_TOKENS, GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                           boilerplate=boilerplate, fp=io.StringIO(code))


def compare(assignment: str, submitted: Path, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """{'assignment', 'threshold', 'students', 'skipped': {student: why}, 'pairs': [...] (listed ones, most similar
    first; each with both students' shares, their answer code and the shared character ranges)}."""
    from copydetect import compare_files
    ids = answer_ids(assignment)
    given = answers(course.release_notebook(assignment), ids)
    boilerplate = sorted(_fingerprint(given).hashes)
    codes, skipped = {}, {}
    for folder in sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir()):
        student = folder.parent.name
        notebooks = sorted(folder.glob("*.ipynb"))
        if not notebooks:
            skipped[student] = "no notebook in the submission"
            continue
        try:
            codes[student] = answers(notebooks[0], ids)
        except ValueError as error:
            skipped[student] = f"{notebooks[0].name}: {error}"
    prints = {student: _fingerprint(code, boilerplate) for student, code in codes.items()}
    pairs = []
    for a, b in itertools.combinations(sorted(prints), 2):
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        if overlap and max(share_a, share_b) >= threshold:
            pairs.append({"students": [a, b], "shares": [float(share_a), float(share_b)],
                          "shared_tokens": int(overlap), "code": [codes[a], codes[b]],
                          "slices": [_ranges(slices_a), _ranges(slices_b)]})
    pairs.sort(key=lambda p: -max(p["shares"]))
    return {"assignment": assignment, "threshold": threshold, "students": sorted(codes), "skipped": skipped,
            "pairs": pairs}


def _ranges(slices) -> list[list[int]]:
    return [[int(start), int(end)] for start, end in zip(*slices)] if len(slices) and len(slices[0]) else []


def _marked(code: str, ranges) -> str:
    out, last = [], 0
    for start, end in sorted(ranges):
        out.append(html.escape(code[last:start]))
        out.append(f"<mark>{html.escape(code[start:end])}</mark>")
        last = end
    out.append(html.escape(code[last:]))
    return "".join(out)


def write_report(result: dict, folder: Path) -> Path:
    """similarity-<assignment>.html: the listed pairs, each with both answers side by side, shared code marked."""
    assignment = html.escape(result["assignment"])
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Similar submissions: {assignment}"
             "</title><style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}"
             "td{vertical-align:top;border:1px solid #ccc;padding:.3em;width:50%}pre{white-space:pre-wrap;"
             "overflow-wrap:anywhere;font-size:.85em;margin:0}mark{background:#fdd49e;outline:1px solid #b35806}"
             "</style></head><body>",
             f"<h1>Similar submissions: {assignment}</h1>",
             f"<p>{len(result['students'])} submission(s) compared on their answer cells, the given code excluded; "
             f"pairs listed where at least {result['threshold']:.0%} of one student's own code is shared with the "
             f"other (marked). Similar code is a reason to look, not a verdict.</p>"]
    if not result["pairs"]:
        parts.append("<p>No pair reaches the threshold.</p>")
    for pair in result["pairs"]:
        a, b = (html.escape(s) for s in pair["students"])
        parts.append(f"<h2>{a} and {b}: {pair['shares'][0]:.0%} of {a}'s code, {pair['shares'][1]:.0%} of {b}'s"
                     f"</h2><table><tr><th scope='col'>{a}</th><th scope='col'>{b}</th></tr><tr>"
                     + "".join(f"<td><pre>{_marked(code, ranges)}</pre></td>"
                               for code, ranges in zip(pair["code"], pair["slices"])) + "</tr></table>")
    if result["skipped"]:
        parts.append("<h2>Not compared</h2><ul>" + "".join(
            f"<li>{html.escape(s)}: {html.escape(why)}</li>" for s, why in sorted(result["skipped"].items()))
                     + "</ul>")
    parts.append("</body></html>")
    path = folder / f"similarity-{result['assignment']}.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", action="append", default=None, help="(repeatable) default: every one")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"share of a student's own code (default {DEFAULT_THRESHOLD})")
    options = parser.parse_args(argv)
    if not 0 < options.threshold <= 1:
        parser.error(f"--threshold is a share between 0 and 1, not {options.threshold}")
    unknown = [a for a in options.assignment or [] if a not in course.ASSIGNMENTS]
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; choose from {course.ASSIGNMENTS}")
    submitted = course.folder(course.load_config(), "submitted_directory")
    REPORTS.mkdir(parents=True, exist_ok=True)
    results = []
    for assignment in options.assignment or course.ASSIGNMENTS:
        result = compare(assignment, submitted, options.threshold)
        for student, why in sorted(result["skipped"].items()):
            print(f"similarity: {assignment}: skipped {student}: {why}")
        if len(result["students"]) < 2:
            print(f"similarity: {assignment}: {len(result['students'])} readable submission(s) in {submitted}: "
                  f"nothing to compare.")
            results.append(result)
            continue
        report = write_report(result, REPORTS)
        print(f"similarity: {assignment}: {len(result['students'])} submissions, "
              f"{len(result['students']) * (len(result['students']) - 1) // 2} pairs, {len(result['pairs'])} at or "
              f"above {options.threshold:.0%} -> {report}")
        for pair in result["pairs"]:
            print(f"  {pair['students'][0]} and {pair['students'][1]}: {pair['shares'][0]:.0%} / "
                  f"{pair['shares'][1]:.0%} shared")
        results.append(result)
    summary = REPORTS / "similarity.json"
    summary.write_text(json.dumps([{k: v for k, v in r.items() if k != "pairs"}
                                   | {"pairs": [{k: p[k] for k in ("students", "shares")} for p in r["pairs"]]}
                                   for r in results], indent=1))
    print(f"similarity: summary for `make grades` -> {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
