"""`make release` and `make collect` on real nbgrader: release bundles, LMS downloads, nbgrader's exchange."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile

from known_warnings import unexplained_warnings
from test_grading_workflow import ASSIGNMENT, PYTHON, ROOT, run, tree_digest
from test_workspace import NOTEBOOK, answer, course_update, release_guard


# ------------------------------------------------------------------------------------------------- release

def test_release_builds_bundles_without_solutions_or_hidden_tests(tmp_path):
    """Also: the student's answers survive the release and a course update (the workspace), and the release's
    output has no WARNING line that tests/known_warnings.py does not explain."""
    release_dir, space = tmp_path / "release", tmp_path / "workspace"
    shutil.copytree(ROOT / "notebooks" / "03_activations", release_dir / "03_activations")  # a clone's notebooks/
    release_guard.remember(release_dir, "03_activations")
    lab = [str(ROOT / "grader" / "lab.py"), "--prepare-only", "--release", str(release_dir), "--root", str(space)]
    run(lab, {})
    answer(space / NOTEBOOK)  # the student works in their workspace...
    answered = (space / NOTEBOOK).read_bytes()
    answer(release_dir / NOTEBOOK, "return 'answered in notebooks/'")  # ...or, the old way, in notebooks/
    in_release_dir = (release_dir / NOTEBOOK).read_bytes()

    env = {"FFNN_RELEASE": str(release_dir), "FFNN_DIST": str(tmp_path / "dist"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    result = run([str(ROOT / "grader" / "instructor.py"), "release", "03_activations"], env)
    assert unexplained_warnings(result.stdout + result.stderr) == []
    moved = list((release_dir / release_guard.PREVIOUS).rglob("03_activations.ipynb"))
    assert len(moved) == 1 and moved[0].read_bytes() == in_release_dir, "the answers in notebooks/ were lost"
    assert f"kept your changes: {release_dir / NOTEBOOK}" in result.stdout and str(moved[0]) in result.stdout
    course_update(release_dir, "Course update after the release.")  # what a `git pull` brings
    prepared = run(lab, {})
    assert (space / NOTEBOOK).read_bytes() == answered, "the student's answers were written over"
    updates = list((space / "03_activations").glob("03_activations (course update *).ipynb"))
    assert len(updates) == 1 and "Course update after the release." in updates[0].read_text()
    assert "your copy is unchanged" in prepared.stdout
    source = json.loads((ROOT / "solutions" / "03_activations" / "03_activations.ipynb").read_text())
    graded = sum(bool(c["metadata"].get("nbgrader", {}).get("grade")) for c in source["cells"])
    assert graded >= 8, graded
    assert f"fails {graded} of {graded} graded tests" in result.stdout and "bundle" in result.stdout
    bundle = tmp_path / "dist" / "03_activations.zip"
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "unzipped")
    assert "03_activations/03_activations.ipynb" in names and "03_activations/ffnn/check.py" in names
    assert "03_activations/nbgrader_config.py" in names  # Validate finds a configuration: no warning there is none
    assert not [n for n in names if "/reference/" in n], "the reference solutions are in the bundle"
    for name in names:
        if name.endswith((".py", ".ipynb", ".json", ".md")):
            text = (tmp_path / "unzipped" / name).read_text()
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, name
    # the bundle works on its own: its ffnn, not the repository's, and no reference
    folder = tmp_path / "unzipped" / "03_activations"
    probe = subprocess.run([PYTHON, "-c", "import ffnn, sys; print(ffnn.__file__); import ffnn.check; "
                            "ffnn.check.Checker('activations');\ntry:\n import ffnn.reference\nexcept ImportError:\n"
                            " print('no reference')"], cwd=folder, capture_output=True, text=True)
    assert str(folder) in probe.stdout and "no reference" in probe.stdout, probe.stdout + probe.stderr
    # Validate, as the notebook's button runs it in the bundle's folder: it finds the bundle's configuration
    validated = subprocess.run([PYTHON, "-m", "nbgrader", "validate", "03_activations.ipynb"], cwd=folder,
                               capture_output=True, text=True, timeout=300)
    assert "VALIDATION FAILED" in validated.stdout, validated.stdout[-2000:] + validated.stderr[-2000:]
    assert "No nbgrader_config.py" not in validated.stdout + validated.stderr, validated.stderr[-2000:]


# ------------------------------------------------------------------------------------------------- collect

def test_collect_from_an_lms_download(tmp_path):
    download = tmp_path / "downloads.zip"
    notebook = (ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    january, february, december = (2025, 1, 15, 10, 0, 0), (2025, 2, 15, 10, 0, 0), (2024, 12, 15, 10, 0, 0)
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"jdoe42_{ASSIGNMENT}.ipynb", january), notebook)
        archive.writestr(f"section-b/asmith_late_{ASSIGNMENT}-1.ipynb", notebook)
        archive.writestr("bkim.x_03_activations (2).ipynb", b"{}")
        archive.writestr("notes/readme.txt", b"hello")
        archive.writestr(f"{ASSIGNMENT}.ipynb", notebook)  # no student id
    env = {"FFNN_SUBMITTED": str(tmp_path / "submitted")}
    collect = [str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(download)]
    result = run(collect, env)
    submitted = tmp_path / "submitted"
    jdoe42 = submitted / "jdoe42" / ASSIGNMENT
    assert (jdoe42 / f"{ASSIGNMENT}.ipynb").read_bytes() == notebook
    assert (submitted / "asmith" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (submitted / "bkim.x" / "03_activations" / "03_activations.ipynb").exists()
    assert (jdoe42 / "timestamp.txt").read_text() == "2025-01-15 10:00:00"
    assert "2 file(s) did not match" in result.stdout
    assert "notes/readme.txt" in result.stdout and f"\n  {ASSIGNMENT}.ipynb" in result.stdout
    # it says what it matched, file by file, and that no roster was there to check the ids against
    assert f"collect: jdoe42 {ASSIGNMENT} <- jdoe42_{ASSIGNMENT}.ipynb: new, submitted 2025-01-15 10:00:00" in (
        result.stdout)
    assert f"collect: asmith {ASSIGNMENT} <- section-b/asmith_late_{ASSIGNMENT}-1.ipynb: new" in result.stdout
    assert "no roster imported (optional)" in result.stdout
    # collecting a newer download keeps the older file instead of overwriting it, and says so
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"jdoe42_{ASSIGNMENT}.ipynb", february), notebook + b"\n")
        archive.writestr(f"asmith_{ASSIGNMENT}.ipynb", notebook)
    again = run(collect, env)
    kept = list((jdoe42 / ".previous").rglob("*.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == notebook
    assert (kept[0].parent / "timestamp.txt").read_text() == "2025-01-15 10:00:00"
    assert (f"jdoe42_{ASSIGNMENT}.ipynb: a newer file; the previous one (submitted 2025-01-15 10:00:00) moved to "
            f"{kept[0].parent}, submitted 2025-02-15 10:00:00") in again.stdout
    assert f"collect: asmith {ASSIGNMENT} <- asmith_{ASSIGNMENT}.ipynb: already collected, unchanged" in again.stdout
    # a download with an older file than the one collected: the collected one stays, the older one is kept aside
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"jdoe42_{ASSIGNMENT}.ipynb", december), notebook + b"\n\n")
    older = run(collect, env)
    assert (jdoe42 / f"{ASSIGNMENT}.ipynb").read_bytes() == notebook + b"\n", "an older file was put in place"
    assert (jdoe42 / "timestamp.txt").read_text() == "2025-02-15 10:00:00"
    aside = [p for p in (jdoe42 / ".previous").rglob("*.ipynb") if p.read_bytes() == notebook + b"\n\n"]
    assert len(aside) == 1 and (aside[0].parent / "timestamp.txt").read_text() == "2024-12-15 10:00:00"
    assert len(list((jdoe42 / ".previous").rglob("*.ipynb"))) == 2, "the first file kept aside was lost"
    assert (f"jdoe42_{ASSIGNMENT}.ipynb: skipped, submitted 2024-12-15 10:00:00: older than the one collected "
            f"(submitted 2025-02-15 10:00:00), which stays; this one kept aside in {aside[0].parent}") in older.stdout
    assert "a newer file" not in older.stdout and "nothing new in the archive" in older.stdout
    repeated = run(collect, env)  # the same older file again: not kept twice
    assert f"already kept aside in {aside[0].parent}" in repeated.stdout
    assert len(list((jdoe42 / ".previous").rglob("*.ipynb"))) == 2


def test_collect_reports_a_broken_archive(tmp_path):
    broken = tmp_path / "downloads.zip"
    broken.write_text("not a zip")
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(broken)],
                 {"FFNN_SUBMITTED": str(tmp_path / "s")}, check=False)
    assert result.returncode == 2 and "is not a zip file" in result.stderr


def _exchange_course(tmp_path):
    """A release of ASSIGNMENT in an nbgrader exchange under tmp_path, fetched by a student; returns the collect
    command's environment, the exchange's inbound folder, the student's notebook and `submit()`, which submits it
    as the student with nbgrader and returns the name of the submission in the exchange."""
    exchange, student_home = tmp_path / "exchange", tmp_path / "jdoe42"
    exchange.mkdir()
    exchange.chmod(0o777)
    student_home.mkdir()
    env = {"FFNN_EXCHANGE": str(exchange), "FFNN_SUBMITTED": str(tmp_path / "submitted"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path / 'gradebook.db'}"}
    run(["-c", f"import sys; sys.path.insert(0, {str(ROOT / 'grader')!r}); import course; api = course.api(); "
               f"assert api.generate_assignment('{ASSIGNMENT}')['success']; "
               f"r = api.release_assignment('{ASSIGNMENT}'); assert r['success'], r"],
        {**env, "FFNN_RELEASE": str(tmp_path / "release")})
    student_env = {**os.environ, "USER": "jdoe42", "LOGNAME": "jdoe42", "HOME": str(student_home)}
    inbound = exchange / "ffnn" / "inbound"

    def nbgrader(*command):
        result = subprocess.run([PYTHON, "-m", "nbgrader", *command, "--course", "ffnn",
                                 f"--Exchange.root={exchange}"], cwd=student_home, env=student_env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    def submit():
        known = set(os.listdir(inbound)) if inbound.is_dir() else set()
        nbgrader("submit", ASSIGNMENT)
        new = set(os.listdir(inbound)) - known
        assert len(new) == 1, new
        return new.pop()

    nbgrader("fetch_assignment", ASSIGNMENT)
    return env, inbound, student_home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", submit


def _forge(inbound, submission, student, written):
    """A copy of a submission in the exchange under another student's name and time (as if put there by hand);
    its owner is then not the student it names."""
    name = f"{student}+{ASSIGNMENT}+{written}+forged"
    shutil.copytree(inbound / submission, inbound / name)
    (inbound / name / "timestamp.txt").write_text(written)
    return name


def test_collect_from_the_exchange(tmp_path):
    """Release to an nbgrader exchange, fetch and submit as a student, then `instructor.py collect`, again and again:
    new, unchanged, a newer submission (the older one skipped, with the reason), and nothing collected is lost."""
    import pwd
    from nbgrader.api import Gradebook
    env, inbound, notebook, submit = _exchange_course(tmp_path)
    collect = [str(ROOT / "grader" / "instructor.py"), "collect", ASSIGNMENT]
    student = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's exchange names the submitter by the account
    first, first_notebook = submit(), notebook.read_bytes()
    stamp1 = first.split("+")[2]
    result = run(collect, env)
    assert f"collect: {ASSIGNMENT}: ok: 1 new" in result.stdout
    collected = tmp_path / "submitted" / student / ASSIGNMENT
    assert (collected / f"{ASSIGNMENT}.ipynb").read_bytes() == first_notebook
    assert (collected / "timestamp.txt").read_text() == stamp1
    assert f"collect: {student} {ASSIGNMENT} <- {first}: {ASSIGNMENT}.ipynb submitted {stamp1}: new\n" in result.stdout
    assert "NOT on the roster" not in result.stdout and "skipped" not in result.stdout

    # the same submissions again: unchanged, nothing moved
    digest = tree_digest(collected)
    again = run(collect, env)
    assert f"<- {first}: {ASSIGNMENT}.ipynb submitted {stamp1}: unchanged\n" in again.stdout
    assert f"collect: {ASSIGNMENT}: ok: 1 unchanged" in again.stdout
    assert tree_digest(collected) == digest and not (collected / ".previous").exists()

    # the student submits again; someone puts a submission in the exchange under bkim's name; a roster without bkim
    answer(notebook)
    second, second_notebook = submit(), notebook.read_bytes()
    stamp2 = second.split("+")[2]
    assert first_notebook != second_notebook and stamp1 < stamp2
    forged = _forge(inbound, first, "bkim", stamp1)
    with Gradebook(env["FFNN_GRADEBOOK_URL"], "ffnn") as gradebook:
        gradebook.update_or_create_student(student)
    newer = run(collect, env)
    kept = collected / ".previous"
    assert [p.read_bytes() for p in kept.glob(f"*/{ASSIGNMENT}.ipynb")] == [first_notebook], "the first one is lost"
    (kept_first,) = kept.iterdir()
    assert (kept_first / "timestamp.txt").read_text() == stamp1
    assert (collected / f"{ASSIGNMENT}.ipynb").read_bytes() == second_notebook
    assert (collected / "timestamp.txt").read_text() == stamp2
    assert (f"collect: {student} {ASSIGNMENT} <- {second}: {ASSIGNMENT}.ipynb submitted {stamp2}: a newer "
            f"submission; the one collected before moved to {kept_first}\n") in newer.stdout
    assert (f"collect: {student} {ASSIGNMENT}: skipped {first}: an older submission (submitted {stamp1}), "
            f"superseded by the one of {stamp2}\n") in newer.stdout
    assert (f"collect: bkim {ASSIGNMENT} <- {forged}: {ASSIGNMENT}.ipynb submitted {stamp1}: new (NOT on the "
            f"roster: check the id)\n") in newer.stdout
    assert f"collect: bkim {ASSIGNMENT}: nbgrader warns: " in newer.stdout
    assert f"claims to be submitted by bkim but is owned by {student}" in newer.stdout
    assert f"collect: {ASSIGNMENT}: ok: 1 new, 1 newer\n" in newer.stdout

    # a third submission: nbgrader deletes the collected folder, .previous/ with it; both older ones are kept
    answer(notebook, "return 'a third try'")
    third, third_notebook = submit(), notebook.read_bytes()
    latest = run(collect, env)
    assert sorted(p.read_bytes() for p in kept.glob(f"*/{ASSIGNMENT}.ipynb")) == sorted(
        [first_notebook, second_notebook]), "a submission collected before is lost"
    assert (collected / f"{ASSIGNMENT}.ipynb").read_bytes() == third_notebook
    assert f"<- {third}: {ASSIGNMENT}.ipynb submitted {third.split('+')[2]}: a newer submission; " in latest.stdout
    assert latest.stdout.count(f"collect: {student} {ASSIGNMENT}: skipped ") == 2
    assert f"skipped {second}: an older submission (submitted {stamp2}), superseded by " in latest.stdout
    assert f"collect: {ASSIGNMENT}: ok: 1 newer, 1 unchanged\n" in latest.stdout
    assert not list(collected.parent.glob(".*")), "a copy taken before collecting is left behind"


def test_collect_keeps_what_it_cannot_replace(tmp_path):
    """A newer submission that nbgrader cannot copy (a file in it cannot be read) or a name whose time it cannot
    read: that student FAILS with the reason, the submission collected before stays in place, the others are
    collected."""
    import pwd
    env, inbound, notebook, submit = _exchange_course(tmp_path)
    collect = [str(ROOT / "grader" / "instructor.py"), "collect", ASSIGNMENT]
    student = pwd.getpwuid(os.getuid()).pw_name
    first, first_notebook = submit(), notebook.read_bytes()
    run(collect, env)
    collected = tmp_path / "submitted" / student / ASSIGNMENT
    answer(notebook)
    second = submit()
    (inbound / second / "data.csv").symlink_to(tmp_path / "missing.csv")  # a file that cannot be read
    unnamed = _forge(inbound, first, "ckim", "not-a-time")
    other = _forge(inbound, first, "dkim", first.split("+")[2])
    result = run(collect, env, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (collected / f"{ASSIGNMENT}.ipynb").read_bytes() == first_notebook, "the collected submission is lost"
    assert (collected / "timestamp.txt").read_text() == first.split("+")[2]
    (partial,) = (collected.parent / ".incomplete").iterdir()
    assert (f"collect: {student} {ASSIGNMENT}: FAILED, {second} not collected: unreadable: "
            f"{inbound / second / 'data.csv'} (No such file or directory); its partial copy moved to {partial}; "
            f"the one collected before (submitted {first.split('+')[2]}) is kept in place\n") in result.stdout
    assert f"collect: {student} {ASSIGNMENT}: skipped {first}: submitted " in result.stdout
    assert (f"collect: ckim {ASSIGNMENT}: FAILED, {unnamed} not collected: nbgrader cannot read the time "
            f"'not-a-time' in the name {unnamed}") in result.stdout
    assert not (tmp_path / "submitted" / "ckim" / ASSIGNMENT).exists()
    assert f"collect: dkim {ASSIGNMENT} <- {other}: {ASSIGNMENT}.ipynb submitted " in result.stdout
    assert f"collect: {ASSIGNMENT}: FAILED for some: 2 FAILED, 1 new\n" in result.stdout
    # again, and a name nbgrader cannot read beside dkim's collected submission: nothing collected is touched
    dkim = tmp_path / "submitted" / "dkim" / ASSIGNMENT
    digests = tree_digest(dkim), tree_digest(collected)
    unnamed_dkim = _forge(inbound, first, "dkim", "not-a-time")
    again = run(collect, env, check=False)
    assert again.returncode == 1 and f"collect: {ASSIGNMENT}: FAILED for some: 3 FAILED\n" in again.stdout
    assert (tree_digest(dkim), tree_digest(collected)) == digests, "a collected submission was changed"
    assert (f"collect: dkim {ASSIGNMENT}: FAILED, {other} not collected: nbgrader cannot read the time "
            f"'not-a-time' in the name {unnamed_dkim}, so it collects none of this student's submissions; the one "
            f"collected before (submitted {first.split('+')[2]}) is kept in place\n") in again.stdout
    assert len(list((collected.parent / ".incomplete").iterdir())) == 2
    hidden = sorted(p.name for p in (tmp_path / "submitted").glob("*/.*"))
    assert hidden == [".incomplete"], f"copies taken before collecting are left behind: {hidden}"
