"""Recording a graded submission: the hidden tests' verdicts and nbgrader's scores into the run's gradebook.

``finish`` decides what an executed submission's grades are (recorded, 0 for a submission without a gradable
notebook, or NOT GRADED when the grader or the environment failed, which must never erase earlier grades) and
returns the run report's entry; ``gradebook_lock`` keeps to one writer at a time.
"""

from __future__ import annotations

import copy
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))
import canary  # noqa: E402
import course  # noqa: E402

if TYPE_CHECKING:  # the job of grade_submission.py, which imports this module
    from grade_submission import Job


def last_line(text):
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][-300:] if lines else ""


class gradebook_lock:
    """One writer at a time: nbgrader's gradebook code is not written for concurrent writers."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        import fcntl
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        import fcntl
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def lock_path(db_url: str) -> Path:
    """The file ``gradebook_lock`` locks for a gradebook: beside a SQLite file, or one per database URL in the
    temporary folder (the writers of one machine)."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url[len("sqlite:///"):] + ".lock")
    import hashlib
    import tempfile
    return Path(tempfile.gettempdir()) / f"ffnn-gradebook-{hashlib.sha256(db_url.encode()).hexdigest()[:12]}.lock"


def job_config(spec):
    """nbgrader's configuration for recording this job: the run's gradebook and autograded folder."""
    config = course.load_config()
    config["CourseDirectory"]["db_url"] = spec["db_url"]
    config["CourseDirectory"]["autograded_directory"] = spec["autograded"]
    return config


def finish(spec, job: Job, seconds: float) -> dict:
    """Record the grades of an executed (or ungradable) submission in the gradebook; return its report entry.

    A submission without a gradable notebook scores 0 (nbgrader's rule). When the grader or the environment
    failed, the gradebook is left as it was and the entry says NOT GRADED: that must not erase earlier grades."""
    import nbformat
    import preprocessors
    config = job_config(spec)
    executed = Path(job.work) / "executed" / job.student / job.assignment
    if not job.notebooks:
        record_zero(config, job)
        return entry_for(config, job, seconds, graded=True)
    notebooks = sorted(executed.glob("*.ipynb")) if executed.is_dir() else []
    if not notebooks or not (Path(job.work) / "verdicts.json").is_file():
        job.notes.append("NOT GRADED: nbgrader produced no executed notebook or no verdicts (see the job's log)")
        return entry_for(config, job, seconds, graded=False)
    for path in notebooks:
        problem = preprocessors.environment_failure(nbformat.read(path, as_version=4))
        if problem:
            job.notes.append(f"NOT GRADED: {problem}; {canary.likely_fix(problem)}")
            return entry_for(config, job, seconds, graded=False)
    graded = record_grades(config, job, executed)
    if not graded["success"]:
        job.notes.append("NOT GRADED: recording the grades failed: " + last_line(graded.get("error") or
                                                                                   graded.get("log") or ""))
    return entry_for(config, job, seconds, graded=bool(graded["success"]))


def record_grades(config, job: Job, executed_dir: Path):
    """The course's recording steps (verdicts, then nbgrader's SaveAutoGrades ...) on the executed notebooks,
    into the run's gradebook."""
    import preprocessors
    staged = Path(job.work) / "graded-input" / job.student / job.assignment
    staged.mkdir(parents=True, exist_ok=True)
    for path in executed_dir.iterdir():
        if path.is_file():
            shutil.copyfile(path, staged / path.name)
    timestamp = Path(job.submitted) / "timestamp.txt"
    if timestamp.is_file() and not timestamp.is_symlink() and timestamp.stat().st_size < 200:
        shutil.copyfile(timestamp, staged / "timestamp.txt")
    merged = copy.deepcopy(config)
    merged["CourseDirectory"]["submitted_directory"] = str(Path(job.work) / "graded-input")
    merged["Autograde"]["sanitize_preprocessors"] = []
    merged["Autograde"]["autograde_preprocessors"] = preprocessors.RECORD
    merged["ApplyHiddenVerdicts"]["verdicts_file"] = str(Path(job.work) / "verdicts.json")
    api = course.api(merged)
    return api.autograde(job.assignment, job.student, force=True, create=True)


def record_zero(config, job: Job):
    """A submission with no gradable notebook: every graded cell scores 0 (nbgrader's own rule for a missing
    notebook), and the reason stays in the report."""
    from nbgrader.api import Gradebook
    cdir = course.coursedir(config)
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        gradebook.update_or_create_student(job.student)
        submission = gradebook.update_or_create_submission(job.assignment, job.student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()


def scores(config, assignment, student):
    from nbgrader.api import Gradebook, MissingEntry
    with Gradebook(course.coursedir(config).db_url, course.coursedir(config).course_id) as gradebook:
        try:
            submission = gradebook.find_submission(assignment, student)
        except MissingEntry:
            return None
        return submission.score, submission.max_score


def entry_for(config, job: Job, seconds: float, graded: bool) -> dict:
    score = scores(config, job.assignment, job.student) if graded else None
    return {"assignment": job.assignment, "student": job.student, "graded": graded,
            "score": None if score is None else score[0], "max_score": None if score is None else score[1],
            "seconds": round(seconds, 1), "notes": job.notes}
