"""A pytest plugin for nbval (``-p nbval_rounding``): printed numbers may differ from the recorded ones by rounding.

The source notebooks' outputs are recorded on one machine and checked on others, whose BLAS results differ in the
last bits; a number printed with four decimals can then end in another digit. Before nbval compares a cell's
outputs, a text output that differs from the recorded one only by such numbers (``ffnn.recorded.text_differences``:
same words in the same places, each number within one unit of its last printed digit, integers equal) is taken
as the recorded text. Everything else is nbval's own comparison.
"""

from __future__ import annotations

import copy

import nbval.plugin

from ffnn.recorded import text_differences

_compare_outputs = nbval.plugin.IPyNbCell.compare_outputs
TEXT_KEYS = ("text/plain", "text/markdown", "text/html", "text/latex")


def _as_recorded(cell, fresh: str, recorded: str) -> str:
    if not (isinstance(fresh, str) and isinstance(recorded, str)) or fresh == recorded:
        return fresh
    same = not text_differences(cell.sanitize(recorded), cell.sanitize(fresh))
    return recorded if same else fresh


def compare_outputs(self, test, ref, skip_compare=None):
    if len(test) == len(ref):
        test = copy.deepcopy(test)
        for fresh, recorded in zip(test, ref):
            if fresh.get("output_type") != recorded.get("output_type"):
                continue
            if fresh.get("output_type") == "stream" and fresh.get("name") == recorded.get("name"):
                fresh["text"] = _as_recorded(self, fresh.get("text"), recorded.get("text"))
            for key in TEXT_KEYS:
                if key in fresh.get("data", {}) and key in recorded.get("data", {}):
                    fresh["data"][key] = _as_recorded(self, fresh["data"][key], recorded["data"][key])
    return _compare_outputs(self, test, ref, skip_compare)


nbval.plugin.IPyNbCell.compare_outputs = compare_outputs
