"""nbgrader configuration of the course: its steps mapped onto the repository.

source = solutions/, release = notebooks/, and submitted/, autograded/, feedback/ under grader/ (git-ignored).
Paths are absolute, computed from this file's location, so the commands work from any directory:

    nbgrader <command> --config grader/nbgrader_config.py ...     (or through `make`, or grader/course.py)
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRADER = os.path.join(ROOT, "grader")

c = get_config()  # noqa: F821 - provided by traitlets when it runs this file


def _folder(variable, default):
    """A step's folder: FFNN_<STEP> in the environment (absolute, e.g. for tests) or the repository default."""
    return os.path.abspath(os.environ[variable]) if os.environ.get(variable) else default


c.CourseDirectory.root = ROOT
c.CourseDirectory.course_id = "ffnn"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = _folder("FFNN_RELEASE", "notebooks")
c.CourseDirectory.submitted_directory = _folder("FFNN_SUBMITTED", os.path.join("grader", "submitted"))
c.CourseDirectory.autograded_directory = _folder("FFNN_AUTOGRADED", os.path.join("grader", "autograded"))
c.CourseDirectory.feedback_directory = _folder("FFNN_FEEDBACK", os.path.join("grader", "feedback"))
c.CourseDirectory.solution_directory = os.path.join("grader", "released_solutions")
# The gradebook: SQLite next to this file unless FFNN_GRADEBOOK_URL names another SQLAlchemy URL (PostgreSQL...).
c.CourseDirectory.db_url = os.environ.get("FFNN_GRADEBOOK_URL", "sqlite:///" + os.path.join(GRADER, "gradebook.db"))
c.Exchange.root = os.environ.get("FFNN_EXCHANGE", "/srv/nbgrader/exchange")
# Only notebooks and the files they read belong to an assignment; never caches or checkpoints.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Kernels run the course environment's Python; a cell that runs longer than this is stopped.
c.Execute.timeout = 120
c.Execute.allow_errors = True
