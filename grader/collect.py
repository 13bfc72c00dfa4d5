"""`make collect`: copy submissions into the course's submitted folder, from nbgrader's exchange or from an LMS
download (a zip of notebooks named <student id>_<notebook>.ipynb). A re-collected file that differs moves the
older copy to a dated `.previous/` folder first: nothing is overwritten.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402


ZIP_PATTERN_HELP = """LMS download: any folder layout; each notebook file name must contain the student id and the
notebook name, the id first: <student id>_<notebook>.ipynb, e.g. jdoe42_01_two_layer_network.ipynb. Characters
the LMS adds around them are ignored (jdoe42_late_01_two_layer_network-1.ipynb, 'jdoe42_01_two_layer_network (2)
.ipynb'). The student id is the longest id of the imported roster that starts the name (so ids may contain '_');
without a roster, the text before the first '_'. Files that do not match are listed, not dropped: nothing is
deleted. Of two files for the same notebook, the newer (by the zip's dates) is kept, the older moved aside."""


def match_zip_name(name, notebooks, roster=()):
    """(student, notebook) for an LMS file name, or None. With a roster, the longest roster id that starts the
    name wins (so ids may contain '_'); without one, the id ends at the first '_'."""
    base = Path(name).name
    if not base.endswith(".ipynb") or base.startswith("."):
        return None
    for notebook in sorted(notebooks, key=len, reverse=True):
        if notebook in base:
            head = base.split(notebook, 1)[0]
            known = [r for r in roster if head.startswith(r + "_")]
            if known:
                return max(known, key=len), notebook
            student = re.match(r"^([A-Za-z0-9.\-]+)_", head)
            if student:
                return student.group(1), notebook
    return None


def roster_ids(config) -> list[str]:
    """Student ids already in the gradebook (empty when there is none yet)."""
    from nbgrader.api import Gradebook
    db_url = course.coursedir(config).db_url
    if db_url.startswith("sqlite:///") and not Path(db_url[len("sqlite:///"):]).exists():
        return []
    with Gradebook(db_url, course.coursedir(config).course_id) as gradebook:
        return [student.id for student in gradebook.students]


def _keep_previous(destination: Path):
    """Move an existing submission file aside (a folder of its own per move) instead of overwriting it."""
    if destination.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for attempt in range(1000):
            previous = destination.parent / ".previous" / (stamp if attempt == 0 else f"{stamp}-{attempt}")
            if not previous.exists():
                break
        previous.mkdir(parents=True)
        shutil.move(str(destination), previous / destination.name)


def collect_zip(config, archive: Path) -> int:
    if not archive.is_file():
        print(f"collect: no such file {archive}; give the LMS download with ZIP=<path>.", file=sys.stderr)
        return 2
    submitted = course.folder(config, "submitted_directory")
    notebooks = {name: assignment for assignment in course.ASSIGNMENTS
                 for name in [p.stem for p in (course.SOURCE / assignment).glob("*.ipynb")]}
    unmatched, collected = [], Counter()
    roster = roster_ids(config)
    if not roster:
        print("collect: no roster imported (optional): student ids are read from the file names as they are; "
              "`make roster CSV=students.csv` first to have unknown ids pointed out.")
    try:
        bundle = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        print(f"collect: {archive} is not a zip file ({error}).", file=sys.stderr)
        return 2
    with bundle:
        # oldest first, so that of two files for the same notebook the newest is the one kept in place
        for info in sorted(bundle.infolist(), key=lambda i: i.date_time):
            if info.is_dir():
                continue
            found = match_zip_name(info.filename, notebooks, roster)
            if not found:
                unmatched.append(info.filename)
                continue
            student, notebook = found
            assignment = notebooks[notebook]
            folder = submitted / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            destination = folder / f"{notebook}.ipynb"
            data = bundle.read(info)
            unknown = " (NOT on the roster: check the id)" if roster and student not in roster else ""
            if destination.exists() and destination.read_bytes() == data:
                print(f"collect: {student} {assignment} <- {info.filename}: already collected, unchanged{unknown}")
                continue
            replaced = destination.exists()
            _keep_previous(destination)
            destination.write_bytes(data)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", (*info.date_time, 0, 0, -1))  # the zip's own clock
            (folder / "timestamp.txt").write_text(stamp)
            collected[assignment] += 1
            what = "a newer file; the previous one moved to .previous/" if replaced else "new"
            print(f"collect: {student} {assignment} <- {info.filename}: {what}, submitted {stamp}{unknown}")
    for assignment, count in sorted(collected.items()):
        print(f"collect: {assignment}: {count} notebook(s) into {submitted}")
    if unmatched:
        print(f"collect: {len(unmatched)} file(s) did not match <student id>_<notebook>.ipynb and were NOT "
              f"collected (they are still in {archive}):")
        for name in unmatched:
            print(f"  {name}")
    if not collected and not unmatched:
        print("collect: nothing new in the archive.")
    return 0


def collect_exchange(config, assignments) -> int:
    grader = course.api(config)
    if getattr(grader, "exchange_missing", False):
        print(f"collect: nbgrader's exchange ({grader.exchange_root}) does not exist; collect from an LMS "
              f"download with `make collect ZIP=downloads.zip` instead.", file=sys.stderr)
        return 2
    status = 0
    submitted = course.folder(config, "submitted_directory")
    roster = set(roster_ids(config))
    for assignment in assignments:
        before = _submissions(submitted, assignment)
        result = grader.collect(assignment)
        ok = result["success"]
        status |= not ok
        print(f"collect: {assignment}: {'ok' if ok else 'FAILED'}")
        if not ok:
            print(result.get("error") or result.get("log"), file=sys.stderr)
            continue
        after = _submissions(submitted, assignment)
        for student, (stamp, files) in sorted(after.items()):
            what = ("new" if student not in before else
                    "unchanged" if before[student] == (stamp, files) else "a newer submission")
            unknown = " (NOT on the roster: check the id)" if roster and student not in roster else ""
            print(f"collect: {student} {assignment}: {', '.join(files) or 'no notebook'} submitted {stamp}: "
                  f"{what}{unknown}")
        if not after:
            print(f"collect: {assignment}: nobody has submitted it to the exchange ({grader.exchange_root}) yet.")
    return status


def _submissions(submitted: Path, assignment: str) -> dict:
    """{student: (timestamp, notebook names)} of an assignment's collected submissions."""
    found = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        stamp_file = folder / "timestamp.txt"
        stamp = stamp_file.read_text().strip() if stamp_file.exists() else "(no timestamp)"
        found[folder.parent.name] = (stamp, tuple(sorted(p.name for p in folder.glob("*.ipynb"))))
    return found
