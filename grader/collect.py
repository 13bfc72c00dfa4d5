"""`make collect`: copy submissions into the course's submitted folder, from nbgrader's exchange or from an LMS
download (a zip of notebooks named <student id>_<notebook>.ipynb). It prints every submission or file it matched
and everything it skipped, with the reason. A re-collected submission that differs moves the older copy to a dated
`.previous/` folder first; an older one than the copy in place is kept aside there: nothing is overwritten.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402


ZIP_PATTERN_HELP = """LMS download: any folder layout; each notebook file name must contain the student id and the
notebook name, the id first: <student id>_<notebook>.ipynb, e.g. jdoe42_01_two_layer_network.ipynb. Characters
the LMS adds around them are ignored (jdoe42_late_01_two_layer_network-1.ipynb, 'jdoe42_01_two_layer_network (2)
.ipynb'). The student id is the longest id of the imported roster that starts the name (so ids may contain '_');
without a roster, the text before the first '_'. Files that do not match are listed, not dropped: nothing is
deleted. Of two files for the same notebook, the newer (by the zip's dates) is kept in place, the older in
.previous/."""

NOT_ON_ROSTER = " (NOT on the roster: check the id)"


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


# ------------------------------------------------------------------------------------------ keeping older copies

def _new_previous(folder: Path) -> Path:
    """A new, empty folder ``folder/.previous/<date-time>[-n]`` to keep an older copy in."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        previous = folder / ".previous" / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        if not previous.exists():
            break
    previous.mkdir(parents=True)
    return previous


def _move_unique(source: Path, target_folder: Path) -> Path:
    """Move ``source`` into ``target_folder`` under its own name, or its name with -1, -2... if that is taken."""
    target_folder.mkdir(parents=True, exist_ok=True)
    target, attempt = target_folder / source.name, 0
    while target.exists():
        attempt += 1
        target = target_folder / f"{source.name}-{attempt}"
    shutil.move(str(source), target)
    return target


def _keep_previous(destination: Path) -> Path | None:
    """Move an existing submission file aside (a folder of its own per move, with the file's timestamp.txt)
    instead of overwriting it; return that folder."""
    if not destination.exists():
        return None
    previous = _new_previous(destination.parent)
    shutil.move(str(destination), previous / destination.name)
    if (destination.parent / "timestamp.txt").exists():
        shutil.copy2(destination.parent / "timestamp.txt", previous / "timestamp.txt")
    return previous


def _already_kept(folder: Path, name: str, data: bytes) -> Path | None:
    """The .previous/ folder that already holds this very file, if one does."""
    for kept in sorted((folder / ".previous").glob(f"*/{name}")):
        if kept.read_bytes() == data:
            return kept.parent
    return None


# ------------------------------------------------------------------------------------------------ LMS download

def _order(stamp: str, than: str | None) -> int | None:
    """-1, 0 or 1 as submission time ``stamp`` is before, the same as or after ``than``; None if either cannot be
    read."""
    first, second = _parse_time(stamp), _parse_time(than) if than is not None else None
    return None if first is None or second is None else (first > second) - (first < second)


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
            unknown = NOT_ON_ROSTER if roster and student not in roster else ""
            line = f"collect: {student} {assignment} <- {info.filename}"
            if destination.exists() and destination.read_bytes() == data:
                print(f"{line}: already collected, unchanged{unknown}")
                continue
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", (*info.date_time, 0, 0, -1))  # the zip's own clock
            stamp_file = folder / "timestamp.txt"
            in_place = stamp_file.read_text().strip() if destination.exists() and stamp_file.exists() else None
            order = _order(stamp, in_place)
            if order == -1:
                kept = _already_kept(folder, destination.name, data)
                if kept is None:
                    kept = _new_previous(folder)
                    (kept / destination.name).write_bytes(data)
                    (kept / "timestamp.txt").write_text(stamp)
                    print(f"{line}: skipped, submitted {stamp}: older than the one collected (submitted "
                          f"{in_place}), which stays; this one kept aside in {kept}{unknown}")
                else:
                    print(f"{line}: skipped, submitted {stamp}: older than the one collected (submitted "
                          f"{in_place}); already kept aside in {kept}{unknown}")
                continue
            previous = _keep_previous(destination)
            destination.write_bytes(data)
            stamp_file.write_text(stamp)
            collected[assignment] += 1
            what = ("new" if previous is None else
                    f"a newer file; the previous one (submitted {in_place}) moved to {previous}" if order == 1 else
                    f"a different file of the same date; the previous one moved to {previous}" if order == 0 else
                    f"a different file (no date to compare with the one collected); the previous one moved to "
                    f"{previous}")
            print(f"{line}: {what}, submitted {stamp}{unknown}")
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


# -------------------------------------------------------------------------------------------- nbgrader exchange

def collect_exchange(config, assignments, students=None) -> int:
    """nbgrader's collect (the latest submission of each student, with `--update`), run one student at a time, so
    that a submission it cannot copy does not stop the others. nbgrader deletes a collected submission before it
    copies a newer one: a copy is taken first and kept in `.previous/`, or put back if the newer one fails.
    ``students``: only these (the hub's grading on submit); default: everyone in the exchange."""
    grader = course.api(config)
    if getattr(grader, "exchange_missing", False):
        print(f"collect: nbgrader's exchange ({grader.exchange_root}) does not exist; collect from an LMS "
              f"download with `make collect ZIP=downloads.zip` instead.", file=sys.stderr)
        return 2
    status = 0
    submitted = course.folder(config, "submitted_directory")
    roster = set(roster_ids(config))
    inbound = Path(grader.exchange_root) / grader.course_id / "inbound"
    for assignment in assignments:
        records = _inbound_records(inbound, assignment)
        if students is not None:
            records = {student: found for student, found in records.items() if student in students}
        before = _submissions(submitted, assignment)
        expected = sorted(p.name for p in (course.SOURCE / assignment).glob("*.ipynb"))
        outcomes = Counter()
        for student in sorted(records):
            unknown = NOT_ON_ROSTER if roster and student not in roster else ""
            outcomes[_collect_student(grader, inbound, submitted / student / assignment, records[student],
                                      expected, unknown)] += 1
        if students is not None:
            status |= bool(outcomes["FAILED"])
            continue
        for student in sorted(set(before) - set(records)):
            print(f"collect: {student} {assignment}: collected before (submitted {before[student][0]}), no longer "
                  f"in the exchange: kept as it is")
        status |= bool(outcomes["FAILED"])
        counts = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        print(f"collect: {assignment}: {'FAILED for some' if outcomes['FAILED'] else 'ok'}{': ' * bool(counts)}"
              f"{counts}")
        if not records:
            print(f"collect: {assignment}: nobody has submitted it to the exchange ({grader.exchange_root}) yet.")
    return status


def _inbound_records(inbound: Path, assignment: str) -> dict:
    """{student: [(time or None, time as written, folder name), ...]} of the exchange's submissions of an
    assignment, found and read as nbgrader's collect does (ExchangeCollect.init_src, _path_to_record); the time is
    None when nbgrader cannot read it."""
    records = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(inbound, f"*+{assignment}+*"))):
        parts = os.path.basename(path).rsplit("+", 3)
        records[parts[0]].append((_parse_time(parts[2]), parts[2], os.path.basename(path)))
    return records


def _parse_time(written: str):
    from nbgrader.utils import parse_utc
    try:
        return parse_utc(written)
    except (ValueError, OverflowError):
        return None


class _Warnings(logging.Handler):
    """nbgrader's warnings and errors while it collects one student, each on one line."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.lines = []

    def emit(self, record):
        self.lines.append(" ".join(record.getMessage().split()))


def _nbgrader_collect(grader, assignment: str, student: str):
    """nbgrader's collect of one student's submissions of an assignment: (its result, its warnings)."""
    warnings, student_ids = _Warnings(), grader.coursedir.student_id
    grader.log.addHandler(warnings)
    grader.coursedir.student_id = glob.escape(student)  # a glob to nbgrader
    try:
        return grader.collect(assignment), warnings.lines
    finally:
        grader.coursedir.student_id = student_ids
        grader.log.removeHandler(warnings)


def _collect_student(grader, inbound: Path, folder: Path, records, expected, unknown) -> str:
    """Collect a student's latest submission of an assignment; print what was matched, what was skipped and why.
    Returns the outcome: new, newer, unchanged or FAILED."""
    student, assignment = folder.parent.name, folder.name
    line = f"collect: {student} {assignment}"
    before = _fingerprint(folder)
    snapshot = None
    if before is not None:
        snapshot = Path(tempfile.mkdtemp(prefix=f".{assignment}-before-collect-", dir=folder.parent))
        shutil.copytree(folder, snapshot / assignment, symlinks=True)
    result, warnings = _nbgrader_collect(grader, assignment, student)
    after = _fingerprint(folder)
    if not result["success"] or after is None:
        _failed(result, inbound, folder, snapshot, before != after, records, line)
        outcome = "FAILED"
    else:
        if after == before:
            outcome, what = "unchanged", "unchanged"
        elif before is None:
            outcome, what = "new", "new"
        else:
            kept = _keep_aside(snapshot / assignment, folder)
            outcome, what = "newer", f"a newer submission; the one collected before moved to {kept}"
        stamp = _stamp(folder)
        files = sorted(p.name for p in folder.glob("*.ipynb"))
        missing = [name for name in expected if name not in files]
        in_place = _parse_time(stamp)
        source = [name for when, written, name in records if written == stamp or when and when == in_place][:1]
        print(f"{line} <- {source[0] if source else 'a submission of that time, no longer in the exchange'}: "
              f"{', '.join(files) or 'no notebook'} submitted {stamp}: {what}{unknown}"
              f"{'; MISSING ' + ', '.join(missing) + ', nothing to grade there' if missing else ''}")
        _print_skipped(records, stamp, source, line)
    for warning in warnings:
        print(f"{line}: nbgrader warns: {warning}")
    if snapshot is not None and (_fingerprint(folder) == before or not any(p.is_file() for p in snapshot.rglob("*"))):
        shutil.rmtree(snapshot)  # a copy of what is in place, unchanged, or emptied by moving it back or aside
    return outcome


def _print_skipped(records, stamp: str, collected: list, line: str):
    """One line per submission in the exchange other than the one collected, with the reason it was skipped."""
    in_place = _parse_time(stamp)
    for when, written, name in sorted(records, key=lambda record: record[2]):
        if name in collected:
            continue
        if when is None:
            why = f"nbgrader cannot read the time '{written}' in its name"
        elif in_place is None:
            why = f"submitted {written}; nbgrader kept the one collected before, of time '{stamp}'"
        elif when < in_place:
            why = f"an older submission (submitted {written}), superseded by the one of {stamp}"
        elif when == in_place:
            why = f"submitted {written}, the same time as the one collected"
        else:
            why = (f"submitted {written}, after the one collected, which nbgrader kept (ExchangeCollect."
                   f"before_duedate: the last submission before the due date)")
        print(f"{line}: skipped {name}: {why}")


def _failed(result, inbound: Path, folder: Path, snapshot, changed: bool, records, line: str):
    """nbgrader could not collect: keep its partial copy aside, put the submission collected before back in place
    (nbgrader deletes it before it copies a newer one), and say why."""
    newest = max(records, key=lambda record: (record[0] is not None, record[0] or 0, record[2]))
    unnamed = [record for record in records if record[0] is None]
    unreadable = _unreadable(inbound / newest[2]) if not unnamed else None
    error = (result.get("error") or "").strip().splitlines()
    why = (f"nbgrader cannot read the time '{unnamed[0][1]}' in the name {unnamed[0][2]}, so it collects none "
           f"of this student's submissions" if unnamed else
           f"unreadable: {unreadable}" if unreadable else
           error[-1] if error else "nbgrader collected nothing (its log is below)")
    notes = []
    if changed and folder.exists():
        notes.append(f"its partial copy moved to {_move_unique(folder, folder.parent / '.incomplete')}")
    if snapshot is not None:
        if not folder.exists():  # nbgrader deleted it
            shutil.move(str(snapshot / folder.name), folder)
        notes.append(f"the one collected before (submitted {_stamp(folder)}) is kept in place")
    print(f"{line}: FAILED, {newest[2]} not collected: {why}{''.join('; ' + note for note in notes)}")
    for when, written, name in sorted(records, key=lambda record: record[2]):
        if name != newest[2]:
            print(f"{line}: skipped {name}: " + (f"submitted {written}, older than {newest[2]}" if when else
                                                 f"nbgrader cannot read the time '{written}' in its name"))
    print(f"{line}: nbgrader's log:\n{result.get('log') or ''}{result.get('error') or ''}", file=sys.stderr)


def _unreadable(submission: Path) -> str | None:
    """The first file or folder of a submission in the exchange that cannot be read, and why; None if all can."""
    problems = []
    for folder, _, files in os.walk(submission, onerror=problems.append):
        for name in files:
            try:
                with open(os.path.join(folder, name), "rb"):
                    pass
            except OSError as error:
                return f"{os.path.join(folder, name)} ({error.strerror})"
    return f"{problems[0].filename} ({problems[0].strerror})" if problems else None


def _keep_aside(snapshot: Path, folder: Path) -> Path:
    """Move the copy of the submission collected before into ``folder/.previous/<date-time>/``, and its own
    `.previous/` (which nbgrader deleted with it) back into ``folder/.previous/``."""
    for older in sorted((snapshot / ".previous").glob("*")):
        _move_unique(older, folder / ".previous")
    kept = _new_previous(folder)
    for entry in sorted(snapshot.iterdir()):
        if entry.name != ".previous":
            shutil.move(str(entry), kept / entry.name)
    return kept


def _stamp(folder: Path) -> str:
    stamp_file = folder / "timestamp.txt"
    return stamp_file.read_text().strip() if stamp_file.exists() else "(no timestamp)"


def _fingerprint(folder: Path) -> dict | None:
    """{path: sha256} of a collected submission's files (not the hidden ones such as .previous/), or None."""
    if not folder.is_dir():
        return None
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")}


def _submissions(submitted: Path, assignment: str) -> dict:
    """{student: (timestamp, notebook names)} of an assignment's collected submissions."""
    found = {}
    for folder in sorted(submitted.glob(f"*/{assignment}")) if submitted.is_dir() else []:
        found[folder.parent.name] = (_stamp(folder), tuple(sorted(p.name for p in folder.glob("*.ipynb"))))
    return found
