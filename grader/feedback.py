"""`make feedback`: the HTML feedback of every autograded submission, without the hidden tests."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402


def _feedback_config():
    """The course's configuration; its feedback steps and page are set there (grader/nbgrader_config.py), so that
    `nbgrader generate_feedback` and the formgrader's button write the same pages as `make feedback`."""
    return course.load_config()


def _feedback_for(pairs):
    """nbgrader's generate_feedback for some (assignment, student) pairs, in this process: [(pair, error or None)]."""
    grader = course.api(_feedback_config())
    done = []
    for assignment, student in pairs:
        result = grader.generate_feedback(assignment, student, force=True)
        done.append(((assignment, student), None if result["success"] else (result.get("error") or "")[-500:]))
    return done


def generate(pairs, jobs=None):
    """The feedback pages of (assignment, student) pairs, one share of them per core (each page is an nbconvert
    export of its own): [(pair, error or None)]. Also used by the hub's grading on submit."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(pairs)))
    if jobs == 1:
        return _feedback_for(pairs)
    import concurrent.futures
    with concurrent.futures.ProcessPoolExecutor(jobs) as pool:
        return [item for share in pool.map(_feedback_for, [pairs[i::jobs] for i in range(jobs)]) for item in share]


def feedback(options) -> int:
    config = _feedback_config()
    autograded = course.folder(config, "autograded_directory")
    pairs = sorted((a.name, s.name) for s in autograded.iterdir() if s.is_dir() for a in s.iterdir()
                   if a.is_dir() and (not options.assignment or a.name == options.assignment)) \
        if autograded.is_dir() else []
    if not pairs:
        print(f"feedback: nothing autograded in {autograded} (run `make autograde` first).")
        return 1
    done = generate(pairs, options.jobs)
    status = 0
    for (assignment, student), error in sorted(done):
        if error is not None:
            status = 1
            print(f"feedback: {student} {assignment} FAILED: {error}", file=sys.stderr)
    print(f"feedback: {len(pairs)} submission(s) -> {course.folder(config, 'feedback_directory')}")
    return status



#: The header of nbgrader's CSV export (nbgrader.plugins.export.CsvExportPlugin, nbgrader 0.9).
