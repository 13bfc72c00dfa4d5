"""The answers to the predict-then-run questions, and the grader's verdict on a recorded prediction.

Each notebook asks at least two short questions before the code that answers them runs (``ffnn.predictions``).
``accepted`` lists the canonical forms an answer may take; the fixture writer stores their salted digests for the
visible check, and ``verdict`` judges a kernel's record with the same forms, outside the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..compare import AnswerError
from ..predictions import canonical, digest


@dataclass(frozen=True)
class Prediction:
    kind: str            # "number", "integer", "shape" or "choice"
    answer: object
    hint: str            # what to think about, shown after a wrong answer (never the answer)
    tolerance: float = 0.0
    step: float | None = None


PREDICTIONS = {
    "two_layer": {
        "initial_cost": Prediction(
            "number", math.log(2), "with weights of size 0.01, what does the output unit compute for every example, "
            "and what is -log of that?", tolerance=0.01, step=0.005),
        "zero_init": Prediction(
            "choice", "b", "all hidden units start with the same weights: what does each of them receive from the "
            "backward pass, and what does the update then do to their differences?"),
    },
    "deep": {
        "parameter_count": Prediction(
            "integer", 64 * 32 + 32 + 32 * 16 + 16 + 16 * 8 + 8 + 8 * 1 + 1,
            "layer l has a weight for every pair (unit of layer l, unit of layer l-1) and one bias per unit; add "
            "the layers up."),
        "shape_dW3": Prediction(
            "shape", (8, 16), "dW has the shape of W, and W[l] maps layer l-1's units to layer l's."),
    },
    "activations": {
        "sigmoid_peak_slope": Prediction(
            "number", 0.25, "the slope is a (1 - a); where is it largest, and what is a there?", tolerance=0.005,
            step=0.005),
        "relu_kink_estimate": Prediction(
            "number", 0.5, "the centred difference takes the secant from z - ε to z + ε; what are ReLU's values at "
            "those two points when z = 0?", tolerance=0.005, step=0.005),
    },
    "costs": {
        "initial_cost_ten_classes": Prediction(
            "number", math.log(10), "with tiny weights, the logits of a column are all about equal: what does softmax "
            "give each class, and what is the loss of the true one?", tolerance=0.02, step=0.005),
        "initial_cost_three_labels": Prediction(
            "number", 3 * math.log(2), "each of the three sigmoid outputs starts near 1/2, and the multi-label loss "
            "adds the three binary losses of an example.", tolerance=0.02, step=0.005),
    },
    "capstone": {
        "cost_evaluations": Prediction(
            "integer", 2 * (5 * (4 + 1) + 3 * (5 + 1)),
            "how many entries does theta have (eq. 33), and how many costs does the centred difference of one "
            "entry need?"),
        "wrong_layers": Prediction(
            "choice", "b", "the backward pass runs from the output down: which gradients are computed before the "
            "faulty step, and which ones are computed from its result?"),
        "number_of_batches": Prediction(
            "integer", 16, "how many full mini-batches of 64 fit in 1000 examples, and what happens to the rest?"),
    },
}


def accepted(suite, name) -> list[str]:
    """The canonical forms of every accepted answer."""
    prediction = PREDICTIONS[suite][name]
    if prediction.kind != "number":
        return [canonical(prediction.kind, prediction.answer)]
    low = math.ceil((prediction.answer - prediction.tolerance) / prediction.step)
    high = math.floor((prediction.answer + prediction.tolerance) / prediction.step)
    return [canonical("number", k * prediction.step, prediction.step) for k in range(low, high + 1)]


def fixture():
    """The content of ``fixtures/predictions.json``: kinds, grid steps, hints and digests, no answers."""
    return {suite: {name: {"kind": p.kind, "step": p.step, "hint": p.hint,
                           "digests": sorted(digest(suite, name, text) for text in accepted(suite, name))}
                    for name, p in names.items()}
            for suite, names in PREDICTIONS.items()}


def verdict(suite, name, record):
    """``(passed, feedback)`` for a prediction the kernel recorded as ``{"value": ...}`` (JSON)."""
    prediction = PREDICTIONS[suite][name]
    if isinstance(record, dict) and "unencodable" in record:
        return False, f"prediction {name}: the answer is a {record['unencodable']}, not a {prediction.kind}."
    if not isinstance(record, dict) or "value" not in record:
        return False, f"prediction {name}: no answer was recorded (the answer cell did not run to the end)."
    value = record["value"]
    if prediction.kind == "shape" and isinstance(value, list):
        value = tuple(value)
    try:
        text = canonical(prediction.kind, value, prediction.step)
    except AnswerError as error:
        return False, f"prediction {name}: {error}"
    if text not in accepted(suite, name):
        return False, f"prediction {name}: {value!r} is not the expected answer. Think again: {prediction.hint}"
    return True, ""
