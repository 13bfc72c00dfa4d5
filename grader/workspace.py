"""The student's own copies of the released notebooks: copied once, never written over.

`make lab` opens workspace/ (git-ignored), not notebooks/, which `make release` and `git pull` change. Before the
lab starts, ``prepare`` brings each released notebook across:

- not in the workspace yet: copied (the first time, or after the student deleted their copy);
- the course changed it since it was copied (a `git pull`, a new release):
  - the student never touched their copy: it is replaced by the new version;
  - the student touched it: their copy stays as it is, and the new version is saved next to it as
    ``<name> (course update <date>).ipynb``, a new file, never over an existing one;
- otherwise nothing happens.

What was copied is remembered in ``workspace/.course-copies.json``: the fingerprint of the released file last
brought across, and of the bytes the course wrote under the student's name (a copy that still has them is untouched). Every action is returned as a sentence, which `make lab` prints.
"""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import atomic_write
from release_guard import fingerprint

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = ROOT / "workspace"
RECORD = ".course-copies.json"


def _released_files(release_dir: Path):
    """(relative path, file) of every released file students work on, course order, hidden files aside."""
    for folder in sorted(p for p in Path(release_dir).iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(release_dir)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                yield relative, path


def _read_record(workspace: Path) -> dict:
    path = workspace / RECORD
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        # Only the bookkeeping is lost: every copy that differs from its released file now counts as touched.
        return {}


def _write_record(workspace: Path, record: dict):
    atomic_write.write_text(workspace / RECORD, json.dumps(dict(sorted(record.items())), indent=1) + "\n")


def _copy(source: Path, target: Path) -> str | None:
    """Copy in one step, so an interrupted copy never leaves half a notebook under the real name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write.written_in_one_step(target, hidden=True) as partial:
        shutil.copyfile(source, partial)
    return _trust(target)


def _trust(notebook: Path) -> str | None:
    """Mark a copied course notebook as trusted (what `jupyter trust` does), so that JupyterLab shows its outputs
    without warning that it is not trusted. Returns a sentence if that was not possible (harmless otherwise)."""
    if notebook.suffix != ".ipynb":
        return None
    try:
        import nbformat
        from nbformat.sign import NotebookNotary
        NotebookNotary().sign(nbformat.read(notebook, as_version=4))
    except Exception as error:  # a read-only home folder, a notary database in use: the lab still works
        return f"could not mark {notebook.name} as trusted ({error}); JupyterLab will say so, which is harmless"
    return None


def _update_name(target: Path, today: datetime.date) -> Path:
    """``<stem> (course update <date>)<suffix>``, with a counter if that name is taken."""
    for attempt in range(1, 1000):
        label = f"course update {today.isoformat()}" + ("" if attempt == 1 else f", {attempt}")
        candidate = target.with_name(f"{target.stem} ({label}){target.suffix}")
        if not candidate.exists():
            return candidate
    raise SystemExit(f"make lab: too many course updates of {target} today; move some aside.")


def prepare(release_dir: Path, workspace: Path = WORKSPACE, today: datetime.date | None = None) -> list[str]:
    """Bring the released notebooks into the workspace without writing over a student's work; say what was done."""
    release_dir, workspace = Path(release_dir), Path(workspace)
    if not release_dir.is_dir():
        raise SystemExit(f"make lab: no released notebooks in {release_dir}; run it from a clone of the course.")
    today = today or datetime.date.today()
    workspace.mkdir(parents=True, exist_ok=True)
    record = _read_record(workspace)
    said = []
    for relative, released in _released_files(release_dir):
        key, target = relative.as_posix(), workspace / relative
        released_now = fingerprint(released)
        entry = record.get(key)
        if not target.exists():
            note = _copy(released, target)
            record[key] = {"released": released_now, "copied": released_now}
            said += [note] if note else []
            said.append(f"copied {key} into your workspace" + (" again (your copy was gone)" if entry else ""))
            continue
        copy_now = fingerprint(target)
        if entry is None:  # a file of the student's own with that name, or the record was lost
            known = released_now if copy_now == released_now else None
            entry = record[key] = {"released": known, "copied": known}
        if entry["released"] == released_now:
            continue
        if entry["copied"] is not None and copy_now == entry["copied"]:
            note = _copy(released, target)
            record[key] = {"released": released_now, "copied": released_now}
            said += [note] if note else []
            said.append(f"updated {key} to the course's new version (you had not changed your copy)")
        else:
            update = _update_name(target, today)
            note = _copy(released, update)
            said += [note] if note else []
            record[key] = {"released": released_now, "copied": entry["copied"]}
            said.append(f"the course updated {key}; your copy is unchanged and the new version is "
                        f"{update.relative_to(workspace).as_posix()}: carry your answers across when you like")
    _write_record(workspace, record)
    return said
