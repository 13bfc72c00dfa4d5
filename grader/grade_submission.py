"""One submission, graded in a worker process: staged, executed in the sandbox and judged, then recorded.

    python grader/grade_submission.py worker-loop     (started by worker_pool.Worker; one job spec path per line)

``grade(spec_path)`` stages a copy of the submission (staging.py; the submission is never modified), runs
nbgrader's autograde on it with the course's steps (preprocessors/: metadata restored from the gradebook,
sandboxed execution, hidden tests judged outside the kernel) against a private copy of the gradebook, then records
the grades in the run's gradebook, one writer at a time (record_grades.py). ``worker_loop`` is the worker
process's main loop; each job's output goes to its own log.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import record_grades  # noqa: E402
import staging  # noqa: E402


#: Test hook, comma-separated: "<student>:once" makes the first worker given that student's job fail it (and every
#: job after it, as a broken worker does); "<student>:always" fails every attempt. Used by the tests of retries.
FAULT = "FFNN_GRADER_FAULT"


@dataclass
class Job:
    assignment: str
    student: str
    submitted: str          # the student's submission folder (read only)
    work: str               # this job's scratch folder
    slot: int = 0
    attempt: int = 1
    canary: bool = False
    notes: list = field(default_factory=list)
    notebooks: list = field(default_factory=list)   # notebook names (no .ipynb) that were staged


def _nbgrader_overrides(spec, work: Path) -> dict:
    """The course's steps, on this job's private copy of everything (gradebook included)."""
    import preprocessors
    return {
        "CourseDirectory.root": str(work), "CourseDirectory.source_directory": "source",
        "CourseDirectory.submitted_directory": "submitted", "CourseDirectory.autograded_directory": "executed",
        "CourseDirectory.feedback_directory": "feedback", "CourseDirectory.db_url": f"sqlite:///{work}/gradebook.db",
        "OverwriteCells.add_missing_cells": True,
        "Autograde.sanitize_preprocessors": preprocessors.SANITIZE,
        "Autograde.autograde_preprocessors": preprocessors.EXECUTE,
        "CourseStep.notes_file": str(work / "notes.txt"),
        "SandboxedExecute.cell_timeout": spec["cell_timeout"],
        "SandboxedExecute.notebook_timeout": spec["notebook_timeout"],
        "SandboxedExecute.restarts": spec["restarts"], "SandboxedExecute.hang_budget": spec["hang_budget"],
        "SandboxedExecute.slot": spec["job"]["slot"], "SandboxedExecute.scratch": spec["shared"],
        "SandboxedExecute.verdicts_file": str(work / "verdicts.json"),
        "SandboxedExecute.use_sandbox": spec["sandbox"],
    }


def grade(spec_path: str) -> int:
    """One submission, in a worker process: stage it, execute and judge it on private copies, then record the
    grades (one writer at a time, under a lock). Writes result.json next to the spec."""
    spec = json.loads(Path(spec_path).read_text())
    job = Job(**spec["job"])
    _inject_fault(job)
    work = Path(job.work)
    started = time.monotonic()
    phases = {}
    job.notebooks = staging.stage(Path(job.submitted), work / "submitted" / job.student / job.assignment,
                                  job.assignment, spec["max_file_mb"], job.notes)
    shutil.copytree(course.SOURCE / job.assignment, work / "source" / job.assignment)
    shutil.copyfile(spec["template"], work / "gradebook.db")
    phases["prepare"] = time.monotonic() - started
    if job.notebooks:
        local = course.load_config(**_nbgrader_overrides(spec, work))
        result = course.api(local).autograde(job.assignment, job.student, force=True, create=True)
        if (work / "notes.txt").exists():
            job.notes += [line for line in (work / "notes.txt").read_text().splitlines() if line]
        if not result["success"]:
            job.notes.append("nbgrader could not autograde: " + record_grades.last_line(result.get("error") or
                                                                           result.get("log") or ""))
    phases["execute"] = time.monotonic() - started - phases["prepare"]
    waited = time.monotonic()
    with record_grades.gradebook_lock(spec["lock"]):
        phases["lock wait"] = time.monotonic() - waited
        entry = record_grades.finish(spec, job, time.monotonic() - started)
    phases["record"] = time.monotonic() - waited - phases["lock wait"]
    entry["phases"] = {k: round(v, 2) for k, v in phases.items()}
    (work / "result.json").write_text(json.dumps(entry))
    return 0


_BROKEN = False


def _inject_fault(job: Job) -> None:
    global _BROKEN
    if _BROKEN:
        raise RuntimeError("injected fault: this worker is broken")
    for item in filter(None, os.environ.get(FAULT, "").split(",")):
        student, _, kind = item.partition(":")
        if job.student == student and (kind == "always" or kind == "once" and job.attempt == 1):
            _BROKEN = kind == "once"
            raise RuntimeError(f"injected fault ({FAULT}={item})")


def worker_loop() -> int:
    """``grade_submission.py worker-loop``: grade the jobs named on stdin, one at a time; each job's output (and any
    traceback) goes to the job's own log, job.log in its folder."""
    # The 'done' answers get a private copy of stdout; fd 1 and 2 become the log, so nothing a kernel (or the
    # code it runs) writes to its inherited stdout can be taken for an answer.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    worker_log = os.dup(2)
    environment = dict(os.environ)
    for line in sys.stdin:
        os.environ.clear()
        os.environ.update(environment)
        spec_path = Path(line.strip())
        job_log = os.open(spec_path.parent / "job.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(job_log, 1)
        os.dup2(job_log, 2)
        try:
            grade(str(spec_path))
        except BaseException:  # noqa: BLE001 - the job's missing result.json tells the main process
            import traceback
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(worker_log, 1)
            os.dup2(worker_log, 2)
            os.close(job_log)
        answers.write("done\n")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["worker-loop"]:
        sys.exit("usage: grade_submission.py worker-loop (a grading worker, started by `make autograde`)")
    sys.exit(worker_loop())
