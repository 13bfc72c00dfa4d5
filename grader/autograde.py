"""Autograde submissions in parallel, sandboxed, with verdicts the student's code cannot influence.

    python grader/autograde.py [--assignment A] [--student S] [--jobs N] [--no-sandbox]   (make autograde)

The run:

1. refuses to start under a Python whose ``ffnn`` is not this clone's, or on a machine that cannot sandbox;
2. grades the canary first (canary.py): each assignment's source notebook, exactly as a student's, into a scratch
   gradebook; anything less than full marks stops the run before any student is graded, gradebook untouched;
3. grades every submission (grader/submitted/<student>/<assignment>/) in long-lived worker processes, one per
   core. A worker stages a copy (staging.py; the submission is never modified), runs nbgrader's autograde on it
   with the course's steps (preprocessors/: metadata restored from the gradebook, sandboxed execution, hidden
   tests judged outside the kernel) against a private copy of the gradebook, then records the grades in the
   real gradebook (one writer at a time) with the same verdict step and nbgrader's SaveAutoGrades;
4. a job that fails on the grader's side is retried once on a fresh worker (fresh process, fresh sandbox slot);
   the failed worker gets no other job, and the job's log is kept in grader/reports/;
5. ends with a summary table (students, scores, NOT GRADED and why) and a JSON report in grader/reports/.

A submission is NOT GRADED (nothing recorded, said in the summary) when its provided code failed before any student
code ran, or when grading failed twice: a broken environment or grader never turns into zeros.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import canary  # noqa: E402
import course  # noqa: E402
import hidden_cases  # noqa: E402
import sandbox  # noqa: E402
import staging  # noqa: E402

ROOT = course.ROOT
GRADER = ROOT / "grader"
REPORTS = GRADER / "reports"
DEFAULTS = {"cell_timeout": 60, "notebook_timeout": 600, "max_file_mb": 20, "restarts": 3, "hang_budget": 120}
SLOTS = 64  # sandbox slots (sandbox.claim_slot): each worker claims a free one for its life
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


def coursedir(config):
    from nbgrader.coursedir import CourseDirectory
    return CourseDirectory(config=config)


def discover(cdir, assignment=None, student=None) -> list[tuple[str, str, Path]]:
    submitted = Path(cdir.root) / cdir.submitted_directory
    found = []
    if not submitted.is_dir():
        return found
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if student and student_dir.name != student:
            continue
        for assignment_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if assignment and assignment_dir.name != assignment:
                continue
            if assignment_dir.name not in course.ASSIGNMENTS:
                continue
            found.append((assignment_dir.name, student_dir.name, assignment_dir))
    return found


def foreign_package() -> str | None:
    """Why this Python's ``ffnn`` is not this clone's (the sandbox mounts this clone's), or None."""
    try:
        import ffnn
    except ImportError as error:
        return f"this Python ({sys.executable}) cannot import ffnn ({error})"
    found = Path(ffnn.__file__).resolve().parent
    if found != sandbox.PACKAGE.resolve():
        return (f"this Python ({sys.executable}) imports ffnn from {found}, not from this clone's "
                f"{sandbox.PACKAGE}")
    return None


# ----------------------------------------------------------------------------------------------------------------
# One submission (worker side)
# ----------------------------------------------------------------------------------------------------------------

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


def worker(spec_path: str) -> int:
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
        from nbgrader.apps import NbGraderAPI
        local = course.load_config(**_nbgrader_overrides(spec, work))
        result = NbGraderAPI(coursedir=coursedir(local), config=local).autograde(job.assignment, job.student,
                                                                                 force=True, create=True)
        if (work / "notes.txt").exists():
            job.notes += [line for line in (work / "notes.txt").read_text().splitlines() if line]
        if not result["success"]:
            job.notes.append("nbgrader could not autograde: " + _last_line(result.get("error") or
                                                                           result.get("log") or ""))
    phases["execute"] = time.monotonic() - started - phases["prepare"]
    waited = time.monotonic()
    with gradebook_lock(spec["lock"]):
        phases["lock wait"] = time.monotonic() - waited
        entry = finish(spec, job, time.monotonic() - started)
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


def _last_line(text):
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
        job.notes.append("NOT GRADED: recording the grades failed: " + _last_line(graded.get("error") or
                                                                                   graded.get("log") or ""))
    return entry_for(config, job, seconds, graded=bool(graded["success"]))


def record_grades(config, job: Job, executed_dir: Path):
    """The course's recording steps (verdicts, then nbgrader's SaveAutoGrades ...) on the executed notebooks,
    into the run's gradebook."""
    from nbgrader.apps import NbGraderAPI
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
    api = NbGraderAPI(coursedir=coursedir(merged), config=merged)
    return api.autograde(job.assignment, job.student, force=True, create=True)


def record_zero(config, job: Job):
    """A submission with no gradable notebook: every graded cell scores 0 (nbgrader's own rule for a missing
    notebook), and the reason stays in the report."""
    from nbgrader.api import Gradebook
    cdir = coursedir(config)
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
    with Gradebook(coursedir(config).db_url, coursedir(config).course_id) as gradebook:
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


# ----------------------------------------------------------------------------------------------------------------
# Workers
# ----------------------------------------------------------------------------------------------------------------

class Worker:
    """A long-lived grading process (its own session, so it can be killed with everything it started): it reads
    one job spec path per line and answers 'done' when the job's result.json is written."""

    def __init__(self, log_path: Path, claim):
        self.log_path, self.claim, self.slot = log_path, claim, claim.slot
        self.log = open(log_path, "a")
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "worker-loop"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        start_new_session=True, bufsize=1)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.buffer = ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, spec_path: Path):
        self.process.stdin.write(f"{spec_path}\n")
        self.process.stdin.flush()

    def poll_done(self) -> bool:
        try:
            self.buffer += self.process.stdout.read() or ""
        except (BlockingIOError, TypeError):
            pass
        if "done\n" in self.buffer:
            self.buffer = self.buffer.replace("done\n", "", 1)
            return True
        return False

    def kill(self):
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        self.log.close()
        self.claim.release()


def worker_loop() -> int:
    """``autograde.py worker-loop``: grade the jobs named on stdin, one at a time; each job's output (and any
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
            worker(str(spec_path))
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


class Progress:
    def __init__(self, total):
        self.total, self.done, self.start = total, 0, time.monotonic()
        self.tty = sys.stdout.isatty()

    def update(self, line):
        self.done += 1
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        elapsed = time.monotonic() - self.start
        text = f"[{bar}] {self.done}/{self.total} {elapsed:6.1f} s  {line}"
        print(("\r" + text.ljust(110)) if self.tty else text, end="" if self.tty else "\n", flush=True)

    def close(self):
        if self.tty:
            print()


class _Kept:
    """A claim handed over to the pool (see Pool._retire): releasing it does nothing."""

    def release(self):
        pass


class Pool:
    """Runs jobs on ``size`` workers. A job that fails on the grader's side (no result: an exception, a worker
    that died or passed the wall-clock cap) is retried once on a fresh worker in a fresh sandbox slot; the worker
    that failed gets no other job. The logs of failed attempts are copied to ``evidence``."""

    def __init__(self, size, scratch: Path, evidence: Path, cap: float, make_spec):
        self.size, self.scratch, self.evidence, self.cap, self.make_spec = size, scratch, evidence, cap, make_spec
        self.workers = {}        # index -> Worker
        self.retired = []        # claims of failed workers' slots, kept until the end: the next worker gets another
        self.retried = []

    def _retire(self, index, failed=False):
        worker = self.workers.pop(index, None)
        if worker is None:
            return
        if failed:  # its slot stays claimed until the run ends, so the fresh worker gets a fresh slot
            self.retired.append(worker.claim)
            worker.claim = _Kept()
        worker.kill()

    def close(self):
        for index in list(self.workers):
            self._retire(index)
        for claim in self.retired:
            claim.release()
        self.retired = []

    def run(self, jobs, on_done):
        pending, busy = list(jobs), {}
        try:
            while pending or busy:
                for index in range(self.size):
                    if index in busy or not pending:
                        continue
                    if index not in self.workers or not self.workers[index].alive():
                        self._retire(index)
                        claim = sandbox.claim_slot(0, SLOTS)
                        self.workers[index] = Worker(self.scratch / f"worker-{index}-slot-{claim.slot}.log", claim)
                    worker = self.workers[index]
                    job = pending.pop(0)
                    job.slot = worker.slot
                    job.work = str(self.scratch / f"{job.student}--{job.assignment}--{job.attempt}")
                    Path(job.work).mkdir(parents=True)
                    worker.send(self.make_spec(job))
                    busy[index] = (job, time.monotonic())
                time.sleep(0.05)
                for index, (job, started) in list(busy.items()):
                    worker = self.workers[index]
                    finished = worker.poll_done()
                    if not finished and worker.alive() and time.monotonic() - started <= self.cap:
                        continue
                    del busy[index]
                    result = Path(job.work) / "result.json"
                    if finished and result.exists():
                        on_done(job, json.loads(result.read_text()))
                        continue
                    why = ("the grading step raised an error" if finished else
                           "the wall-clock cap was reached" if worker.alive() else
                           f"the worker exited ({worker.process.returncode})")
                    log = self._keep_evidence(job, worker)
                    self._retire(index, failed=True)  # a worker that failed once gets no other job
                    if job.attempt == 1:
                        self.retried.append(f"{job.student} {job.assignment}: {why}; log {log}")
                        pending.insert(0, Job(job.assignment, job.student, job.submitted, "", attempt=2,
                                              canary=job.canary))
                        continue
                    notes = job.notes + [f"NOT GRADED: grading failed twice ({why}); see {log}"]
                    on_done(job, {"assignment": job.assignment, "student": job.student, "graded": False,
                                  "score": None, "max_score": None,
                                  "seconds": round(time.monotonic() - started, 1), "notes": notes})
        except BaseException:
            self.close()
            raise

    def _keep_evidence(self, job, worker) -> Path:
        """The failed attempt's own log and its worker's log, kept with the run's report."""
        self.evidence.mkdir(parents=True, exist_ok=True)
        target = self.evidence / f"{job.student}--{job.assignment}--attempt-{job.attempt}.log"
        parts = []
        for label, path in (("job log", Path(job.work) / "job.log"), ("worker log", worker.log_path)):
            try:
                parts.append(f"===== {label}: {path}\n{path.read_text(errors='replace')[-200_000:]}")
            except OSError as error:
                parts.append(f"===== {label}: {path} could not be read ({error})")
        target.write_text("\n".join(parts))
        return target


# ----------------------------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------------------------

def template_gradebook(config, assignments, scratch: Path) -> Path:
    """A gradebook that knows the assignments (cells, points): each job's private copy is where nbgrader's
    sanitizing steps look up the original cells. A SQLite main gradebook is simply copied; for another database
    one is generated once for the run."""
    template = scratch / "template.db"
    db_url = coursedir(config).db_url
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(db_url[len("sqlite:///"):], template)
        return template
    from nbgrader.apps import NbGraderAPI
    root = scratch / "template"
    (root / "source").mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(course.SOURCE / assignment, root / "source" / assignment)
    overrides = copy.deepcopy(config)
    overrides["CourseDirectory"]["root"] = str(root)
    overrides["CourseDirectory"]["source_directory"] = "source"
    overrides["CourseDirectory"]["release_directory"] = "release"
    overrides["CourseDirectory"]["db_url"] = f"sqlite:///{template}"
    api = NbGraderAPI(coursedir=coursedir(overrides), config=overrides)
    for assignment in assignments:
        result = api.generate_assignment(assignment)
        if not result["success"]:
            raise SystemExit(f"autograde: cannot read the assignment {assignment}: {result.get('error')}")
    return template


def ensure_assignments_in_gradebook(config, assignments):
    """The main gradebook must know each assignment (as `make release` records it); add what is missing."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.apps import NbGraderAPI
    missing = []
    with Gradebook(coursedir(config).db_url, coursedir(config).course_id) as gradebook:
        for assignment in assignments:
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                missing.append(assignment)
    if missing:
        with tempfile.TemporaryDirectory() as scratch:
            overrides = copy.deepcopy(config)
            overrides["CourseDirectory"]["release_directory"] = scratch
            api = NbGraderAPI(coursedir=coursedir(overrides), config=overrides)
            for assignment in missing:
                result = api.generate_assignment(assignment)
                if not result["success"]:
                    raise SystemExit(f"autograde: cannot add {assignment} to the gradebook: {result.get('error')}")


def refusal(options) -> str | None:
    """Why this run must not start, or None."""
    problem = foreign_package()
    if problem:
        return f"{problem}.\n  The sandbox would not find the course package: run `make env` in this clone and " \
               f"grade with `make autograde` (it uses this clone's .venv/bin/python)."
    if not options.no_sandbox:
        ok, why = sandbox.available()
        if not ok:
            return f"the sandbox is not available: {why}.\n  Refusing to run student code without it; pass " \
                   f"--no-sandbox only for trusted submissions."
    return None


def run(options) -> int:
    problem = refusal(options)
    if problem:
        print(f"autograde: {problem}", file=sys.stderr)
        return 2
    config = course.load_config()
    if options.db_url:
        config["CourseDirectory"]["db_url"] = options.db_url
    for option, key in (("submitted", "submitted_directory"), ("autograded", "autograded_directory")):
        if getattr(options, option):
            config["CourseDirectory"][key] = str(Path(getattr(options, option)).resolve())
    cdir = coursedir(config)
    if cdir.db_url.startswith("sqlite:///"):
        Path(cdir.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    submissions = discover(cdir, options.assignment, options.student)
    if not submissions:
        where = Path(cdir.root) / cdir.submitted_directory
        print(f"autograde: no submissions in {where} for assignment={options.assignment or 'any'} "
              f"student={options.student or 'any'} (run `make collect` first).")
        return 1
    assignments = sorted({a for a, _, _ in submissions})
    hidden_cases.ensure_secret()
    ensure_assignments_in_gradebook(config, assignments)
    jobs_n = max(1, options.jobs or os.cpu_count() or 1)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    evidence = REPORTS / f"autograde-{stamp}-{os.getpid()}-logs"
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-autograde-"))
    scratch.chmod(0o755)
    (scratch / "shared").mkdir()
    (scratch / "shared").chmod(0o755)
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "jobs": jobs_n, "sandbox": not options.no_sandbox,
              "canary": [], "submissions": [], "retried": []}
    try:
        template = template_gradebook(config, assignments, scratch)
        canary_db = scratch / "canary.db"
        shutil.copyfile(template, canary_db)
        lock = Path(cdir.db_url[len("sqlite:///"):] + ".lock") if cdir.db_url.startswith("sqlite:///") \
            else Path(tempfile.gettempdir()) / f"ffnn-gradebook-{hashlib.sha256(cdir.db_url.encode()).hexdigest()[:12]}.lock"

        def make_spec(job: Job) -> Path:
            spec = {"job": asdict(job), "template": str(template), "shared": str(scratch / "shared"),
                    "sandbox": not options.no_sandbox, "cell_timeout": options.cell_timeout,
                    "notebook_timeout": options.notebook_timeout, "restarts": DEFAULTS["restarts"],
                    "hang_budget": options.hang_budget, "max_file_mb": options.max_file_mb,
                    "db_url": f"sqlite:///{canary_db}" if job.canary else cdir.db_url,
                    "autograded": str(scratch / "canary-autograded") if job.canary else
                    str(Path(cdir.root) / cdir.autograded_directory),
                    "lock": str(scratch / "canary.lock") if job.canary else str(lock)}
            path = Path(job.work) / "spec.json"
            path.write_text(json.dumps(spec))
            return path

        cap = options.notebook_timeout * 1.5 + 120
        pool = Pool(jobs_n, scratch, evidence, cap, make_spec)
        print(f"autograde: canary first (each assignment's solution, graded like a student's), {jobs_n} in parallel, "
              f"sandbox {'OFF' if options.no_sandbox else 'on'}")
        canaries = [Job(a, f"canary-{a}", str(course.SOURCE / a), "", canary=True) for a in assignments]
        pool.run(canaries, lambda job, entry: report["canary"].append(entry))
        broken = canary_problems(report["canary"], scratch / "canary-autograded")
        if broken:
            print("autograde: the canary failed, so the grading environment is broken; no student was graded and "
                  "the gradebook is untouched.\n  " + "\n  ".join(broken), file=sys.stderr)
            report["stopped"] = "canary failed"
            _write_report(report, stamp, cdir, evidence, pool)
            return 3
        marks = ", ".join(f"{e['assignment']} {e['score']:g}/{e['max_score']:g}" for e in report["canary"])
        print(f"autograde: canary passed ({marks}); {len(submissions)} submission(s)")
        progress = Progress(len(submissions))

        def done(job, entry):
            report["submissions"].append(entry)
            total = "-" if entry["score"] is None else f"{entry['score']:g}/{entry['max_score']:g}"
            progress.update(f"{job.student} {job.assignment} {total}")

        try:
            pool.run([Job(a, s, str(path), "") for a, s, path in submissions], done)
        finally:
            progress.close()
            pool.close()
        print_summary(report)
        _write_report(report, stamp, cdir, evidence, pool)
        return 0 if all(e["graded"] for e in report["submissions"]) else 1
    finally:
        if "pool" in locals():
            pool.close()
        sandbox.unmount_below(scratch)
        if not options.keep:
            shutil.rmtree(scratch, ignore_errors=True)


def canary_problems(entries, autograded: Path) -> list[str]:
    """What keeps the canary from full marks: one line per failing cell, or the canary's own notes."""
    problems = []
    for entry in entries:
        if entry["graded"] and entry["score"] is not None and entry["score"] == entry["max_score"]:
            continue
        score = "not graded" if entry["score"] is None else f"{entry['score']:g} of {entry['max_score']:g}"
        problems.append(f"{entry['assignment']} (the solution itself) scored {score}:")
        cells = canary.failures(autograded / entry["student"] / entry["assignment"])
        problems += [f"  {line}" for line in cells]
        if not cells:
            problems += [f"  {note}" for note in entry["notes"]] or ["  (no notes: see the report's logs)"]
    return problems


def _write_report(report, stamp, cdir, evidence, pool) -> Path:
    report["retried"] = pool.retried
    if evidence.is_dir():
        report["logs"] = str(evidence)
    REPORTS.mkdir(parents=True, exist_ok=True)
    path = REPORTS / f"autograde-{stamp}-{os.getpid()}.json"
    path.write_text(json.dumps(report, indent=1))
    if pool.retried:
        print("\nautograde: retried on a fresh worker after a grader-side failure:\n  " + "\n  ".join(pool.retried))
    print(f"\nautograde: gradebook {cdir.db_url}\n           autograded notebooks in "
          f"{Path(cdir.root) / cdir.autograded_directory}\n           report {path}"
          + (f"\n           logs of failed jobs in {evidence}" if evidence.is_dir() else ""))
    return path


def print_summary(report):
    rows = [(e["student"], e["assignment"],
             "-" if e["score"] is None else f"{e['score']:g} / {e['max_score']:g}",
             f"{e['seconds']:.0f} s", "; ".join(e["notes"]) or "ok") for e in report["submissions"]]
    headers = ("student", "assignment", "score", "time", "notes")
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(4)]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)) + "  notes")
    print("  ".join("-" * w for w in widths) + "  -----")
    for row in rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)) + "  " + row[4][:300])
    not_graded = [e for e in report["submissions"] if not e["graded"]]
    if not_graded:
        print(f"\n{len(not_graded)} submission(s) NOT GRADED (nothing recorded for them; the notes say why): "
              + ", ".join(f"{e['student']} {e['assignment']}" for e in not_graded))


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker-loop"]:
        return worker_loop()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default=None)
    parser.add_argument("--student", default=None)
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: all cores)")
    parser.add_argument("--db-url", default=None, help="gradebook (default: nbgrader_config.py's)")
    parser.add_argument("--submitted", default=None, help="submissions folder (default: grader/submitted)")
    parser.add_argument("--autograded", default=None, help="output folder (default: grader/autograded)")
    parser.add_argument("--cell-timeout", type=int, default=DEFAULTS["cell_timeout"])
    parser.add_argument("--notebook-timeout", type=int, default=DEFAULTS["notebook_timeout"])
    parser.add_argument("--hang-budget", type=int, default=DEFAULTS["hang_budget"],
                        help="seconds of hung cells and restarts one notebook may cost (default 120)")
    parser.add_argument("--max-file-mb", type=float, default=DEFAULTS["max_file_mb"])
    parser.add_argument("--no-sandbox", action="store_true", help="run student code unconfined (trusted only)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folders (for debugging)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
