"""A class hub for the tests and the hub benchmark: `make hub`'s own script (grader/hub/hub.py) run as root with
real accounts made for the run, everything else (exchange, gradebook, submissions, the hub's state) in a temporary
folder, and notebook 1 released. ``ClassHub`` starts it and, on leaving, stops it and deletes the run's accounts.

Students act through nbgrader's exchange as their own Unix user (``as_student``: `runuser`), with the students'
server configuration the hub gives them, so permissions are what a student on the hub has.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader" / "hub"))
from grade_on_submit import feedback_page  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
ARTIFACTS = ROOT / "artifacts" / "hub"  # each run's hub log and grading log, kept after the run
ASSIGNMENT = "01_two_layer_network"


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class ClassHub:
    """``with ClassHub(students=2) as hub:`` the hub at hub.url, logins hub.instructor / hub.students,
    passwords hub.passwords; ``extra`` accounts exist but are not on the roster."""

    def __init__(self, students: int = 2, extra: int = 0, interval: float = 0, jobs: int | None = None,
                 environment: dict | None = None):
        # a folder of its own that students can pass through (pytest's temporary folders are private to root)
        self.folder = Path(tempfile.mkdtemp(prefix="ffnn-hub-"))
        self.tag = secrets.token_hex(2)
        self.instructor = f"ffnt{self.tag}i"
        self.students = [f"ffnt{self.tag}s{n}" for n in range(1, students + 1)]
        self.outsiders = [f"ffnt{self.tag}x{n}" for n in range(1, extra + 1)]
        self.port, api, proxy_api = free_ports(3)
        self.url = f"http://127.0.0.1:{self.port}"
        f = self.folder
        self.exchange, self.shared, self.state = f / "exchange", f / "shared", f / "hub-state"
        self.env = {**os.environ, "FFNN_EXCHANGE": str(self.exchange), "FFNN_HUB_SHARED": str(self.shared),
                    "FFNN_HUB_STATE": str(self.state), "FFNN_HUB_RELEASE": str(f / "staged-release"),
                    "FFNN_HUB_PORT": str(self.port), "FFNN_HUB_API_PORT": str(api),
                    "FFNN_HUB_PROXY_API_PORT": str(proxy_api),
                    "FFNN_SUBMITTED": str(f / "submitted"), "FFNN_AUTOGRADED": str(f / "autograded"),
                    "FFNN_FEEDBACK": str(f / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{f / 'gradebook.db'}",
                    "FFNN_ON_SUBMIT_STATE": str(f / "on-submit"), "FFNN_SUBMIT_INTERVAL": str(interval)}
        if jobs:
            self.env["FFNN_SUBMIT_JOBS"] = str(jobs)
        for key, value in (environment or {}).items():  # may name the run's students: {student 1} ...
            self.env[key] = value.format(*self.students)
        self.process = None
        self.passwords = {}

    # ---------------------------------------------------------------------------------------------- lifecycle
    def __enter__(self):
        self.folder.chmod(0o755)
        command = [str(PYTHON), str(ROOT / "grader" / "hub" / "hub.py"), "--instructor", self.instructor]
        for student in self.students:
            command += ["--student", student]
        self.log = open(self.folder / "hub.log", "w")
        try:
            # the outsiders: accounts on the machine, but neither on the roster nor allowed on the hub
            outsiders = subprocess.run([str(PYTHON), str(ROOT / "grader" / "hub" / "accounts.py"), "--instructor",
                                        self.instructor, *[a for s in self.outsiders for a in ("--student", s)],
                                        "--exchange", str(self.exchange), "--shared", str(self.shared),
                                        "--passwords", str(self.state / "passwords.txt")],
                                       env=self.env, capture_output=True, text=True, timeout=300)
            assert outsiders.returncode == 0, outsiders.stdout + outsiders.stderr
            setup = subprocess.run(command + ["--setup-only"], env=self.env, capture_output=True, text=True,
                                   timeout=300)
            self.setup_output = outsiders.stdout + setup.stdout + setup.stderr
            assert setup.returncode == 0, self.setup_output
            for line in (self.state / "passwords.txt").read_text().splitlines():
                name, password = line.split()
                self.passwords[name] = password
            self.process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
            self._wait_until_up()
            release = subprocess.run([str(PYTHON), str(ROOT / "grader" / "hub" / "exchange_release.py"), ASSIGNMENT,
                                      "--exchange", str(self.exchange)], env=self.env, capture_output=True,
                                     text=True, timeout=300)
            assert release.returncode == 0, release.stdout + release.stderr
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_):
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        for name in [self.instructor] + self.students + self.outsiders:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
        for name in [self.instructor] + self.students + self.outsiders:
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        if getattr(self, "log", None):
            self.log.close()
        kept = ARTIFACTS / self.tag
        kept.mkdir(parents=True, exist_ok=True)
        for name in ("hub.log", "on-submit/log.txt", "on-submit/state.json"):
            if (self.folder / name).exists():
                shutil.copyfile(self.folder / name, kept / name.replace("/", "-"))
        subprocess.run(["umount", "--recursive", "--lazy", str(self.folder)], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _wait_until_up(self, timeout: float = 120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the hub stopped: {(self.folder / 'hub.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"the hub did not answer in {timeout:g} s: "
                             f"{(self.folder / 'hub.log').read_text()[-3000:]}")

    # ---------------------------------------------------------------------------------------------- students
    def as_student(self, name: str, *command: str, timeout: float = 120, cwd=None) -> subprocess.CompletedProcess:
        """Run ``command`` as the Unix user ``name`` in their home (or ``cwd``), with the hub's student
        configuration."""
        home = Path(f"/home/{name}")
        env = ["env", "-i", f"HOME={home}", f"USER={name}", f"PATH={PYTHON.parent}:/usr/bin:/bin",
               f"FFNN_EXCHANGE={self.exchange}", f"JUPYTER_CONFIG_PATH={self.shared / 'student-config'}"]
        return subprocess.run(["runuser", "-u", name, "--", *env, *command], cwd=cwd or home, capture_output=True,
                              text=True, timeout=timeout)

    def nbgrader(self, name: str, *arguments: str, cwd=None) -> subprocess.CompletedProcess:
        return self.as_student(name, str(PYTHON.parent / "nbgrader"), *arguments, "--course", "ffnn", cwd=cwd)

    def fetch(self, name: str) -> Path:
        """The student's copy of notebook 1, fetched from the exchange the first time."""
        notebook = Path(f"/home/{name}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        if notebook.exists():
            return notebook
        result = self.nbgrader(name, "fetch_assignment", ASSIGNMENT)
        assert result.returncode == 0, result.stdout + result.stderr
        return Path(f"/home/{name}") / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"

    def write_as(self, name: str, path: Path, data: bytes):
        """Write a file in a student's home as that student (their own file, their own permissions)."""
        subprocess.run(["runuser", "-u", name, "--", "tee", str(path)], input=data, stdout=subprocess.DEVNULL,
                       check=True)

    def submit(self, name: str, folder: str = ASSIGNMENT, cwd=None) -> subprocess.CompletedProcess:
        return self.nbgrader(name, "submit", folder, cwd=cwd)

    def feedback_pages(self, name: str, assignment: str = ASSIGNMENT) -> list[Path]:
        """Fetch feedback as the student; the pages now in their feedback folders, newest submission last."""
        result = self.nbgrader(name, "fetch_feedback", assignment)
        assert result.returncode == 0, result.stdout + result.stderr
        return sorted((Path(f"/home/{name}") / assignment / "feedback").glob("*/*.html"))

    def wait_for_feedback(self, name: str, count: int = 1, timeout: float = 240,
                          assignment: str = ASSIGNMENT) -> list[Path]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            # polled as root in the exchange (an nbgrader command per poll would cost seconds of CPU each), then
            # fetched once as the student, as the Assignments tab's Fetch Feedback does
            if self.released_feedback(name, assignment) >= count:
                pages = self.feedback_pages(name, assignment)
                if len(pages) >= count:
                    return pages
            time.sleep(1)
        raise AssertionError(f"no feedback for {name} after {timeout:g} s; the service's log:\n"
                             + self.service_log()[-4000:])

    def released_feedback(self, name: str, assignment: str = ASSIGNMENT) -> int:
        """How many feedback pages of the student's submissions are in the exchange, found as nbgrader's
        fetch_feedback finds them (a hash of each submission's secret and each notebook's name)."""
        found = 0
        for submission in (self.exchange / "ffnn" / "inbound").glob(f"{name}+{assignment}+*"):
            secret = submission / "submission_secret.txt"
            if not secret.is_file() or secret.is_symlink():
                continue
            for notebook in submission.glob("*.ipynb"):
                found += feedback_page(self.exchange / "ffnn" / "feedback", secret.read_text(),
                                       notebook.stem).exists()
        return found

    def service_log(self) -> str:
        path = self.folder / "on-submit" / "log.txt"
        return path.read_text() if path.exists() else (self.folder / "hub.log").read_text()[-4000:]

    def gradebook_scores(self) -> dict:
        from nbgrader.api import Gradebook
        with Gradebook(self.env["FFNN_GRADEBOOK_URL"], "ffnn") as gradebook:
            return {(s.student.id, s.assignment.name): s.score
                    for a in gradebook.assignments for s in a.submissions}
