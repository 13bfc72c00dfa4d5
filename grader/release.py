"""`make release`: validate the source notebooks, generate the student versions with nbgrader, check that
every graded test fails on them, and build one bundle per assignment for students (dist/<assignment>.zip).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402
from atomic_write import written_in_one_step  # noqa: E402
from ffnn.provided import package_files  # noqa: E402
import release_guard  # noqa: E402

DIST = Path(os.environ.get("FFNN_DIST", course.ROOT / "dist"))

BUNDLE_README = """# {assignment}

Feedforward Neural Networks in Depth, assignment {assignment}.

1. Python 3.11 or newer:  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
2. .venv/bin/jupyter lab {assignment}.ipynb
3. Replace every `raise NotImplementedError()` with your code; the test cell under each answer tells you what is
   right and what to fix. Submit {assignment}.ipynb.

`ffnn/` is the course's helper package (data sets, plots, the checker); it must stay next to the notebook.
"""


BUNDLE_NBGRADER_CONFIG = '''"""nbgrader's settings for this assignment's Validate button: none of the course's paths
are needed; this file exists so that Validate finds a configuration instead of warning that there is none."""

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file
c.Execute.timeout = 120  # a cell's time limit, as when the course grades it
'''


def student_package_files(assignment):
    """The files of the student-facing package for one assignment: ffnn without the reference implementation or
    caches, and with only the provided modules (ffnn/provided/) that assignment may see."""
    package = course.ROOT / "shared" / "ffnn"
    for path in package_files(package, assignment):
        yield path, Path("ffnn") / path.relative_to(package)


def build_bundle(assignment, destination: Path, release_dir: Path = course.RELEASE) -> Path:
    """dist/<assignment>.zip: the student notebook, the student-facing package, requirements, a README and the
    student side's nbgrader configuration."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / f"{assignment}.zip"
    with written_in_one_step(target) as partial, zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as bundle:
        folder = release_dir / assignment
        for path in sorted(folder.rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                bundle.write(path, f"{assignment}/{path.relative_to(folder)}")
        for path, name in student_package_files(assignment):
            bundle.write(path, f"{assignment}/{name}")
        bundle.write(course.ROOT / "requirements.txt", f"{assignment}/requirements.txt")
        bundle.writestr(f"{assignment}/README.md", BUNDLE_README.format(assignment=assignment))
        bundle.writestr(f"{assignment}/nbgrader_config.py", BUNDLE_NBGRADER_CONFIG)
    return target


def release(options) -> int:
    config = course.load_config()
    failures = []
    for assignment in options.assignments:
        results = course.validate(course.source_notebook(assignment))
        bad = {k: len(v) for k, v in results.items() if v}
        print(f"release: {assignment}: source notebook {'passes every test' if not bad else f'FAILS {bad}'}")
        if bad:
            failures.append(assignment)
    if failures:
        print(f"release: stopped: fix the source notebooks of {failures} first (their tests must pass).",
              file=sys.stderr)
        return 1
    grader = course.api(config)
    release_dir = course.folder(config, "release_directory")
    for assignment in options.assignments:
        with release_guard.generating(release_dir, assignment, say=lambda text: print(f"release: {text}")):
            result = grader.generate_assignment(assignment, force=True, create=True)
            if not result["success"]:
                print(f"release: generate_assignment {assignment} failed:\n{result.get('error')}", file=sys.stderr)
                raise SystemExit(1)  # before the guard records a half-written folder as generated
        print(f"release: {assignment}: student version {course.release_notebook(assignment, release_dir)}")
    for assignment in options.assignments:
        student_path = course.release_notebook(assignment, release_dir)
        with tempfile.TemporaryDirectory() as scratch:
            student = Path(scratch) / f"{assignment}.ipynb"
            shutil.copy(student_path, student)
            results = course.validate(student)
        import nbformat
        graded = [c for c in nbformat.read(student_path, as_version=4).cells
                  if c.metadata.get("nbgrader", {}).get("grade")]
        failed = len(results.get("failed", []))
        print(f"release: {assignment}: the student version fails {failed} of {len(graded)} graded tests")
        if failed != len(graded):
            print(f"release: stopped: a test of {student_path} passes without an answer.", file=sys.stderr)
            return 1
    for assignment in options.assignments:
        bundle = build_bundle(assignment, DIST, release_dir)
        print(f"release: {assignment}: bundle {bundle} ({bundle.stat().st_size // 1024} KiB)")
    print(f"release: done. Gradebook {course.coursedir(config).db_url}")
    return 0
