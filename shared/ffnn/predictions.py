"""Predict, then run: short answers a student commits to before the code shows the result.

An answer cell sets a variable (``predicted_initial_cost = np.log(2)``); its test cell asks

    assert check_prediction("two_layer", "initial_cost", predicted_initial_cost)   # visible: right or not
    assert hidden_prediction("two_layer", "initial_cost", predicted_initial_cost)  # the grader's verdict

The visible check knows only salted digests of the accepted answers (``fixtures/predictions.json``), so it can say
"right" or "think again" without printing the answer. Under the course's grader, ``hidden_prediction`` records the
value for a verdict made outside the kernel (``ffnn.reference.predictions``); elsewhere it judges here against the
reference. Both read a value the same way (``canonical``), so Validate and the grader agree.

The digests keep an answer out of sight, not out of reach: the accepted answers are few, and a student who hashes
candidates until one matches has done something other than predicting; the grader does not rely on the digests.
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os

import numpy as np

from .check import FIXTURES
from .compare import AnswerError
from .grading import output_path

__all__ = ["check_prediction", "hidden_prediction", "canonical", "digest"]

PREDICTIONS_FILE = FIXTURES / "predictions.json"
#: How the grader tells a prediction's record from a function's (``<suite>.prediction.<name>.json``).
PREFIX = "prediction."


def canonical(kind, value, step=None) -> str:
    """How an answer is compared: a number on a grid of ``step``, an integer or a shape exactly, a choice by its
    letter. Raises AnswerError naming what kind of answer is expected."""
    if value is None:
        raise AnswerError("the prediction is not answered yet: replace `raise NotImplementedError()` with your "
                          "code, a line that sets the prediction.")
    if kind == "number":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)) or \
                np.ndim(value) != 0 or not np.isfinite(float(value)):
            raise AnswerError(f"the prediction is a single finite number (an expression such as np.log(3) is fine), "
                              f"got {value!r}.")
        return f"{round(float(value) / step) * step:.6f}"
    if kind == "integer":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise AnswerError(f"the prediction is a whole number (an int), got {value!r}.")
        return str(int(value))
    if kind == "shape":
        if not isinstance(value, tuple) or not all(isinstance(v, numbers.Integral) for v in value):
            raise AnswerError(f"the prediction is a shape, a tuple of ints such as (3, 5), got {value!r}.")
        return str(tuple(int(v) for v in value))
    if kind == "choice":
        if not isinstance(value, str) or len(value.strip()) != 1:
            raise AnswerError(f"the prediction is the letter of one option, such as \"a\", got {value!r}.")
        return value.strip().lower()
    raise ValueError(f"unknown kind of prediction {kind!r}")


def digest(suite, name, text) -> str:
    return hashlib.sha256(f"ffnn-prediction:{suite}.{name}:{text}".encode()).hexdigest()


def _entry(suite, name):
    entries = json.loads(PREDICTIONS_FILE.read_text(encoding="utf-8"))
    try:
        return entries[suite][name]
    except KeyError:
        raise KeyError(f"no prediction {suite}.{name}; known: {sorted(entries.get(suite, {}))}") from None


def check_prediction(suite, name, value):
    """The visible check: True when ``value`` is an accepted answer, else AnswerError with a question to think
    about (never the answer)."""
    __tracebackhide__ = True
    entry = _entry(suite, name)
    text = canonical(entry["kind"], value, entry.get("step"))
    if digest(suite, name, text) not in entry["digests"]:
        raise AnswerError(f"prediction {name}: {value!r} is not what the grader expects. Think again: "
                          f"{entry['hint']}")
    print(f"prediction {name}: right.")
    return True


def hidden_prediction(suite, name, value):
    """The grader's verdict on a prediction (see the module's docstring); True unless it fails here."""
    try:
        record = {"value": json.loads(json.dumps(value, default=_plain))}  # what the grader reads back
    except (TypeError, ValueError):
        record = {"unencodable": type(value).__name__}
    outputs = os.environ.get("FFNN_HIDDEN_OUTPUT")
    if os.environ.get("FFNN_HIDDEN_CASES") and outputs:
        output_path(outputs, suite, f"{PREFIX}{name}").write_text(json.dumps(record), encoding="utf-8")
        return True
    from .reference.predictions import verdict  # instructors' and CI's kernels have the reference
    passed, message = verdict(suite, name, record)
    if not passed:
        raise AnswerError(message)
    return True


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)
