"""A student's work is never written over: the lab's workspace (grader/workspace.py) and the release folder's
guard (grader/release_guard.py), on copies of the real released notebooks."""

from __future__ import annotations

import datetime
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import release_guard  # noqa: E402
import workspace  # noqa: E402

ASSIGNMENT = "03_activations"
NOTEBOOK = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"


def answer(path: Path, text: str = "return 'my answer'"):
    """What a student does: replace the first `raise NotImplementedError()` of the notebook with their code."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if "raise NotImplementedError()" in source:
            cell["source"] = source.replace("raise NotImplementedError()", text, 1)
            break
    else:
        raise AssertionError(f"{path} has no answer cell left")
    path.write_text(json.dumps(nb, indent=1))


def course_update(release_dir: Path, text: str):
    """What a `git pull` of a course update does: a changed released notebook and the manifest that goes with it."""
    path = release_dir / NOTEBOOK
    nb = json.loads(path.read_text())
    nb["cells"].insert(0, {"cell_type": "markdown", "id": f"update-{len(nb['cells'])}", "metadata": {},
                           "source": [text]})
    path.write_text(json.dumps(nb, indent=1))
    release_guard.remember(release_dir, ASSIGNMENT)


@pytest.fixture
def release_dir(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks" / ASSIGNMENT, folder / ASSIGNMENT)
    release_guard.remember(folder, ASSIGNMENT)
    return folder


def test_the_committed_manifest_describes_the_committed_notebooks():
    """A clone's notebooks/ are what the last release generated, so a release moves none of them aside."""
    manifest = release_guard.read_manifest(ROOT / "notebooks")
    assert sorted(manifest) == sorted(f"{a}/{a}.ipynb" for a in
                                      [p.name for p in (ROOT / "solutions").iterdir() if p.is_dir()])
    for assignment in {key.split("/")[0] for key in manifest}:
        assert release_guard.changed_files(ROOT / "notebooks", assignment) == [], \
            f"notebooks/{assignment} differs from notebooks/.generated.json: regenerate with grader/course.py generate"


def test_first_copy_then_never_overwritten_then_updates_arrive_beside(release_dir, tmp_path):
    space = tmp_path / "workspace"
    said = workspace.prepare(release_dir, space)
    assert said == [f"copied {NOTEBOOK} into your workspace"]
    mine = space / NOTEBOOK
    assert mine.read_bytes() == (release_dir / NOTEBOOK).read_bytes()
    assert workspace.prepare(release_dir, space) == []  # nothing new: nothing said, nothing done

    answer(mine)
    answered = mine.read_bytes()
    assert workspace.prepare(release_dir, space) == []
    assert mine.read_bytes() == answered

    course_update(release_dir, "Course update: a new remark.")
    said = workspace.prepare(release_dir, space, today=datetime.date(2026, 11, 30))
    update = space / ASSIGNMENT / f"{ASSIGNMENT} (course update 2026-11-30).ipynb"
    assert mine.read_bytes() == answered, "the student's answers were written over"
    assert "Course update: a new remark." in update.read_text()
    assert len(said) == 1 and "your copy is unchanged" in said[0] and update.name in said[0], said
    # a second update on the same day gets a name of its own; the first update copy is not touched
    first_update = update.read_bytes()
    course_update(release_dir, "Course update: another remark.")
    said = workspace.prepare(release_dir, space, today=datetime.date(2026, 11, 30))
    assert update.read_bytes() == first_update and mine.read_bytes() == answered
    assert (space / ASSIGNMENT / f"{ASSIGNMENT} (course update 2026-11-30, 2).ipynb").exists(), said


def test_an_untouched_copy_follows_the_course(release_dir, tmp_path):
    space = tmp_path / "workspace"
    workspace.prepare(release_dir, space)
    course_update(release_dir, "Course update.")
    said = workspace.prepare(release_dir, space)
    assert said == [f"updated {NOTEBOOK} to the course's new version (you had not changed your copy)"]
    assert (space / NOTEBOOK).read_bytes() == (release_dir / NOTEBOOK).read_bytes()
    assert len(list((space / ASSIGNMENT).glob("*.ipynb"))) == 1


def test_a_deleted_copy_comes_back_and_a_lost_record_loses_nothing(release_dir, tmp_path):
    space = tmp_path / "workspace"
    workspace.prepare(release_dir, space)
    (space / NOTEBOOK).unlink()
    assert workspace.prepare(release_dir, space) == [f"copied {NOTEBOOK} into your workspace again "
                                                     "(your copy was gone)"]
    answer(space / NOTEBOOK)
    answered = (space / NOTEBOOK).read_bytes()
    (space / workspace.RECORD).write_text("{broken")
    course_update(release_dir, "Course update.")
    said = workspace.prepare(release_dir, space)
    assert (space / NOTEBOOK).read_bytes() == answered and "your copy is unchanged" in said[0], said


def test_the_release_guard_moves_a_changed_file_aside_and_says_so(release_dir):
    answer(release_dir / NOTEBOOK)  # a student who answered in notebooks/ (the old layout)
    (release_dir / ASSIGNMENT / "scratch.py").write_text("x = 1\n")  # and kept a file next to it
    answered = (release_dir / NOTEBOOK).read_bytes()
    said = []
    with release_guard.generating(release_dir, ASSIGNMENT, say=said.append) as moved:
        assert not (release_dir / NOTEBOOK).exists()
        shutil.copy(ROOT / "notebooks" / NOTEBOOK, release_dir / NOTEBOOK)  # what generate_assignment writes
    assert len(moved) == 2 and len(said) == 2 and all("kept your changes" in s for s in said), said
    kept = {target.name: target for _, target in moved}
    assert kept[f"{ASSIGNMENT}.ipynb"].read_bytes() == answered
    assert kept["scratch.py"].read_text() == "x = 1\n"
    assert release_guard.PREVIOUS in kept["scratch.py"].parts
    # what was generated is now the course's own: the next run moves nothing
    with release_guard.generating(release_dir, ASSIGNMENT, say=said.append) as moved:
        pass
    assert moved == []


def test_a_failed_generation_is_not_recorded_as_generated(release_dir):
    before = release_guard.read_manifest(release_dir)
    with pytest.raises(SystemExit):
        with release_guard.generating(release_dir, ASSIGNMENT, say=lambda text: None):
            (release_dir / NOTEBOOK).write_text("half a notebook")
            raise SystemExit("generate_assignment failed")
    assert release_guard.read_manifest(release_dir) == before
    assert release_guard.changed_files(release_dir, ASSIGNMENT) == [release_dir / NOTEBOOK]
