"""The hub's machine set-up, run as root by `make hub` (and by the hub tests): accounts, the exchange, and a course
clone that students cannot read.

    python grader/hub/accounts.py --instructor NAME [--student NAME ...] [--roster] [--passwords FILE]

Each step is idempotent and prints what it changed:

1. **Accounts**: a real Unix user per instructor and per student (``useradd``; a student's id is their login
   name), the instructors in the group ``ffnn-instructors``. New accounts get a random password, written to
   ``--passwords`` (mode 0600) when given; existing accounts and their homes are never touched.
2. **The exchange** (nbgrader's shared folder): its root world-writable with the sticky bit, as nbgrader's docs
   ask, and the course's folders made up front, owned by the first instructor and shared with the group
   ffnn-instructors (nbgrader's ``groupshared``: other instructors and the grading service release there too):
   ``outbound`` readable by all, ``inbound`` writable but not listable (a student writes only their own
   submissions and sees nobody else's), ``feedback`` readable only by a file's exact (secret) name.
3. **The course clone, locked**: students run the course's Python (``.venv``) but read nothing else of the clone
   (solutions, hidden tests, the gradebook, the grading secret, the reference implementation, git history). The
   clone's root becomes 0751 (others may pass, not list), ``.venv`` stays readable, every other top-level entry
   belongs to ``ffnn-instructors`` without access for others; ``grader/`` is group-writable for the formgrader.
4. **The course's Python runnable by students**: the folders above its base installation passable by others.
5. **The students' server configuration** (``student_config/``) copied where students can read it
   (``--shared``, default /srv/ffnn): nbgrader's assignment list and Validate, no formgrader.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

HUB = Path(__file__).resolve().parent
ROOT = HUB.parent.parent
INSTRUCTORS = "ffnn-instructors"
COURSE_ID = "ffnn"
DEFAULT_EXCHANGE = os.environ.get("FFNN_EXCHANGE", "/srv/nbgrader/exchange")
DEFAULT_SHARED = os.environ.get("FFNN_HUB_SHARED", "/srv/ffnn")
#: What students may read in the clone: the course's Python environment only (their notebooks and the course's
#: student-side package arrive through the exchange, grader/hub/exchange_release.py).
STUDENT_READABLE = {".venv"}
#: nbgrader's modes for the course's exchange folders with ``CourseDirectory.groupshared`` on (nbgrader/exchange/
#: default/release_assignment.py, release_feedback.py): every instructor, and the hub's grading service (root),
#: releases and collects in folders owned by the first instructor and the group ffnn-instructors.
COURSE_MODE = 0o2775
EXCHANGE_MODES = {"outbound": 0o2775, "inbound": 0o2773, "feedback": 0o2771}
LOGIN_NAME = r"^[a-z_][a-z0-9_-]{0,31}$"


def say(text: str):
    print(f"hub set-up: {text}", flush=True)


def _run(*command):
    subprocess.run(command, check=True, capture_output=True, text=True)


def valid_login(name: str) -> bool:
    import re
    return re.match(LOGIN_NAME, name) is not None


def ensure_group():
    try:
        grp.getgrnam(INSTRUCTORS)
    except KeyError:
        _run("groupadd", "--force", INSTRUCTORS)  # --force: another set-up running now may have just made it
        say(f"created the group {INSTRUCTORS}")


def ensure_account(name: str, instructor: bool) -> str | None:
    """Create the user if missing; return its new password (None for an existing account, left as it is)."""
    password = None
    try:
        pwd.getpwnam(name)
    except KeyError:
        _run("useradd", "--create-home", "--shell", "/bin/bash", "--key", "UMASK=077", name)
        password = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True, capture_output=True)
        say(f"created the {'instructor' if instructor else 'student'} account {name}")
    if instructor and name not in grp.getgrnam(INSTRUCTORS).gr_mem:
        _run("usermod", "--append", "--groups", INSTRUCTORS, name)
        say(f"{name} added to {INSTRUCTORS}")
    return password


def ensure_exchange(root: Path, owner: str):
    """nbgrader's exchange root and the course's folders in it (see the module's docstring)."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o1777)
    uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrnam(INSTRUCTORS).gr_gid
    course = root / COURSE_ID
    folders = [(course, COURSE_MODE)] + [(course / name, mode) for name, mode in EXCHANGE_MODES.items()]
    for folder, mode in folders:
        if not folder.exists():
            folder.mkdir()
            say(f"created {folder} (owner {owner}, group {INSTRUCTORS})")
        os.chown(folder, uid, gid)
        folder.chmod(mode)


def lock_clone(root: Path = ROOT):
    """Students can run .venv's Python and nothing else of the clone (see the module's docstring)."""
    gid = grp.getgrnam(INSTRUCTORS).gr_gid
    os.chown(root, -1, gid)
    root.chmod(0o751)
    locked = []
    for entry in sorted(root.iterdir()):
        if entry.name in STUDENT_READABLE:
            entry.chmod(0o755)
            continue
        os.chown(entry, -1, gid, follow_symlinks=False)
        if entry.is_symlink():
            continue
        mode = entry.stat().st_mode
        entry.chmod((stat.S_IMODE(mode) | (0o050 if entry.is_dir() else 0o040)) & ~0o007)
        locked.append(entry.name)
    grader = root / "grader"
    for path in [grader, *grader.iterdir()]:  # the formgrader (the instructors' own user) writes the gradebook
        if path.name in ("hub", "__pycache__") and path != grader:
            continue
        os.chown(path, -1, gid, follow_symlinks=False)
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | (0o2070 if path.is_dir() else 0o060))
    say(f"locked the course clone {root}: others may pass through it to use .venv; {len(locked)} entries are for "
        f"{INSTRUCTORS} only ({', '.join(locked[:8])}{', ...' if len(locked) > 8 else ''})")


def open_interpreter():
    """Students' servers run the course's .venv, whose Python links to its base installation: every folder above
    that installation must let others pass (o+x; listing stays closed). A Python built under a private home (pyenv
    in /root) does not: those folders are opened for passing, and each change is printed."""
    for base in {Path(sys.base_prefix).resolve(), Path(os.path.realpath(sys.executable)).parent}:
        for folder in reversed([base, *base.parents]):
            mode = stat.S_IMODE(folder.stat().st_mode)
            if not mode & 0o001:
                folder.chmod(mode | 0o001)
                say(f"{folder} may now be passed through by other users (mode {mode:o} -> {mode | 0o001:o}, not "
                    f"listable), so that students can run the course's Python in {base}; a Python installed "
                    f"outside a private home avoids this")


def install_student_config(shared: Path) -> Path:
    """Copy student_config/ where every student can read it; returns the folder."""
    closed = [str(folder) for folder in shared.resolve().parents if not folder.stat().st_mode & 0o001]
    if closed:
        raise SystemExit(f"hub set-up: students could not reach {shared}: {', '.join(closed)} cannot be passed "
                         f"through by other users. Choose another --shared folder (default /srv/ffnn).")
    target = shared / "student-config"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(HUB / "student_config", target, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [shared, *shared.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    say(f"students' server configuration in {target}")
    return target


def set_up(instructors: list[str], students: list[str], exchange: Path, shared: Path,
           passwords: Path | None = None, lock: bool = True) -> dict:
    """Every step above; returns {login: new password} for the accounts created now."""
    if os.geteuid() != 0:
        raise SystemExit("hub set-up: run as root (it creates accounts and sets the exchange's owners): "
                         "sudo make hub")
    bad = [name for name in instructors + students if not valid_login(name)]
    if bad:
        raise SystemExit(f"hub set-up: {', '.join(map(repr, bad))} cannot be login names (lower-case letters, "
                         f"digits, '_' and '-', at most 32, not starting with a digit); fix the roster's ids.")
    if not instructors:
        raise SystemExit("hub set-up: name at least one instructor (--instructor NAME).")
    ensure_group()
    created = {}
    for name in instructors:
        created[name] = ensure_account(name, instructor=True)
    for name in students:
        if name in instructors:
            continue
        created[name] = ensure_account(name, instructor=False)
    created = {name: password for name, password in created.items() if password}
    if passwords and created:
        passwords.parent.mkdir(parents=True, exist_ok=True)
        with open(os.open(passwords, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as out:
            out.writelines(f"{name} {password}\n" for name, password in created.items())
        say(f"the new accounts' passwords are in {passwords} (readable by root only)")
    ensure_exchange(exchange, instructors[0])
    if lock:
        lock_clone()
    open_interpreter()
    install_student_config(shared)
    return created


def roster_students() -> list[str]:
    sys.path.insert(0, str(HUB.parent))
    import course
    from collect import roster_ids
    return roster_ids(course.load_config())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instructor", action="append", default=[], help="an instructor's login (repeat)")
    parser.add_argument("--student", action="append", default=[], help="a student's login (repeat)")
    parser.add_argument("--roster", action="store_true", help="also every student of the gradebook's roster")
    parser.add_argument("--exchange", type=Path, default=Path(DEFAULT_EXCHANGE))
    parser.add_argument("--shared", type=Path, default=Path(DEFAULT_SHARED))
    parser.add_argument("--passwords", type=Path, default=None)
    options = parser.parse_args(argv)
    students = options.student + (roster_students() if options.roster else [])
    set_up(options.instructor, students, options.exchange, options.shared, options.passwords)
    return 0


if __name__ == "__main__":
    sys.exit(main())
