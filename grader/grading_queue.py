"""Grading across machines: a Celery task queue with a Redis broker, one task per submission.

    python grader/grading_queue.py broker [--port 6379] [--dir grader/broker]   (make broker: Redis, persistent)
    python grader/grading_queue.py worker [--jobs N]                            (make worker, on every machine)
    FFNN_BROKER_URL=redis://host:6379/0 make autograde                          (the jobs go to the queue)

`make autograde` grades the canary on its own machine as always, then, when a broker is configured, sends one task
per submission instead of using its local workers. A task carries the submission's files, so a worker needs only
the course (this clone, `make env`) and the sandbox; it grades with the local workers' code
(grade_submission.grade: staged, sandboxed, judged outside the kernel, recorded by record_grades.py) into the
gradebook the task names (FFNN_GRADEBOOK_URL of the sending machine: PostgreSQL when workers run on more than
one machine) and sends back the report entry and the autograded notebooks, which `make autograde` writes where
its local workers would.

Nothing is lost:

- a task is acknowledged only after its grades are recorded (``acks_late``): a worker killed mid-task (SIGKILL,
  a machine lost) leaves it unacknowledged, and the broker gives it to another worker once the visibility
  timeout has passed (FFNN_QUEUE_VISIBILITY seconds, longer than any grading may take);
- each graded submission of a run (the digest of the run's name and its files) gets one row in the gradebook
  database's ``ffnn_queue_graded`` table, written after its grades: a task delivered again after that (killed
  between recording and acknowledging) returns the recorded entry without grading again, so a submission is
  recorded exactly once per run;
- `make broker` runs Redis with an append-only file synced on every write, so a broker restart keeps every
  queued task.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
import sandbox  # noqa: E402
from grade_submission import Job  # noqa: E402

from celery import Celery  # noqa: E402
from celery.signals import worker_process_init, worker_process_shutdown  # noqa: E402
from kombu.exceptions import OperationalError  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

#: What the broker (and the result store on it) raises while it restarts.
BROKER_DOWN = (RedisError, OperationalError, OSError)

BROKER = "FFNN_BROKER_URL"
VISIBILITY = "FFNN_QUEUE_VISIBILITY"
LEDGER = "ffnn_queue_graded"
MAX_SUBMISSION_MB = 50

app = Celery("ffnn-grading")
app.conf.update(
    broker_url=os.environ.get(BROKER, "redis://127.0.0.1:6379/0"),
    result_backend=os.environ.get(BROKER, "redis://127.0.0.1:6379/0"),
    task_serializer="json", result_serializer="json", accept_content=["json"],
    task_acks_late=True,                  # acknowledged after the grades are recorded
    task_reject_on_worker_lost=True,      # a grading process that dies: the task goes back to the queue at once
    worker_prefetch_multiplier=1,         # a worker holds no task it is not grading
    broker_transport_options={"visibility_timeout": int(os.environ.get(VISIBILITY, "1800"))},
    broker_connection_retry_on_startup=True,
    result_expires=7 * 24 * 3600,
    worker_hijack_root_logger=False,
    # a grading's own output (nbgrader's log, our lines) goes straight to the worker's log file, not through
    # Celery's logging proxy, which costs time on every line nbgrader writes
    worker_redirect_stdouts=False,
)


# ------------------------------------------------------------------------------------------- what a task carries

def submission_message(assignment: str, student: str, folder: Path, settings: dict, run: str) -> dict:
    """The task's argument: the submission's files (base64), the run's settings, and its key: the digest of the
    run's name and the files (the same submission sent again by another `make autograde` is graded again)."""
    files, digest, total = {}, hashlib.sha256(f"{run}\0{assignment}\0{student}".encode()), 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        total += len(data)
        if total > MAX_SUBMISSION_MB * 2**20:
            raise ValueError(f"{folder}: more than {MAX_SUBMISSION_MB} MB of files; the queue carries notebooks")
        name = path.relative_to(folder).as_posix()
        files[name] = base64.b64encode(data).decode()
        digest.update(name.encode() + b"\0" + data)
    return {"assignment": assignment, "student": student, "files": files, "key": digest.hexdigest(), "run": run,
            "settings": settings}


# ---------------------------------------------------------------------------------------- the exactly-once ledger

def _ledger(db_url):
    import sqlalchemy as sa
    engine = sa.create_engine(db_url)
    table = sa.Table(LEDGER, sa.MetaData(), sa.Column("key", sa.String(64), primary_key=True),
                     sa.Column("assignment", sa.String(128)), sa.Column("student", sa.String(128)),
                     sa.Column("worker", sa.String(256)), sa.Column("entry", sa.Text),
                     sa.Column("graded_at", sa.Float))
    try:
        table.metadata.create_all(engine)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError):
        # two processes created it at the same moment (the sender creates it before any task is sent)
        if not sa.inspect(engine).has_table(LEDGER):
            raise
    return engine, table


def recorded_entry(db_url, key) -> dict | None:
    """The report entry of a submission already graded through the queue, or None."""
    import sqlalchemy as sa
    engine, table = _ledger(db_url)
    with engine.connect() as connection:
        row = connection.execute(sa.select(table.c.entry).where(table.c.key == key)).first()
    engine.dispose()
    return None if row is None else json.loads(row[0])


def record_once(db_url, message, entry, worker) -> bool:
    """Write the submission's ledger row unless one is there; True if this call wrote it."""
    engine, table = _ledger(db_url)
    values = {"key": message["key"], "assignment": message["assignment"], "student": message["student"],
              "worker": worker, "entry": json.dumps(entry), "graded_at": time.time()}
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    with engine.begin() as connection:
        written = connection.execute(insert(table).values(**values).on_conflict_do_nothing()).rowcount
    engine.dispose()
    return bool(written)


def ledger_rows(db_url) -> list[dict]:
    import sqlalchemy as sa
    engine, table = _ledger(db_url)
    with engine.connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(sa.select(table))]
    engine.dispose()
    return rows


# ------------------------------------------------------------------------------------------------- the worker side

_WORKER = {}   # this grading process's sandbox slot and scratch folder (worker_process_init)


@worker_process_init.connect
def _claim_slot(**_):
    claim = sandbox.claim_slot()
    scratch = Path(tempfile.mkdtemp(prefix="ffnn-queue-"))
    scratch.chmod(0o755)
    (scratch / "shared").mkdir()
    (scratch / "shared").chmod(0o755)
    _WORKER.update(claim=claim, scratch=scratch, templates={})


@worker_process_shutdown.connect
def _release_slot(**_):
    if _WORKER:
        sandbox.unmount_below(_WORKER["scratch"])
        shutil.rmtree(_WORKER["scratch"], ignore_errors=True)
        _WORKER["claim"].release()


def _template(assignment: str) -> Path:
    """A gradebook that knows the assignment, generated from its source once per machine and source version
    (cached in the temporary folder, shared by the machine's grading processes, written in one step)."""
    import autograde
    if assignment not in _WORKER["templates"]:
        digest = hashlib.sha256()
        for path in sorted((course.SOURCE / assignment).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(course.SOURCE).as_posix().encode() + b"\0" + path.read_bytes())
        cached = Path(tempfile.gettempdir()) / f"ffnn-queue-template-{assignment}-{digest.hexdigest()[:16]}.db"
        if not cached.exists():
            folder = Path(tempfile.mkdtemp(prefix=f"template-{assignment}-", dir=_WORKER["scratch"]))
            made = autograde.generated_template(course.load_config(), [assignment], folder)
            os.replace(made, cached)  # atomic: another process finds the whole file or none
        copy = _WORKER["scratch"] / f"template-{assignment}.db"
        shutil.copyfile(cached, copy)
        _WORKER["templates"][assignment] = copy
    return _WORKER["templates"][assignment]


@app.task(name="ffnn.grade_submission", bind=True)
def grade_submission_task(self, message: dict) -> dict:
    """Grade one submission from the queue; return its report entry and its autograded notebooks (base64)."""
    import grade_submission
    import record_grades
    settings, worker = message["settings"], f"{self.request.hostname}/{os.getpid()}"
    done = recorded_entry(settings["db_url"], message["key"])
    if done is not None:
        print(f"queue: {worker}: {message['student']} {message['assignment']}: already graded, not again", flush=True)
        return {"entry": done, "autograded": {}, "worker": worker}
    assignment, student = message["assignment"], message["student"]
    if assignment not in course.ASSIGNMENTS:
        raise ValueError(f"{student}: no assignment {assignment!r} in this course ({', '.join(course.ASSIGNMENTS)})")
    print(f"queue: {worker}: grading {student} {assignment}", flush=True)
    job_folder = Path(tempfile.mkdtemp(prefix=f"{student}--{assignment}--", dir=_WORKER["scratch"]))
    try:
        submitted = job_folder / "submitted"
        for name, data in message["files"].items():
            target = (submitted / name).resolve()
            if submitted.resolve() not in target.parents:
                raise ValueError(f"{student}: a file name leaves the submission's folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(base64.b64decode(data))
        work = job_folder / "work"
        work.mkdir()
        autograded = job_folder / "autograded"
        job = Job(assignment, student, str(submitted), str(work), slot=_WORKER["claim"].slot)
        spec = {"job": asdict(job), "template": str(_template(assignment)),
                "shared": str(_WORKER["scratch"] / "shared"),
                **{k: settings[k] for k in ("sandbox", "cell_timeout", "notebook_timeout", "restarts", "hang_budget",
                                            "max_file_mb", "db_url")},
                "autograded": str(autograded), "lock": str(record_grades.lock_path(settings["db_url"]))}
        (work / "spec.json").write_text(json.dumps(spec))
        grade_submission.grade(str(work / "spec.json"))
        entry = json.loads((work / "result.json").read_text())
        notebooks = {p.relative_to(autograded).as_posix(): base64.b64encode(p.read_bytes()).decode()
                     for p in sorted(autograded.rglob("*")) if p.is_file()} if autograded.is_dir() else {}
        if entry["graded"]:
            record_once(settings["db_url"], message, entry, worker)
        print(f"queue: {worker}: graded {student} {assignment}: {entry['score']}", flush=True)
        return {"entry": entry, "autograded": notebooks, "worker": worker}
    finally:
        sandbox.unmount_below(job_folder)
        shutil.rmtree(job_folder, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ the sending side

def grade_on_queue(submissions, settings: dict, autograded: Path, on_done, cap: float, broker_url: str) -> None:
    """Send one task per (assignment, student, folder) and wait for every result, writing the autograded
    notebooks under ``autograded`` and calling ``on_done(job, entry)`` as each arrives. A broker that restarts
    meanwhile is waited for; a task still without a result after ``cap`` seconds for each task still waiting
    (they are graded in turn) is reported NOT GRADED, and stays queued."""
    from celery.result import AsyncResult
    app.conf.update(broker_url=broker_url, result_backend=broker_url)
    _ledger(settings["db_url"])[0].dispose()  # the ledger table exists before any worker looks for it
    pending, run = {}, f"{socket.gethostname()}-{os.getpid()}-{time.time():.0f}"
    for assignment, student, folder in submissions:
        message = submission_message(assignment, student, folder, settings, run)
        result = grade_submission_task.apply_async(args=[message])
        pending[result.id] = (Job(assignment, student, str(folder), ""), time.monotonic())
    print(f"autograde: {len(pending)} task(s) sent to the queue {_safe(app.conf.broker_url)}; waiting for the "
          f"workers (`make worker` on each grading machine)")
    patience = cap
    while pending:
        time.sleep(1.0)  # each look is a round trip per waiting task: not more often than this
        for task_id, (job, sent) in list(pending.items()):
            try:
                result = AsyncResult(task_id, app=app)
                state = result.state
                if state == "SUCCESS":
                    answer = result.get(timeout=30)
                elif state == "FAILURE":
                    answer = {"entry": {"assignment": job.assignment, "student": job.student, "graded": False,
                                        "score": None, "max_score": None, "seconds": 0.0,
                                        "notes": [f"NOT GRADED: the worker refused it: {result.result}"]}}
                elif time.monotonic() - sent > patience * len(pending):
                    answer = {"entry": {"assignment": job.assignment, "student": job.student, "graded": False,
                                        "score": None, "max_score": None, "seconds": 0.0,
                                        "notes": ["NOT GRADED: no worker graded it in time (is `make worker` "
                                                  "running?); it stays queued"]}}
                else:
                    continue
            except BROKER_DOWN as error:  # the broker restarting: wait for it
                print(f"autograde: the broker is not answering ({error}); waiting", flush=True)
                time.sleep(2)
                break
            for name, data in answer.get("autograded", {}).items():
                target = autograded / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(base64.b64decode(data))
            entry = answer["entry"]
            if answer.get("worker"):
                entry = {**entry, "worker": answer["worker"]}
            del pending[task_id]
            on_done(job, entry)


def _safe(url: str) -> str:
    """The broker's address without a password."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


# ------------------------------------------------------------------------------------------------ commands

def broker(port: int, folder: Path) -> int:
    """Redis in the foreground on ``port``, its append-only file (synced on every write) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.call(["redis-server", "--port", str(port), "--dir", str(folder), "--appendonly", "yes",
                            "--appendfsync", "always", "--save", "", "--protected-mode", "yes"])


def worker(jobs: int, name: str | None) -> int:
    """A Celery worker of ``jobs`` grading processes (each with a sandbox slot of its own)."""
    ok, why = sandbox.available()
    if not ok:
        print(f"worker: refusing to start: the sandbox is not available here: {why}", file=sys.stderr)
        return 2
    import autograde
    problem = autograde.foreign_package()
    if problem:
        print(f"worker: refusing to start: {problem}; run `make env` in this clone", file=sys.stderr)
        return 2
    arguments = ["worker", "--loglevel", "WARNING", "--concurrency", str(jobs), "--pool", "prefork",
                 "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if name:
        arguments += ["--hostname", name]
    app.worker_main(arguments)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("broker", help="run Redis for the queue (persistent)")
    b.add_argument("--port", type=int, default=6379)
    b.add_argument("--dir", type=Path, default=course.ROOT / "grader" / "broker")
    w = commands.add_parser("worker", help="grade tasks from the queue")
    w.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    w.add_argument("--name", default=None, help="the worker's name (default: celery@<host name>)")
    options = parser.parse_args(argv)
    if options.command == "broker":
        return broker(options.port, options.dir)
    return worker(options.jobs, options.name)


if __name__ == "__main__":
    sys.exit(main())
