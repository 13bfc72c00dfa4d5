"""Releasing assignments to the hub's students through nbgrader's exchange, each with its share of the course
package, as the student bundles have it (grader/release.py).

    python grader/hub/exchange_release.py [ASSIGNMENT ...]      (make hub-release)

A notebook imports ``ffnn`` from its own folder, and the hub's students cannot read the course clone, so the
released folder carries the student-facing package: ``stage`` copies notebooks/<assignment>/ and the package
files that assignment may have (``ffnn.provided.package_files``: never the reference implementation, never the
provided answers of a later notebook) into the staged release folder (grader/hub/staged-release/, instructors
only),
and ``release`` hands that folder to nbgrader's release_assignment. The instructors' servers point nbgrader's
release folder there too, so the formgrader's Release button ships the same thing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HUB = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB.parent))
import course  # noqa: E402
from release import student_package_files  # noqa: E402

STAGED = Path(os.environ.get("FFNN_HUB_RELEASE", HUB / "staged-release"))


def stage(assignment: str, staged: Path = STAGED) -> Path:
    """staged/<assignment>/: the student notebook(s) of notebooks/<assignment>/ and the package, written fresh."""
    target = staged / assignment
    partial = staged / f".{assignment}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(course.RELEASE / assignment, partial,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", ".*"))
    for path, name in student_package_files(assignment):
        (partial / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, partial / name)
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target


def release(assignments, exchange: Path, staged: Path = STAGED) -> list[str]:
    """Stage each assignment and release it to the exchange (replacing an earlier release of it); returns the
    problems, one line each (empty when every release worked)."""
    config = course.load_config()
    config["CourseDirectory"]["release_directory"] = str(staged)
    config["Exchange"]["root"] = str(exchange)
    config["CourseDirectory"]["groupshared"] = True  # the course's exchange folders are the instructors' group's
    config["ExchangeReleaseAssignment"]["force"] = True  # a release again replaces the earlier one
    grader = course.api(config)
    problems = []
    for assignment in assignments:
        stage(assignment, staged)
        result = grader.release_assignment(assignment)
        if not result["success"]:
            problems.append(f"{assignment}: {(result.get('error') or result.get('log') or '')[-400:]}")
    return problems


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", default=course.ASSIGNMENTS[:1])
    parser.add_argument("--exchange", type=Path, default=Path(os.environ.get("FFNN_EXCHANGE",
                                                                              "/srv/nbgrader/exchange")))
    options = parser.parse_args(argv)
    problems = release(options.assignments, options.exchange)
    for line in problems:
        print(f"hub release: FAILED {line}", file=sys.stderr)
    if not problems:
        print(f"hub release: {', '.join(options.assignments)} released to {options.exchange} (students: "
              f"Assignments > Fetch)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
