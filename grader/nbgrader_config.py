"""nbgrader configuration of the course: its steps mapped onto the repository.

source = solutions/, release = notebooks/, and submitted/, autograded/, feedback/ under grader/ (git-ignored).
Paths are absolute, computed from this file's location. nbgrader reads nbgrader_config.py from the folder it runs
in: run its commands in the repository's root (whose nbgrader_config.py loads this one) or in grader/, or through
`make` and grader/course.py, which load this file themselves.
"""

import os
import sys

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
# On the class hub the exchange's course folders belong to the instructors' group (grader/hub/accounts.py).
c.CourseDirectory.groupshared = os.environ.get("FFNN_GROUPSHARED") == "1"
# Only notebooks and the files they read belong to an assignment; never caches or checkpoints.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Kernels run the course environment's Python; a cell that runs longer than this is stopped. They talk to
# nbgrader over Unix sockets (IPC) in a private folder (kernel_sockets.py), as the grading sandbox's do.
c.Execute.timeout = 120

# Autograding, whichever way it is started (`nbgrader autograde`, the formgrader's Autograde button, `make
# autograde`), runs the course's steps (grader/preprocessors/): cell metadata restored from the gradebook, the
# notebook executed in the grading sandbox, hidden tests judged outside the kernel. nbgrader's plain Execute step,
# which would run student code with the grader's rights, is never used. On a machine that cannot sandbox, grading
# refuses (naming `make autograde`) before any student code runs.
if GRADER not in sys.path:
    sys.path.insert(0, GRADER)
import kernel_sockets  # noqa: E402 - the folder above must be importable first
import preprocessors  # noqa: E402

kernel_sockets.configure(c)

c.Autograde.sanitize_preprocessors = preprocessors.SANITIZE
c.Autograde.autograde_preprocessors = preprocessors.AUTOGRADE
c.OverwriteCells.add_missing_cells = True
c.SandboxedExecute.cell_timeout = 60
c.SandboxedExecute.notebook_timeout = 600

# Feedback, whichever way it is written (`make feedback`, `nbgrader generate_feedback`, the formgrader's button):
# hidden tests removed from every test cell (also from cells whose metadata a student changed), short error
# messages, a note where a hidden test failed after the visible one passed, formulas as MathML (no MathJax from a
# CDN), wrapped failure text, and score rows named after their functions (grader/feedback_page.py).
import feedback_page  # noqa: E402

c.GenerateFeedback.preprocessors = preprocessors.FEEDBACK
c.GenerateFeedback.exporter_class = feedback_page.FeedbackExporter
c.ClearHiddenTests.enforce_metadata = False
c.FeedbackExporter.extra_template_basedirs = [feedback_page.TEMPLATES, feedback_page.NBGRADER_TEMPLATES]
