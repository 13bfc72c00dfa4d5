"""Nothing in the release folder is written over: what differs from the last generated version is moved aside.

`nbgrader generate_assignment --force` replaces a release folder (notebooks/<assignment>/) wholesale. A student
who answered a notebook there, or kept a scratch file next to it, would lose that work without a word. So every
step that generates student versions (`make release`, `grader/course.py generate`) runs through ``generating``:

    with release_guard.generating(release_dir, assignment) as moved:
        api.generate_assignment(assignment, force=True, create=True)

Before: each file of the folder whose bytes differ from what was last generated (or that was never generated) is
moved to ``<release_dir>/.previous/<date-time>/<assignment>/`` and named in the returned list. After: the
fingerprints of what was generated are written to ``<release_dir>/.generated.json`` (committed with notebooks/),
so the next run knows which files are the course's own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import time
from pathlib import Path

import atomic_write

MANIFEST = ".generated.json"
PREVIOUS = ".previous"


def fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder: Path):
    """Every file of an assignment's release folder, checkpoints and hidden files aside (nbgrader ignores them)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def read_manifest(release_dir: Path) -> dict:
    path = Path(release_dir) / MANIFEST
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise SystemExit(f"{path} is not valid JSON ({error}); restore it with `git checkout {path}` "
                         f"or delete it (then every file in {release_dir} counts as changed and is moved aside).")


def _write_manifest(release_dir: Path, manifest: dict):
    atomic_write.write_text(Path(release_dir) / MANIFEST, json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


def changed_files(release_dir: Path, assignment: str) -> list[Path]:
    """Files of ``release_dir/assignment`` that are not byte for byte what was last generated there."""
    release_dir = Path(release_dir)
    manifest = read_manifest(release_dir)
    return [p for p in _files(release_dir / assignment)
            if manifest.get(p.relative_to(release_dir).as_posix()) != fingerprint(p)]


def move_aside(release_dir: Path, assignment: str) -> list[tuple[Path, Path]]:
    """Move every changed file of the assignment's release folder under .previous/; return (from, to) pairs."""
    release_dir = Path(release_dir)
    changed = changed_files(release_dir, assignment)
    if not changed:
        return []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        folder = release_dir / PREVIOUS / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        if not folder.exists():
            break
    moved = []
    for path in changed:
        target = folder / path.relative_to(release_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        moved.append((path, target))
    return moved


def remember(release_dir: Path, assignment: str):
    """Record the fingerprints of what was just generated for the assignment (other assignments' entries stay)."""
    release_dir = Path(release_dir)
    manifest = {k: v for k, v in read_manifest(release_dir).items() if not k.startswith(f"{assignment}/")}
    for path in _files(release_dir / assignment):
        manifest[path.relative_to(release_dir).as_posix()] = fingerprint(path)
    _write_manifest(release_dir, manifest)


@contextlib.contextmanager
def generating(release_dir: Path, assignment: str, say=print):
    """Move changed files aside (saying so), let the caller generate, then remember what it generated."""
    moved = move_aside(release_dir, assignment)
    for source, target in moved:
        say(f"kept your changes: {source} is not what the course last generated there; moved to {target}")
    yield moved
    remember(release_dir, assignment)
