"""Grading step: each test cell's grade comes from the trusted verdict of its hidden tests, never from the kernel.

After SandboxedExecute: a graded test cell passes only if its hidden tests' verdict (judged outside the kernel)
passes and the cell raised nothing; a test cell without a verdict fails. Outputs that could run code in an
instructor's browser (HTML, JavaScript, SVG) and markdown the student added are neutralized, and hidden-test source
that student code may have echoed is redacted.

A notebook whose provided code failed before any of the student's code ran (the environment is broken, not the
submission: ``ffnn`` cannot be imported, the kernel cannot start) is refused with ``NotGraded``, so nothing is
recorded for it: a broken environment must never be turned into zeros.
"""

from __future__ import annotations

import json
from pathlib import Path

from traitlets import Unicode

import hidden_cases
from kernel_runner import error_output

from .course_step import CourseStep

SAFE_MIMETYPES = ("text/plain", "image/png", "image/jpeg")


class NotGraded(RuntimeError):
    """The submission cannot be graded fairly; the message says why. Nothing is recorded for it."""


def environment_failure(nb):
    """Why the grading environment, not the student, failed this notebook, or None: an error in a code cell the
    student cannot edit (setup, provided code) before any cell the student wrote or edited had run."""
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        meta = cell.metadata.get("nbgrader", {})
        provided = meta.get("locked") and not meta.get("solution") and not meta.get("grade")
        if not provided:
            return None  # student code (an answer or an added cell), or a test cell of student code, ran here
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                name = meta.get("grade_id", "a provided cell")
                return (f"provided cell {name} failed before any student code ran: {output.get('ename')}: "
                        f"{str(output.get('evalue'))[:300]}")
    return None


def _redact(output, lines):
    def clean(text):
        for line in lines:
            text = text.replace(line, "[hidden test code removed]")
        return text
    if output.get("output_type") == "stream":
        output["text"] = clean(output.get("text", ""))
    elif output.get("output_type") == "error":
        output["evalue"] = clean(output.get("evalue", ""))
        output["traceback"] = [clean(t) for t in output.get("traceback", [])]
    else:
        for key, value in list(output.get("data", {}).items()):
            if isinstance(value, str):
                output["data"][key] = clean(value)


def _safe_outputs(cell):
    """Keep what the formgrader and feedback pages can show without running anything: text and images."""
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") in ("display_data", "execute_result"):
            output["data"] = {k: v for k, v in output.get("data", {}).items() if k in SAFE_MIMETYPES}
            if not output["data"]:
                continue
        kept.append(output)
    cell["outputs"] = kept


class ApplyHiddenVerdicts(CourseStep):
    """See the module's docstring."""

    verdicts_file = Unicode("", help="verdicts written by SandboxedExecute in an earlier pass (make autograde's "
                                     "recording step); by default they come with the notebook's resources").tag(config=True)

    def _verdicts(self, resources):
        verdicts = resources.get("ffnn", {}).get("verdicts")
        if verdicts is None and self.verdicts_file and Path(self.verdicts_file).is_file():
            verdicts = json.loads(Path(self.verdicts_file).read_text()).get(resources["nbgrader"]["notebook"])
        if verdicts is None:
            raise NotGraded("the hidden tests were not judged (ApplyHiddenVerdicts needs SandboxedExecute before "
                            "it): grade with `make autograde`")
        return verdicts

    def preprocess(self, nb, resources):
        verdicts = self._verdicts(resources)
        problem = environment_failure(nb)
        if problem:
            raise NotGraded(f"NOT GRADED: {problem}. The grading environment is broken, not the submission: run "
                            f"`make env` in this clone and grade again.")
        info = resources["nbgrader"]
        redact = hidden_cases.hidden_source_lines(info["assignment"])
        judged = hidden_cases.hidden_functions(info["assignment"], info["notebook"])
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type in ("markdown", "raw") and not meta:
                # a cell the student added: show its text, never its HTML
                cell.cell_type = "markdown"
                cell.source = "```\n" + cell.source.replace("`", "'") + "\n```"
                continue
            if cell.cell_type != "code":
                continue
            _safe_outputs(cell)
            for output in cell.outputs:
                _redact(output, redact)
            if not meta.get("grade"):
                continue
            kept = [o for o in cell.outputs if o.output_type in ("stream", "display_data", "error")
                    and not (o.output_type == "stream" and o.name == "stderr")]
            errors = [o for o in kept if o.output_type == "error"]
            kept = [o for o in kept if o.output_type != "error"]
            if meta["grade_id"] in judged:
                passed, message = verdicts.get(meta["grade_id"], (False, "its hidden tests were not judged"))
            else:
                passed, message = True, ""  # a test cell without hidden tests: graded by its own asserts
            if errors:
                kept.append(errors[0])
            elif not passed:
                kept.append(error_output("HiddenTestFailure", message))
            cell.outputs = kept
        return nb, resources
