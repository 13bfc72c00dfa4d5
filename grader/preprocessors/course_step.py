"""The base of the course's grading steps: a note that reaches both nbgrader's log and `make autograde`'s summary."""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode


class CourseStep(NbGraderPreprocessor):
    """An nbgrader preprocessor of this course. ``note`` logs a warning and, when ``notes_file`` is set (make
    autograde's workers set it per submission), appends the line there for the run's summary table."""

    notes_file = Unicode("", help="a file to append this submission's notes to (one per line)").tag(config=True)

    def note(self, text: str) -> None:
        self.log.warning("%s", text)
        if self.notes_file:
            with open(self.notes_file, "a", encoding="utf-8") as handle:
                handle.write(text.replace("\n", " ") + "\n")
