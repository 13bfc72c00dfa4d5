"""`make release` and `make collect` on real nbgrader: release bundles, LMS downloads, nbgrader's exchange."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile

from known_warnings import unexplained_warnings
from test_grading_workflow import ASSIGNMENT, PYTHON, ROOT, run
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


# ------------------------------------------------------------------------------------------------- collect

def test_collect_from_an_lms_download(tmp_path):
    download = tmp_path / "downloads.zip"
    notebook = (ROOT / "notebooks" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes()
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"jdoe42_{ASSIGNMENT}.ipynb", notebook)
        archive.writestr(f"section-b/asmith_late_{ASSIGNMENT}-1.ipynb", notebook)
        archive.writestr("bkim.x_03_activations (2).ipynb", b"{}")
        archive.writestr("notes/readme.txt", b"hello")
        archive.writestr(f"{ASSIGNMENT}.ipynb", notebook)  # no student id
    env = {"FFNN_SUBMITTED": str(tmp_path / "submitted")}
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(download)], env)
    submitted = tmp_path / "submitted"
    assert (submitted / "jdoe42" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_bytes() == notebook
    assert (submitted / "asmith" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert (submitted / "bkim.x" / "03_activations" / "03_activations.ipynb").exists()
    assert (submitted / "jdoe42" / ASSIGNMENT / "timestamp.txt").exists()
    assert "2 file(s) did not match" in result.stdout
    assert "notes/readme.txt" in result.stdout and f"\n  {ASSIGNMENT}.ipynb" in result.stdout
    # it says what it matched, file by file, and that no roster was there to check the ids against
    assert f"collect: jdoe42 {ASSIGNMENT} <- jdoe42_{ASSIGNMENT}.ipynb: new, submitted " in result.stdout
    assert f"collect: asmith {ASSIGNMENT} <- section-b/asmith_late_{ASSIGNMENT}-1.ipynb: new" in result.stdout
    assert "no roster imported (optional)" in result.stdout
    # collecting a newer download keeps the older file instead of overwriting it, and says so
    with zipfile.ZipFile(download, "w") as archive:
        archive.writestr(f"jdoe42_{ASSIGNMENT}.ipynb", notebook + b"\n")
        archive.writestr(f"asmith_{ASSIGNMENT}.ipynb", notebook)
    again = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(download)], env)
    kept = list((submitted / "jdoe42" / ASSIGNMENT / ".previous").rglob("*.ipynb"))
    assert len(kept) == 1 and kept[0].read_bytes() == notebook
    assert f"jdoe42_{ASSIGNMENT}.ipynb: a newer file; the previous one moved to .previous/" in again.stdout
    assert f"collect: asmith {ASSIGNMENT} <- asmith_{ASSIGNMENT}.ipynb: already collected, unchanged" in again.stdout


def test_collect_reports_a_broken_archive(tmp_path):
    broken = tmp_path / "downloads.zip"
    broken.write_text("not a zip")
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", "--zip", str(broken)],
                 {"FFNN_SUBMITTED": str(tmp_path / "s")}, check=False)
    assert result.returncode == 2 and "is not a zip file" in result.stderr


def test_collect_from_the_exchange(tmp_path):
    """Release to an nbgrader exchange, fetch and submit as a student, then `instructor.py collect`."""
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
    for command in (["fetch_assignment", ASSIGNMENT], ["submit", ASSIGNMENT]):
        result = subprocess.run([PYTHON, "-m", "nbgrader", *command, "--course", "ffnn",
                                 f"--Exchange.root={exchange}"], cwd=student_home, env=student_env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    result = run([str(ROOT / "grader" / "instructor.py"), "collect", ASSIGNMENT], env)
    assert f"collect: {ASSIGNMENT}: ok" in result.stdout
    import pwd
    student = pwd.getpwuid(os.getuid()).pw_name  # nbgrader's exchange names the submitter by the account
    collected = tmp_path / "submitted" / student / ASSIGNMENT
    assert (collected / f"{ASSIGNMENT}.ipynb").exists() and (collected / "timestamp.txt").exists()
    assert f"collect: {student} {ASSIGNMENT}: {ASSIGNMENT}.ipynb submitted " in result.stdout
    assert result.stdout.rstrip().endswith(": new"), result.stdout
