"""The instructor's steps, one command each (the Makefile's release, collect, feedback, grades, roster targets).

    python grader/instructor.py release                       # validate, generate, check, build dist/ bundles
    python grader/instructor.py collect [--zip downloads.zip] # from nbgrader's exchange, or an LMS download
    python grader/instructor.py feedback [--assignment A]     # HTML feedback without hidden tests
    python grader/instructor.py grades                        # grades.csv (with status) + an at-a-glance report
    python grader/instructor.py roster students.csv           # import the class list into the gradebook

Autograding is grader/autograde.py (make autograde). All paths come from grader/nbgrader_config.py, so every
command works from any directory. Nothing here deletes or overwrites a student's submission: a re-collected file
that differs moves the older copy to a dated `.previous/` folder first.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import collect  # noqa: E402
import course  # noqa: E402
import feedback  # noqa: E402
import grades  # noqa: E402
import release  # noqa: E402
import roster  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    release_parser = commands.add_parser("release")
    release_parser.add_argument("assignments", nargs="*", default=course.ASSIGNMENTS)
    collect_parser = commands.add_parser("collect", epilog=collect.ZIP_PATTERN_HELP)
    collect_parser.add_argument("--zip", default=None, help="an LMS download (see below)")
    collect_parser.add_argument("assignments", nargs="*", default=course.ASSIGNMENTS)
    feedback_parser = commands.add_parser("feedback")
    feedback_parser.add_argument("--assignment", default=None)
    feedback_parser.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    commands.add_parser("grades")
    roster_parser = commands.add_parser("roster")
    roster_parser.add_argument("csv")
    options = parser.parse_args(argv)
    if options.command == "release":
        return release.release(options)
    if options.command == "collect":
        config = course.load_config()
        return (collect.collect_zip(config, Path(options.zip)) if options.zip
                else collect.collect_exchange(config, options.assignments))
    if options.command == "feedback":
        return feedback.feedback(options)
    if options.command == "grades":
        return grades.grades(options)
    return roster.roster(options)


if __name__ == "__main__":
    sys.exit(main())
