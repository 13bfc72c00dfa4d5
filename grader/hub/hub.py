"""`make hub`: the class's JupyterHub on this machine, set up and started in one command (as root).

    sudo make hub [PORT=8000] [INSTRUCTOR=name] [STUDENTS="a b c"]    (or the gradebook's roster: make roster first)

1. the set-up (accounts.py): accounts for the instructors and students, nbgrader's exchange, the course clone
   locked against students, the students' server configuration;
2. the hub's state folder (grader/hub/state/, root only): who may log in (accounts.json), the hub's database and
   cookie secret; and the staged release folder (exchange_release.py), refreshed from notebooks/;
3. JupyterHub with jupyterhub_config.py, on 127.0.0.1:PORT unless FFNN_HUB_IP says otherwise (behind a TLS proxy
   on a real server: see the README), its grading service started and stopped with it.

New accounts' passwords are printed once and kept in grader/hub/state/passwords.txt (mode 0600).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HUB = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB))
sys.path.insert(1, str(HUB.parent))
import accounts  # noqa: E402
import course  # noqa: E402
import exchange_release  # noqa: E402


def on_roster(students):
    """Students named on the command line join the gradebook's roster (the grading service grades only the
    roster's students); those already there are left as they are."""
    from nbgrader.api import Gradebook
    cdir = course.coursedir(course.load_config())
    with Gradebook(cdir.db_url, cdir.course_id) as gradebook:
        known = {student.id for student in gradebook.students}
        for student in students:
            if student not in known:
                gradebook.update_or_create_student(student)
                print(f"make hub: {student} added to the roster")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("FFNN_HUB_PORT", "8000")))
    parser.add_argument("--instructor", action="append", default=[], help="an instructor's login (repeat)")
    parser.add_argument("--student", action="append", default=[], help="a student's login (repeat)")
    parser.add_argument("--roster", action="store_true", help="every student of the gradebook's roster too")
    parser.add_argument("--state", type=Path, default=Path(os.environ.get("FFNN_HUB_STATE", HUB / "state")))
    parser.add_argument("--exchange", type=Path, default=Path(accounts.DEFAULT_EXCHANGE))
    parser.add_argument("--shared", type=Path, default=Path(accounts.DEFAULT_SHARED))
    parser.add_argument("--setup-only", action="store_true", help="set up, then stop (no hub)")
    options = parser.parse_args(argv)
    proxy = HUB / "node_modules" / ".bin" / "configurable-http-proxy"
    if not proxy.exists():
        print(f"make hub: JupyterHub's proxy is missing ({proxy}); `make hub` installs it with npm "
              f"(Debian: apt-get install npm).", file=sys.stderr)
        return 2
    students = sorted(set(options.student + (accounts.roster_students() if options.roster else [])))
    instructors = options.instructor or [os.environ.get("SUDO_USER") or "instructor"]
    if "root" in instructors:
        print("make hub: root cannot be the hub's instructor (JupyterHub does not start servers as root); name "
              "one: make hub INSTRUCTOR=<login>", file=sys.stderr)
        return 2
    options.state.mkdir(parents=True, exist_ok=True)
    options.state.chmod(0o700)
    created = accounts.set_up(instructors, students, options.exchange, options.shared,
                              passwords=options.state / "passwords.txt")
    on_roster(options.student)
    (options.state / "accounts.json").write_text(json.dumps({"instructors": instructors, "students": students},
                                                            indent=1))
    staged = exchange_release.STAGED
    for assignment in course.ASSIGNMENTS:
        exchange_release.stage(assignment, staged)
    print(f"make hub: {len(instructors)} instructor(s), {len(students)} student(s); release folders staged in "
          f"{staged} (release with `make hub-release ASSIGNMENT=..` or the formgrader's Release button)")
    for name, password in created.items():
        print(f"make hub: new account {name}, password {password}")
    if not students:
        print("make hub: no student accounts yet: `make roster CSV=...` then `make hub`, or STUDENTS=\"a b\"")
    if options.setup_only:
        return 0
    environment = {**os.environ, "FFNN_HUB_STATE": str(options.state), "FFNN_HUB_SHARED": str(options.shared),
                   "FFNN_EXCHANGE": str(options.exchange), "FFNN_HUB_PORT": str(options.port),
                   "FFNN_HUB_RELEASE": str(staged), "FFNN_GROUPSHARED": "1"}
    print(f"make hub: JupyterHub on http://{environment.get('FFNN_HUB_IP', '127.0.0.1')}:{options.port}/ "
          f"(stop it with Ctrl-C)", flush=True)
    os.chdir(options.state)
    os.execve(sys.executable, [sys.executable, "-m", "jupyterhub", "-f", str(HUB / "jupyterhub_config.py")],
              environment)
    return 0


if __name__ == "__main__":
    sys.exit(main())
