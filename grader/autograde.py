"""Autograde submissions in parallel, sandboxed, with verdicts the student's code cannot influence.

    python grader/autograde.py [--assignment A] [--student S] [--jobs N] [--no-sandbox]   (make autograde)

The run:

1. refuses to start under a Python whose ``ffnn`` is not this clone's, or on a machine that cannot sandbox;
2. grades the canary first (canary.py): each assignment's solution (its graded part), exactly as a student's, into
   a scratch gradebook; anything less than full marks stops the run before any student is graded, gradebook
   untouched (with --reuse-canary RECORD, a canary that passed less than --canary-max-age seconds before, in a
   grading environment of the same fingerprint, is not graded again: the hub's grading on submit, whose runs
   grade a few submissions each);
3. grades every submission (grader/submitted/<student>/<assignment>/) in long-lived worker processes, one per
   core (worker_pool.py). A worker grades one submission at a time (grade_submission.py): it stages a copy
   (staging.py; the submission is never modified), runs nbgrader's autograde on it with the course's steps
   (preprocessors/: metadata restored from the gradebook, sandboxed execution, hidden tests judged outside the
   kernel) against a private copy of the gradebook, then records the grades in the real gradebook, one writer at
   a time, with the same verdict step and nbgrader's SaveAutoGrades (record_grades.py);
4. a job that fails on the grader's side is retried once on a fresh worker (fresh process, fresh sandbox slot);
   the failed worker gets no other job, and the job's log is kept in grader/reports/;
   with a broker (--broker or FFNN_BROKER_URL), step 3 sends the same jobs to a Celery queue instead, whose
   workers on any number of machines grade them with the same code (grading_queue.py);
5. ends with a summary table (students, scores, NOT GRADED and why) and a JSON report in grader/reports/.

A submission is NOT GRADED (nothing recorded, said in the summary) when its provided code failed before any student
code ran, or when grading failed twice: a broken environment or grader never turns into zeros.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import canary  # noqa: E402
import course  # noqa: E402
import hidden_cases  # noqa: E402
import record_grades  # noqa: E402
import sandbox  # noqa: E402
from grade_submission import Job  # noqa: E402
from worker_pool import Pool, Progress  # noqa: E402

ROOT = course.ROOT
GRADER = ROOT / "grader"
REPORTS = GRADER / "reports"
DEFAULTS = {"cell_timeout": 60, "notebook_timeout": 600, "max_file_mb": 20, "restarts": 3, "hang_budget": 120}


def discover(submitted: Path, assignment=None, student=None) -> list[tuple[str, str, Path]]:
    """(assignment, student, folder) of every submission, or of ``assignment`` and ``student`` (a login or a list
    of them) only."""
    found = []
    if not submitted.is_dir():
        return found
    students = {student} if isinstance(student, str) else set(student or ())
    for student_dir in sorted(p for p in submitted.iterdir() if p.is_dir()):
        if students and student_dir.name not in students:
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
# The run
# ----------------------------------------------------------------------------------------------------------------


def template_gradebook(config, assignments, scratch: Path) -> Path:
    """A gradebook that knows the assignments (cells, points): each job's private copy is where nbgrader's
    sanitizing steps look up the original cells. A SQLite main gradebook is simply copied; for another database
    one is generated once for the run."""
    template = scratch / "template.db"
    db_url = course.coursedir(config).db_url
    if db_url.startswith("sqlite:///"):
        shutil.copyfile(db_url[len("sqlite:///"):], template)
        return template
    return generated_template(config, assignments, scratch)


def generated_template(config, assignments, scratch: Path) -> Path:
    """A gradebook that knows the assignments, generated from their sources into ``scratch`` (template.db)."""
    template = scratch / "template.db"
    root = scratch / "template"
    (root / "source").mkdir(parents=True)
    for assignment in assignments:
        shutil.copytree(course.SOURCE / assignment, root / "source" / assignment)
    overrides = copy.deepcopy(config)
    overrides["CourseDirectory"]["root"] = str(root)
    overrides["CourseDirectory"]["source_directory"] = "source"
    overrides["CourseDirectory"]["release_directory"] = "release"
    overrides["CourseDirectory"]["db_url"] = f"sqlite:///{template}"
    api = course.api(overrides)
    for assignment in assignments:
        result = api.generate_assignment(assignment)
        if not result["success"]:
            raise SystemExit(f"autograde: cannot read the assignment {assignment}: {result.get('error')}")
    return template


def ensure_assignments_in_gradebook(config, assignments):
    """The main gradebook must know each assignment (as `make release` records it); add what is missing."""
    from nbgrader.api import Gradebook, MissingEntry
    missing = []
    with Gradebook(course.coursedir(config).db_url, course.coursedir(config).course_id) as gradebook:
        for assignment in assignments:
            try:
                gradebook.find_assignment(assignment)
            except MissingEntry:
                missing.append(assignment)
    if missing:
        with tempfile.TemporaryDirectory() as scratch:
            overrides = copy.deepcopy(config)
            overrides["CourseDirectory"]["release_directory"] = scratch
            api = course.api(overrides)
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
    cdir = course.coursedir(config)
    if cdir.db_url.startswith("sqlite:///"):
        Path(cdir.db_url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    submitted, autograded = (course.folder(config, key) for key in ("submitted_directory", "autograded_directory"))
    submissions = discover(submitted, options.assignment, options.student)
    if not submissions:
        print(f"autograde: no submissions in {submitted} for assignment={options.assignment or 'any'} "
              f"student={','.join(options.student or []) or 'any'} (run `make collect` first).")
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
        lock = record_grades.lock_path(cdir.db_url)

        def make_spec(job: Job) -> Path:
            spec = {"job": asdict(job), "template": str(template), "shared": str(scratch / "shared"),
                    "sandbox": not options.no_sandbox, "cell_timeout": options.cell_timeout,
                    "notebook_timeout": options.notebook_timeout, "restarts": DEFAULTS["restarts"],
                    "hang_budget": options.hang_budget, "max_file_mb": options.max_file_mb,
                    "db_url": f"sqlite:///{canary_db}" if job.canary else cdir.db_url,
                    "autograded": str(scratch / "canary-autograded") if job.canary else
                    str(autograded),
                    "lock": str(scratch / "canary.lock") if job.canary else str(lock)}
            path = Path(job.work) / "spec.json"
            path.write_text(json.dumps(spec))
            return path

        cap = options.notebook_timeout * 1.5 + 120
        pool = Pool(jobs_n, scratch, evidence, cap, make_spec)
        record = Path(options.reuse_canary) if options.reuse_canary else None
        reused = {}
        if record:
            digest = canary.fingerprint(assignments, {k: getattr(options, k) for k in (
                "no_sandbox", "cell_timeout", "notebook_timeout", "hang_budget", "max_file_mb")})
            reused = canary.reusable(record, digest, assignments, options.canary_max_age, time.time())
            report["canary_reused"] = {a: time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t))
                                       for a, t in reused.items()}
            for assignment, passed in sorted(reused.items()):
                print(f"autograde: canary of {assignment} reused: it passed at "
                      f"{time.strftime('%H:%M:%S', time.localtime(passed))}, {time.time() - passed:.0f} s ago, in a "
                      f"grading environment of the same fingerprint ({record})")
        to_run = [a for a in assignments if a not in reused]
        if to_run:
            print(f"autograde: canary first (each assignment's solution, its graded part, graded like a student's), "
                  f"{jobs_n} in parallel, sandbox {'OFF' if options.no_sandbox else 'on'}")
            started = time.time()
            sources = canary.write_sources(to_run, course.SOURCE, scratch / "canary-sources")
            canaries = [Job(a, f"canary-{a}", str(sources / a), "", canary=True) for a in to_run]
            pool.run(canaries, lambda job, entry: report["canary"].append(entry))
            broken = canary_problems(report["canary"], scratch / "canary-autograded")
            if broken:
                if record:
                    canary.forget(record)
                print("autograde: the canary failed, so the grading environment is broken; no student was graded "
                      "and the gradebook is untouched.\n  " + "\n  ".join(broken), file=sys.stderr)
                report["stopped"] = "canary failed"
                _write_report(report, stamp, cdir, evidence, pool)
                return 3
            if record:
                canary.remember(record, digest, to_run, started)
            marks = ", ".join(f"{e['assignment']} {e['score']:g}/{e['max_score']:g}" for e in report["canary"])
            print(f"autograde: canary passed ({marks}); {len(submissions)} submission(s)")
        progress = Progress(len(submissions))

        def done(job, entry):
            report["submissions"].append(entry)
            total = "-" if entry["score"] is None else f"{entry['score']:g}/{entry['max_score']:g}"
            progress.update(f"{job.student} {job.assignment} {total}")

        try:
            if options.broker:  # the same jobs, graded by the queue's workers (grading_queue.py)
                import grading_queue
                settings = {"sandbox": not options.no_sandbox, "cell_timeout": options.cell_timeout,
                            "notebook_timeout": options.notebook_timeout, "restarts": DEFAULTS["restarts"],
                            "hang_budget": options.hang_budget, "max_file_mb": options.max_file_mb,
                            "db_url": cdir.db_url}
                pool.close()
                grading_queue.grade_on_queue(submissions, settings, autograded, done, cap, options.broker)
            else:
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default=None)
    parser.add_argument("--student", action="append", default=None, help="only this student (repeat for more)")
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
    parser.add_argument("--reuse-canary", metavar="RECORD", default=None,
                        help="keep the canary's verdict in RECORD and reuse it, without grading the canary again, "
                             "for --canary-max-age seconds while the grading environment's fingerprint is the same "
                             "(the hub's grading on submit; default: a canary every run)")
    parser.add_argument("--canary-max-age", type=float, default=600,
                        help="seconds a reused canary's verdict stays valid (default 600)")
    parser.add_argument("--broker", default=os.environ.get("FFNN_BROKER_URL") or None,
                        help="send the jobs to this Celery broker's workers (default: $FFNN_BROKER_URL; "
                             "unset: this machine's own workers)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
