"""The course's grading pipeline as nbgrader preprocessors, one step per file, configured by traitlets.

Every way to autograde runs these steps (grader/nbgrader_config.py sets them for `nbgrader autograde` and the
formgrader's Autograde button; `make autograde` runs the same classes in its workers):

    SANITIZE  RestoreSourceMetadata, then nbgrader's own (ClearOutput ... CheckCellMetadata)
    EXECUTE   SandboxedExecute        the sandboxed kernel; hidden tests judged outside it
    RECORD    ApplyHiddenVerdicts     the verdicts become the test cells' grades
              then nbgrader's ClearMetadata, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata
"""

from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, LimitOutput,
                                    OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

from .apply_hidden_verdicts import ApplyHiddenVerdicts, NotGraded, environment_failure
from .course_step import CourseStep
from .restore_source_metadata import RestoreSourceMetadata
from .sandboxed_execute import GradingRefused, SandboxedExecute

SANITIZE = [RestoreSourceMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata]
EXECUTE = [SandboxedExecute]
RECORD = [ApplyHiddenVerdicts, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
          CheckCellMetadata]
AUTOGRADE = EXECUTE + RECORD

__all__ = ["SANITIZE", "EXECUTE", "RECORD", "AUTOGRADE", "CourseStep", "RestoreSourceMetadata", "SandboxedExecute",
           "ApplyHiddenVerdicts", "GradingRefused", "NotGraded", "environment_failure"]
