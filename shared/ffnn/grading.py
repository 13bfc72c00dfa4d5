"""The hidden tests' entry point in a notebook: ``assert hidden_tests("two_layer", backward_propagation)``.

Graded by the course's grader (``FFNN_HIDDEN_CASES`` set, inside the sandbox): the function runs on the hidden
cases of this grading run (step 1, ``ffnn.reference.cases``, drawn by the grader), and what it returns is written
to ``FFNN_HIDDEN_OUTPUT`` (step 2, ``ffnn.record``) for the grader to judge outside the kernel (step 3,
``ffnn.reference.verdict``). Nothing is judged here, so nothing here can be fooled.

Run anywhere else (an instructor's or CI's kernel: nbval, nbgrader's Validator): the same three steps run in this
kernel, judged by the same verdict (``ffnn.reference.local_grading.grade``).
"""

from __future__ import annotations

import json
import os

from .record import output_path, record_function

__all__ = ["hidden_tests", "output_path"]


def hidden_tests(suite, function, name=None):
    """Run the hidden tests of one graded function (see the module's docstring); True unless they fail here."""
    name = name or function.__name__
    cases_file = os.environ.get("FFNN_HIDDEN_CASES")
    if not cases_file:
        from .reference.local_grading import grade  # instructors' and CI's kernels have the reference
        return grade(suite, function, name)
    with open(cases_file, encoding="utf-8") as handle:
        document = json.load(handle)[suite]
    record = record_function(document, suite, function, name)
    with open(output_path(os.environ["FFNN_HIDDEN_OUTPUT"], suite, name), "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return True
