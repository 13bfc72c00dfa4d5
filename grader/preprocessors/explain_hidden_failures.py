"""Feedback step: where a hidden test failed right after the visible test passed, say why both can be true.

The visible check prints "<function>: all 2 checks passed." and the hidden tests' failure follows in the same cell,
which reads as a contradiction. A short note goes between the two: the visible test checks the examples the
notebook shows; the hidden tests tried new shapes and random inputs.
"""

from __future__ import annotations

import re

from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

#: What the visible check (ffnn.check.Checker) prints when every stored case passed.
VISIBLE_PASSED = re.compile(r": (all \d+ checks passed|the check passed)\.")
NOTE = ("The visible test above checks the examples shown in the notebook, and they passed. The hidden tests "
        "then tried new shapes and random inputs, and found this:")


class ExplainHiddenFailures(NbGraderPreprocessor):

    def preprocess_cell(self, cell, resources, index):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            return cell, resources
        outputs = cell.get("outputs", [])
        errors = [i for i, o in enumerate(outputs) if o.get("output_type") == "error"]
        if not errors:
            return cell, resources
        passed_before = any(o.get("output_type") == "stream" and VISIBLE_PASSED.search(o.get("text", ""))
                            for o in outputs[:errors[0]])
        if passed_before:
            note = new_output("display_data", data={"text/plain": NOTE,
                                                    "text/html": f'<p class="ffnn-hidden-note">{NOTE}</p>'})
            outputs.insert(errors[0], note)
        return cell, resources
