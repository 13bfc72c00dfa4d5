"""The grading workers: long-lived processes, each in a sandbox slot of its own, and the pool that feeds them jobs
and retries a job that failed on the grader's side once, on a fresh worker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sandbox  # noqa: E402
from grade_submission import Job  # noqa: E402


SLOTS = 64  # sandbox slots (sandbox.claim_slot): each worker claims a free one for its life


class Worker:
    """A long-lived grading process (its own session, so it can be killed with everything it started): it reads
    one job spec path per line and answers 'done' when the job's result.json is written."""

    def __init__(self, log_path: Path, claim):
        self.log_path, self.claim, self.slot = log_path, claim, claim.slot
        self.log = open(log_path, "a")
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve().with_name("grade_submission.py")), "worker-loop"],
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
