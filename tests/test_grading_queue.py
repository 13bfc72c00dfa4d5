"""Grading on a Celery queue (grader/grading_queue.py) with a real Redis broker and real workers, on loopback,
started and stopped here: `make autograde` with a broker sends 20 submissions; the broker is killed and restarted
with all of them queued; two workers grade them while one is killed (SIGKILL) in the middle of a task: 20 graded,
none twice, none lost, the killed task graded by the other worker."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest

import corpus
from test_grading_workflow import ASSIGNMENT, ROOT, gradebook_scores

sys.path.insert(0, str(ROOT / "grader"))

STUDENTS = [f"q{number:02d}" for number in range(20)]
SOLVED = {"q03", "q11", "q17"}          # the solution's graded part: full marks; the others submit the blank version
VISIBILITY = 20                         # seconds before a task a dead worker held goes back to the queue


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}")


class Broker:
    """redis-server on 127.0.0.1 with an append-only file synced on every write (as `make broker` runs it)."""

    def __init__(self, folder: Path):
        self.folder, self.port = folder, _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self):
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.folder), "--appendonly", "yes", "--appendfsync", "always",
                                         "--save", ""], stdout=open(self.folder / "redis.log", "a"),
                                        stderr=subprocess.STDOUT)
        _wait(lambda: self.queued() >= 0, 30, "redis-server to answer")

    def queued(self) -> int:
        """The tasks waiting in the queue, or -1 while the server does not answer."""
        import redis
        try:
            return redis.Redis(port=self.port, socket_timeout=2).llen("celery")
        except redis.exceptions.ConnectionError:
            return -1

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def broker():
    folder = Path(tempfile.mkdtemp(prefix="ffnn-broker-"))
    server = Broker(folder)
    yield server
    server.kill()
    shutil.rmtree(folder, ignore_errors=True)


def _worker(name, env, log: Path):
    return subprocess.Popen([sys.executable, str(ROOT / "grader" / "grading_queue.py"), "worker", "--jobs", "1",
                             "--name", f"{name}@queue-test"], env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _lines(log: Path, word: str) -> list[str]:
    return re.findall(rf"queue: \S+: {word} (\S+) {ASSIGNMENT}", log.read_text(errors="replace"))


def test_two_workers_grade_every_submission_exactly_once_though_one_dies_and_the_broker_restarts(tmp_path, broker):
    import grading_queue
    submitted = tmp_path / "submitted"
    for student in STUDENTS:
        folder = submitted / student / ASSIGNMENT
        folder.mkdir(parents=True)
        source = corpus.SOURCE if student in SOLVED else corpus.RELEASE
        nbformat.write(corpus.without_demonstrations(nbformat.read(source, as_version=4)),
                       folder / f"{ASSIGNMENT}.ipynb")
    db = tmp_path / "gradebook.db"
    env = {**os.environ, "FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{db}", "FFNN_BROKER_URL": broker.url,
           "FFNN_QUEUE_VISIBILITY": str(VISIBILITY)}
    sender = subprocess.Popen([sys.executable, str(ROOT / "grader" / "autograde.py"), "--jobs", "1",
                               "--cell-timeout", "20", "--notebook-timeout", "240"], env=env,
                              stdout=open(tmp_path / "autograde.log", "w"), stderr=subprocess.STDOUT)
    logs = {name: tmp_path / f"worker-{name}.log" for name in ("A", "B")}
    workers = {}
    try:
        # every task queued before any worker runs; then the broker dies and comes back: they are all still there
        _wait(lambda: broker.queued() == len(STUDENTS), 300, "the 20 tasks to be queued")
        broker.kill()
        broker.start()
        assert broker.queued() == len(STUDENTS), "the broker lost queued tasks when it restarted"
        workers = {name: _worker(name, env, log) for name, log in logs.items()}
        # A dies (SIGKILL, with its grading process) in the middle of its second task
        _wait(lambda: len(_lines(logs["A"], "grading")) >= 2 and len(_lines(logs["A"], "graded")) == 1, 300,
              "worker A to start its second task")
        killed = _lines(logs["A"], "grading")[1]
        os.killpg(workers["A"].pid, signal.SIGKILL)
        workers["A"].wait()
        assert sender.wait(timeout=600) == 0, (tmp_path / "autograde.log").read_text()[-3000:]
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
        for process in workers.values():  # each in a session of its own, with its grading processes
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    graded = _lines(logs["A"], "graded") + _lines(logs["B"], "graded")
    assert sorted(graded) == STUDENTS, f"graded (once each expected): {sorted(graded)}"
    assert killed not in _lines(logs["A"], "graded") and killed in _lines(logs["B"], "graded"), killed
    rows = grading_queue.ledger_rows(f"sqlite:///{db}")
    assert sorted(row["student"] for row in rows) == STUDENTS
    assert next(row["worker"] for row in rows if row["student"] == killed).startswith("B@")
    points = sum(corpus.points().values())
    scores = {student: sum(cells.values()) for student, cells in gradebook_scores(f"sqlite:///{db}").items()}
    assert scores == {student: points if student in SOLVED else 0.0 for student in STUDENTS}, scores
    summary = (tmp_path / "autograde.log").read_text()
    assert "sent to the queue" in summary and f"canary passed ({ASSIGNMENT} {points:g}/{points:g})" in summary
    autograded = sorted(p.parent.parent.name for p in (tmp_path / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb"))
    assert autograded == STUDENTS, "the autograded notebooks came back from the workers"



def test_the_ledger_records_a_submission_once_whoever_creates_it_first(tmp_path, monkeypatch):
    """Workers start together, and two of them once created the ledger table of one gradebook at the same moment
    (a run of this module on 03c2691: "table ffnn_queue_graded already exists" cost a submission). Here the other
    process wins the race every time: the loser goes on with the table the winner made. A second record of the same
    submission and run is refused, and the first entry kept."""
    import sqlalchemy as sa
    import grading_queue
    db_url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    create_all = sa.MetaData.create_all

    def beaten_to_it(metadata, engine, *args, **kwargs):
        create_all(metadata, sa.create_engine(db_url))  # the other process, a moment earlier
        raise sa.exc.OperationalError("CREATE TABLE ffnn_queue_graded", {}, Exception("table already exists"))

    monkeypatch.setattr(sa.MetaData, "create_all", beaten_to_it)
    grading_queue._ledger(db_url)[0].dispose()
    monkeypatch.setattr(sa.MetaData, "create_all", create_all)
    message = {"key": "k" * 64, "assignment": ASSIGNMENT, "student": "q00"}
    first, second = {"score": 15.0}, {"score": 0.0}
    assert grading_queue.record_once(db_url, message, first, "A@test") is True
    assert grading_queue.record_once(db_url, message, second, "B@test") is False
    assert grading_queue.recorded_entry(db_url, message["key"]) == first
    assert [row["worker"] for row in grading_queue.ledger_rows(db_url)] == ["A@test"]
