"""The gradebook on a PostgreSQL server (FFNN_GRADEBOOK_URL): `make autograde` writes its grades there."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

import corpus
from test_grading_workflow import ASSIGNMENT, ROOT, gradebook_scores, run


# ---------------------------------------------------------------------------------------------- PostgreSQL

def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin(tool):
    found = shutil.which(tool) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))), None)
    assert found, f"PostgreSQL's {tool} is missing: `make test` installs Debian's postgresql package"
    return str(found)


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throw-away PostgreSQL server on 127.0.0.1, run by the 'postgres' user when we are root."""
    # not under pytest's folder: the server's user must be able to reach its data directory
    folder = Path(tempfile.mkdtemp(prefix="ffnn-postgres-"))
    data, port = folder / "data", _free_port()
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres")
    subprocess.run([*as_user, _postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "grader"],
                   check=True, capture_output=True)
    subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-c listen_addresses=127.0.0.1 -p {port} -k {folder}", "start"], check=True,
                   capture_output=True)
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "grader", "-d", "postgres", "-c",
                        "CREATE DATABASE gradebook"], check=True, capture_output=True)
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_user, _postgres_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def test_autograde_into_postgresql(tmp_path, postgres):
    """The canary (the solution, full marks, into a scratch gradebook) and one blank submission (zero, into the
    server's gradebook): the server holds exactly that one submission."""
    submitted = tmp_path / "submitted"
    (submitted / "bob" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(corpus.RELEASE, submitted / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    env = {"FFNN_SUBMITTED": str(submitted), "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_GRADEBOOK_URL": postgres}
    result = run([str(ROOT / "grader" / "autograde.py"), "--jobs", "2"], env)
    assert "gradebook postgresql://" in result.stdout and "canary passed" in result.stdout
    scores = {student: sum(cells.values()) for student, cells in gradebook_scores(postgres).items()}
    assert scores == {"bob": 0.0}
    # straight from the server, not through nbgrader: the row is there
    rows = subprocess.run(["psql", postgres, "-At", "-c", "SELECT count(*) FROM submitted_assignment"],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert rows == "1"
