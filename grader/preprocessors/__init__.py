"""The course's grading pipeline as nbgrader preprocessors, one step per file, configured by traitlets.

Every way to autograde runs these steps (grader/nbgrader_config.py sets them for `nbgrader autograde` and the
formgrader's Autograde button; `make autograde` runs the same classes in its workers):

    SANITIZE  RestoreSourceMetadata, then nbgrader's own (ClearOutput ... CheckCellMetadata)
    EXECUTE   SandboxedExecute        the sandboxed kernel; hidden tests judged outside it
    RECORD    ApplyHiddenVerdicts     the verdicts become the test cells' grades
              then nbgrader's ClearMetadata, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata

and every way to write feedback (`make feedback`, `nbgrader generate_feedback`, the formgrader's button) these:

    FEEDBACK  nbgrader's GetGrades and ClearHiddenTests, then ShortTracebacks, ExplainHiddenFailures,
              MathAsMathML, nbconvert's CSSHTMLHeaderPreprocessor, FeedbackStyle
              (page: grader/feedback_page.py and grader/templates/feedback/)
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearHiddenTests, ClearOutput,
                                    DeduplicateIds, GetGrades, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)

from .apply_hidden_verdicts import ApplyHiddenVerdicts, NotGraded, environment_failure
from .course_step import CourseStep
from .explain_hidden_failures import ExplainHiddenFailures
from .feedback_style import FeedbackStyle
from .math_as_mathml import MathAsMathML
from .restore_source_metadata import RestoreSourceMetadata
from .sandboxed_execute import GradingRefused, SandboxedExecute
from .short_tracebacks import ShortTracebacks

SANITIZE = [RestoreSourceMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
EXECUTE = [SandboxedExecute]
RECORD = [ApplyHiddenVerdicts, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
          CheckCellMetadata]
AUTOGRADE = EXECUTE + RECORD
FEEDBACK = [GetGrades, ClearHiddenTests, ShortTracebacks, ExplainHiddenFailures, MathAsMathML,
            CSSHTMLHeaderPreprocessor, FeedbackStyle]

__all__ = ["SANITIZE", "EXECUTE", "RECORD", "AUTOGRADE", "FEEDBACK", "CourseStep", "RestoreSourceMetadata", "SandboxedExecute",
           "ApplyHiddenVerdicts", "GradingRefused", "NotGraded", "environment_failure"]
