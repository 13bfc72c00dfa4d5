"""Grading on submit: the hub's service that grades a submission when it reaches nbgrader's exchange and returns
its feedback there, so the student's assignment list shows it (Fetch Feedback) within about a minute.

    python grader/hub/grade_on_submit.py [--interval SECONDS] [--once]   (started by the hub: jupyterhub_config.py)

Every ``POLL`` seconds it reads the exchange's inbound folder. For each submission not handled before:

- **Sealed** first: the submission's folders become root's, so the student can no longer change what is graded;
  a symbolic link, a special file or more than FFNN_SUBMISSION_MAX_MB (100) in it is refused (``seal``).
- **Refused, with a notice in the student's feedback and a line in the instructor's log** (the submission stays in
  the exchange, its files untouched): a folder whose owner is not the student it names (forged), a student not on the
  roster, an assignment the course does not have or has not released, another assignment's notebook in place of
  this one's, a submission with no notebook (log only: nbgrader finds feedback through a submitted notebook).
- **Waiting**: a student's submissions of an assignment are graded at most once per ``--interval`` seconds
  (FFNN_SUBMIT_INTERVAL, default 600), so the hidden tests cannot be probed by brute force. A submission that comes
  sooner is kept, gets a notice saying when it will be graded, and is graded then, unless a later one replaces it.
- **Graded**, by the course's own steps: `make collect`'s collect (collect.py: the latest submission, the one
  collected before kept in `.previous/`), then `make autograde` itself (autograde.py in a process of its own: the
  canary first, the sandbox, verdicts outside the kernel) for all the students due at once, then `make feedback`'s
  pages (without hidden tests) handed back with nbgrader's release_feedback. A notebook that is not JSON scores 0
  and gets a notice saying so instead of a page. The canary's verdict is reused for FFNN_CANARY_MAX_AGE seconds
  (600) while the grading environment's fingerprint stays the same (autograde.py --reuse-canary), so a batch of one
  submission costs one grading, not two.

Nothing in the exchange is deleted or changed: every submission stays there, and the student's own copy stays in
their nbgrader cache. What was done to each submission is kept in grader/reports/on-submit/ (state.json, and
log.txt, the instructor's log, also printed in the hub's log). A broken grading environment (the canary failed)
grades nobody: the submissions wait, the log says why, and grading is tried again ``RETRY`` seconds later.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import os
import pwd
import re
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HUB = Path(__file__).resolve().parent
GRADER = HUB.parent
sys.path.insert(0, str(GRADER))
import collect  # noqa: E402
import course  # noqa: E402
import feedback  # noqa: E402
import staging  # noqa: E402
from atomic_write import write_text  # noqa: E402

POLL = 2.0
ATTEMPTS = 3  # gradings of one submission that may fail on the grader's side before it is reported NOT GRADED
RETRY = 60.0
DEFAULT_INTERVAL = float(os.environ.get("FFNN_SUBMIT_INTERVAL", "600"))
MAX_MB = float(os.environ.get("FFNN_SUBMISSION_MAX_MB", "100"))
CANARY_MAX_AGE = float(os.environ.get("FFNN_CANARY_MAX_AGE", "600"))
STATE = Path(os.environ.get("FFNN_ON_SUBMIT_STATE", GRADER / "reports" / "on-submit"))


@dataclass(frozen=True)
class Submission:
    """One folder of the exchange's inbound: <student>+<assignment>+<time>+<random> (nbgrader's submit)."""
    name: str
    student: str
    assignment: str
    stamp: str
    path: Path

    @property
    def notebooks(self) -> list[Path]:
        return sorted(self.path.glob("*.ipynb"))

    @property
    def when(self) -> datetime.datetime | None:
        return collect._parse_time(self.stamp)


def scan(inbound: Path) -> list[Submission]:
    """Every submission in the inbound folder, oldest first (by the time nbgrader wrote in its name)."""
    found = []
    for path in inbound.iterdir() if inbound.is_dir() else []:
        parts = path.name.rsplit("+", 3)
        if len(parts) == 4:  # a folder, or anything else that seal() refuses
            found.append(Submission(path.name, parts[0], parts[1], parts[2], path))
    far_past = datetime.datetime(1970, 1, 1)
    return sorted(found, key=lambda s: ((s.when or far_past).replace(tzinfo=None), s.name))


def seal(path: Path, max_bytes: float) -> tuple[int | None, str | None]:
    """Make a submission's folders root's (0755), so the student who wrote them can no longer add, remove or
    replace anything in them, and check what they hold: (the uid that wrote the folder, a problem or None).
    Only folders and regular files pass: a symbolic link or a special file (a FIFO) in the exchange would have the
    grader (root) read what it points to, or hang. Folders are opened without following links and walked by
    descriptor, each sealed before it is listed, so nothing can be swapped in between. Files keep their owner
    (a student's hard link to their own file stays theirs) and cannot change type in a sealed folder."""
    try:
        top = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        return None, f"{path.name} is not a folder ({error.strerror})"
    try:
        owner = os.fstat(top).st_uid
        problems, total = [], [0]

        def walk(fd, where):
            os.fchown(fd, 0, 0)
            os.fchmod(fd, 0o755)
            for name in sorted(os.listdir(fd)):
                info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISDIR(info.st_mode):
                    inner = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
                    try:
                        walk(inner, f"{where}{name}/")
                    finally:
                        os.close(inner)
                elif stat.S_ISREG(info.st_mode):
                    total[0] += info.st_size
                else:
                    problems.append(f"{where}{name} is a symbolic link or a special file, not a file")

        walk(top, "")
    finally:
        os.close(top)
    if total[0] > max_bytes:
        problems.append(f"it holds {total[0] / 2**20:.0f} MB, more than the {max_bytes / 2**20:.0f} MB a submission "
                        f"may hold")
    return owner, "; ".join(problems) or None


def feedback_page(feedback: Path, secret: str, notebook: str) -> Path:
    """Where nbgrader's fetch_feedback looks for the feedback on one notebook of a submission: in the exchange's
    feedback folder, a page named by a hash of the submission's secret and the notebook's name."""
    from nbgrader.utils import notebook_hash
    return feedback / f"{notebook_hash(secret=secret, notebook_id=notebook)}.html"


def notice_page(title: str, message: str) -> str:
    heading = html.escape(title, quote=False)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{heading}</title></head>\n'
            f'<body><main><h1>{heading}</h1>\n'
            + "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in message.split("\n\n"))
            + "</main></body></html>\n")


class Service:
    def __init__(self, config, interval: float = DEFAULT_INTERVAL, state_dir: Path = STATE, jobs: int | None = None):
        self.config = config
        self.interval = interval
        self.jobs = jobs
        grader = course.api(config)
        self.exchange = Path(grader.exchange_root)
        self.course_id = grader.course_id
        self.inbound = self.exchange / self.course_id / "inbound"
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.state_file = state_dir / "state.json"
        self.state = json.loads(self.state_file.read_text()) if self.state_file.exists() else {}
        self.state.setdefault("handled", {})   # submission folder -> what was done
        self.state.setdefault("graded", {})    # "student/assignment" -> when its last feedback was released (epoch)
        self.state.setdefault("waiting", {})   # submission folder -> when it will be graded (epoch)
        self.state.setdefault("attempts", {})  # submission folder -> gradings that failed on the grader's side
        self.state.setdefault("sealed", {})    # submission folder -> [uid that wrote it, problem or None]
        self.max_bytes = MAX_MB * 2**20
        self.retry_at = 0.0

    # ------------------------------------------------------------------------------------------------ records
    def log(self, text: str):
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}"
        print(f"grade-on-submit: {line}", flush=True)
        with open(self.state_dir / "log.txt", "a") as out:
            out.write(line + "\n")

    def save(self):
        write_text(self.state_file, json.dumps(self.state, indent=1))

    def notice(self, submission: Submission, title: str, message: str, notebooks=None) -> bool:
        """A page in the student's feedback for each notebook of the submission (or ``notebooks``), found by
        nbgrader's fetch_feedback as it finds graded feedback. False when the submission has no notebook or no
        secret (nbgrader's submit always writes one), so that only the instructor's log can say it."""
        secret_file = submission.path / "submission_secret.txt"
        names = [p.stem for p in submission.notebooks] if notebooks is None else list(notebooks)
        if not names or not secret_file.is_file():
            return False
        secret = secret_file.read_text()
        feedback = self.exchange / self.course_id / "feedback"
        for name in names:
            target = feedback_page(feedback, secret, name)
            partial = feedback / f".{target.name}.partial"
            partial.write_text(notice_page(title, message))
            partial.chmod(0o644)
            partial.replace(target)
        return True

    # ------------------------------------------------------------------------------------------------ checks
    def refusal(self, submission: Submission, roster: set, released: set) -> tuple[str, str] | None:
        """(notice title, message) when the submission cannot be graded, else None. The first time a submission
        is seen it is sealed (``seal``); who wrote it and what was wrong with its files are kept in the state."""
        sealed = self.state["sealed"].get(submission.name)
        if sealed is None:
            sealed = self.state["sealed"][submission.name] = seal(submission.path, self.max_bytes)
        writer, problem = sealed
        try:
            student = pwd.getpwnam(submission.student).pw_uid
        except KeyError:
            student = None
        if problem:
            return ("Not graded: the submission cannot be read safely",
                    f"In {submission.name}: {problem}. It is kept for the instructor. Submit your notebook again "
                    f"from the Assignments tab.")
        if student is None or writer != student:
            return ("Not graded: this submission is not yours",
                    f"The folder {submission.name} names {submission.student} but was written by another "
                    f"account. It is kept for the instructor.")
        if submission.student not in roster:
            return ("Not graded: you are not on this course's roster",
                    f"Your submission of {submission.assignment} ({submission.stamp}) is kept, but "
                    f"{submission.student} is not on the course's class list, so it was not graded. Ask your "
                    f"instructor to add you (make roster); then submit again.")
        if submission.assignment not in released:
            known = ", ".join(sorted(released)) or "none yet"
            return ("Not graded: no such assignment",
                    f"This course has no released assignment named '{submission.assignment}' (released: {known}). "
                    f"Your files are kept. Submit from the folder of the assignment they belong to, with its own "
                    f"name, as the Assignments tab does.")
        if not submission.notebooks:
            return ("Not graded: no notebook", f"The submission {submission.name} contains no notebook.")
        names = {p.stem for p in submission.notebooks}
        expected = set(staging.expected_notebooks(submission.assignment))
        others = {name: other for other in course.ASSIGNMENTS if other != submission.assignment
                  for name in staging.expected_notebooks(other) if name in names}
        if others and not names & expected:
            name, other = sorted(others.items())[0]
            return ("Not graded: the notebook of another assignment",
                    f"You submitted {name}.ipynb, the notebook of assignment {other}, as assignment "
                    f"{submission.assignment}, whose notebook is {', '.join(sorted(expected))}.ipynb. Your "
                    f"submission is kept. Submit each notebook from its own assignment's folder (Assignments tab).")
        return None

    def released(self) -> set:
        outbound = self.exchange / self.course_id / "outbound"
        return {p.name for p in outbound.iterdir() if p.is_dir() and p.name in course.ASSIGNMENTS} \
            if outbound.is_dir() else set()

    # ------------------------------------------------------------------------------------------------ one poll
    def step(self, now: float | None = None) -> int:
        """Handle what is new in the exchange; returns how many submissions were graded."""
        now = time.time() if now is None else now
        handled, waiting = self.state["handled"], self.state["waiting"]
        pending = [s for s in scan(self.inbound) if s.name not in handled]
        if not pending:
            return 0
        roster, released = set(collect.roster_ids(self.config)), self.released()
        due = {}
        for submission in pending:
            problem = self.refusal(submission, roster, released)
            if problem:
                shown = self.notice(submission, *problem)
                handled[submission.name] = f"refused: {problem[0]}"
                self.log(f"{submission.student} {submission.assignment} {submission.name}: {problem[0]}. "
                         f"{problem[1]}" + ("" if shown else " (no notebook to attach a notice to: only this log "
                                                            "says so)"))
                continue
            key = f"{submission.student}/{submission.assignment}"
            ready = self.state["graded"].get(key, -1e18) + self.interval
            if ready > now:
                if submission.name not in waiting:
                    waiting[submission.name] = ready
                    at = time.strftime("%H:%M:%S", time.localtime(ready))
                    self.notice(submission, "Kept; graded later",
                                f"Your submission of {submission.assignment} ({submission.stamp}) is kept. Each "
                                f"student's submissions are graded at most once every {self.interval / 60:g} "
                                f"minutes, so it will be graded at {at} (unless you submit again before then: the "
                                f"latest is graded). Fetch feedback after that time.")
                    self.log(f"{key} {submission.name}: waits until {at} (one grading per {self.interval:g} s)")
                continue
            due[key] = submission  # the latest wins: pending is oldest first
        self.save()
        if not due or now < self.retry_at:
            return 0
        by_assignment = {}
        for submission in due.values():
            by_assignment.setdefault(submission.assignment, []).append(submission)
        graded = 0
        for assignment, submissions in sorted(by_assignment.items()):
            graded += self.grade(assignment, submissions, now)
        self.save()
        return graded

    def grade(self, assignment: str, submissions: list[Submission], now: float) -> int:
        students = sorted(s.student for s in submissions)
        before = {s.student: self.state["graded"].get(f"{s.student}/{assignment}", -1e18) for s in submissions}
        for submission in submissions:
            self.state["graded"][f"{submission.student}/{assignment}"] = now
        status = collect.collect_exchange(self.config, [assignment], students=set(students))
        if status:
            self.log(f"{assignment}: collect reported a failure for some of {', '.join(students)} (see above)")
        report = self.autograde(assignment, students)
        if report is None:
            for submission in submissions:
                self.state["graded"][f"{submission.student}/{assignment}"] = before.get(submission.student, -1e18)
            self.retry_at = now + RETRY
            return 0
        entries = {entry["student"]: entry for entry in report.get("submissions", [])}
        self.feedback(assignment, [s for s in students if entries.get(s, {}).get("graded")])
        for submission in submissions:  # the interval runs from the feedback's release
            self.state["graded"][f"{submission.student}/{assignment}"] = time.time()
        submitted = course.folder(self.config, "submitted_directory")
        inbound = scan(self.inbound)  # read once for the whole batch
        for submission in submissions:
            self.finish(submission, entries.get(submission.student), submitted / submission.student / assignment,
                        inbound)
        return len(submissions)

    def autograde(self, assignment: str, students: list[str]) -> dict | None:
        """`make autograde` for these students of one assignment, in its own process; its report, or None when it
        graded nobody (the canary failed, the sandbox is missing...)."""
        command = [sys.executable, str(GRADER / "autograde.py"), "--assignment", assignment]
        for student in students:
            command += ["--student", student]
        if self.jobs:
            command += ["--jobs", str(self.jobs)]
        command += ["--reuse-canary", str(self.state_dir / "canary.json"), "--canary-max-age", f"{CANARY_MAX_AGE:g}"]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output, _ = process.communicate()
        found = re.search(r"report (\S+\.json)", output)
        report = json.loads(Path(found.group(1)).read_text()) if found else None
        if report is None or report.get("stopped") or not report.get("submissions"):
            tail = "\n    ".join(output.strip().splitlines()[-12:])
            self.log(f"{assignment}: NOT GRADED ({', '.join(students)}): `make autograde` exited "
                     f"{process.returncode} without grading them; their submissions wait, next try in {RETRY:g} s. "
                     f"Its last lines:\n    {tail}")
            return None
        reused = report.get("canary_reused", {}).get(assignment)  # when it passed, 2026-12-01T06:26:54
        self.log(f"{assignment}: autograded {', '.join(students)} (canary "
                 + (f"reused: passed at {reused.split('T')[-1]})" if reused else "graded and passed)"))
        return report

    def feedback(self, assignment: str, students: list[str]):
        """`make feedback`'s pages (feedback.generate, on every core), then nbgrader's release_feedback for each."""
        grader = course.api(self.config)
        autograded = course.folder(self.config, "autograded_directory")
        # nothing could be graded without an autograded notebook (one that is not JSON): finish() leaves a notice
        pairs = [(assignment, s) for s in students if any((autograded / s / assignment).glob("*.ipynb"))]
        for (_, student), error in feedback.generate(pairs, self.jobs) if pairs else []:
            result = {"success": False, "error": error} if error is not None else \
                grader.release_feedback(assignment, student)
            if not result["success"]:
                self.log(f"{student}/{assignment}: feedback FAILED: {(result.get('error') or '')[-400:]}")

    def finish(self, submission: Submission, entry: dict | None, folder: Path, inbound: list[Submission]):
        """Record what became of a graded submission, and of the older ones of the same student it replaced."""
        handled, waiting = self.state["handled"], self.state["waiting"]
        key = f"{submission.student}/{submission.assignment}"
        collected = (folder / "timestamp.txt").read_text().strip() if (folder / "timestamp.txt").exists() else "?"
        if entry is None or not entry.get("graded"):
            notes = "; ".join((entry or {}).get("notes", [])) or "no report entry (see collect's lines above)"
            attempts = self.state["attempts"][submission.name] = self.state["attempts"].get(submission.name, 0) + 1
            if attempts < ATTEMPTS:  # a failure on the grader's side: the submission stays pending
                self.state["waiting"][submission.name] = self.state["graded"][key] + self.interval  # no other notice
                at = time.strftime("%H:%M:%S", time.localtime(self.state["graded"][key] + self.interval))
                self.log(f"{key} {submission.name}: NOT GRADED (attempt {attempts} of {ATTEMPTS}): {notes}; tried "
                         f"again after {at}")
                self.notice(submission, "Not graded yet: the grader failed",
                            f"The grader could not grade your submission of {submission.assignment} "
                            f"({submission.stamp}): the failure was on the grader's side, not in your work. It is "
                            f"kept and will be graded again after {at}.")
                return
            outcome = f"NOT GRADED after {attempts} attempts: {notes}"
            self.notice(submission, "Not graded: the grader failed",
                        f"The grader could not grade your submission of {submission.assignment} ({submission.stamp}) "
                        f"after {attempts} attempts. It is kept, and your instructor has been told.")
        else:
            outcome = f"graded {entry['score']:g}/{entry['max_score']:g} (collected the submission of {collected})"
        for other in inbound:
            same = other.student == submission.student and other.assignment == submission.assignment
            if same and other.name not in handled and (other.name == submission.name or (
                    other.when and submission.when and other.when <= submission.when)):
                handled[other.name] = outcome if other.name == submission.name else \
                    f"superseded by {submission.name}"
                waiting.pop(other.name, None)
        self.log(f"{key} {submission.name}: {outcome}" + (f"; notes: {'; '.join(entry['notes'])}"
                                                          if entry and entry.get("notes") else ""))
        unreadable = [note.split(" is not a readable notebook")[0] for note in (entry or {}).get("notes", [])
                      if " is not a readable notebook" in note]
        for name in unreadable:
            self.notice(submission, "Not graded: the notebook cannot be read",
                        f"{name} is not a notebook file that Jupyter can read (it is not valid JSON), so it "
                        f"scores 0. Your file is kept as you submitted it. Open the assignment's notebook in "
                        f"JupyterLab, check that it opens, and submit again.",
                        notebooks=[Path(name).stem])

    def run(self):
        self.log(f"watching {self.inbound} (every {POLL:g} s; one grading per student and assignment every "
                 f"{self.interval:g} s)")
        while True:
            try:
                self.step()
            except Exception as error:  # noqa: BLE001 - one bad poll must not stop grading for the class
                self.log(f"a poll failed: {type(error).__name__}: {error}")
            time.sleep(POLL)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=DEFAULT_INTERVAL,
                        help="seconds between two gradings of one student's assignment (default 600)")
    parser.add_argument("--jobs", type=int, default=None, help="grading workers (default: all cores)")
    parser.add_argument("--once", action="store_true", help="one poll, then stop")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    os.umask(0o002)  # the gradebook stays writable by the instructors' group (grader/ is closed to others)
    jobs = options.jobs or int(os.environ.get("FFNN_SUBMIT_JOBS", "0")) or None
    service = Service(course.load_config(), options.interval, jobs=jobs)
    if options.once:
        service.step()
        return 0
    service.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
