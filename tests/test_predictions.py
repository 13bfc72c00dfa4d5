"""Predict-then-run questions: the visible check and the grader agree on every value, and neither prints the
answer."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ffnn.compare import AnswerError
from ffnn.predictions import PREDICTIONS_FILE, canonical, check_prediction, hidden_prediction
from ffnn.reference.predictions import PREDICTIONS, accepted, fixture, verdict

ALL = [(suite, name) for suite, names in PREDICTIONS.items() for name in names]


def test_every_notebook_asks_at_least_two():
    assert set(PREDICTIONS) == {"two_layer", "deep", "activations", "costs", "capstone"}
    assert all(len(names) >= 2 for names in PREDICTIONS.values())


def test_the_committed_digests_are_the_references():
    assert json.loads(PREDICTIONS_FILE.read_text()) == json.loads(json.dumps(fixture()))


def _candidates(prediction):
    """Right answers in the forms a student may write them, and wrong ones."""
    if prediction.kind == "number":
        right = [prediction.answer, np.float64(prediction.answer), round(prediction.answer, 3)]
        wrong = [prediction.answer + 3 * prediction.tolerance, prediction.answer / 2, 0.0, -prediction.answer]
    elif prediction.kind == "integer":
        right = [prediction.answer, np.int64(prediction.answer)]
        wrong = [prediction.answer + 1, prediction.answer - 9]
    elif prediction.kind == "shape":
        right = [prediction.answer, tuple(np.int64(v) for v in prediction.answer)]
        wrong = [prediction.answer[::-1], (prediction.answer[0], 1)]
    else:
        right = [prediction.answer, prediction.answer.upper(), f" {prediction.answer} "]
        wrong = [letter for letter in "abc" if letter != prediction.answer]
    return right, wrong


@pytest.mark.parametrize("suite,name", ALL, ids=[f"{s}.{n}" for s, n in ALL])
def test_visible_check_and_grader_agree(suite, name):
    prediction = PREDICTIONS[suite][name]
    right, wrong = _candidates(prediction)
    for value in right:
        assert check_prediction(suite, name, value)
        assert verdict(suite, name, {"value": json.loads(json.dumps(value, default=lambda v: v.item()))})[0]
        assert hidden_prediction(suite, name, value)
    for value in wrong:
        with pytest.raises(AnswerError) as caught:
            check_prediction(suite, name, value)
        passed, feedback = verdict(suite, name, {"value": json.loads(json.dumps(value, default=lambda v: v.item()))})
        assert not passed
        for text in (str(caught.value), feedback):
            # the student's value, then a question to think about: never the answer
            assert text.endswith(f"Think again: {prediction.hint}"), text
            assert text.startswith(f"prediction {name}: {value!r} is not") or text.startswith(f"prediction {name}: "), text
        for form in accepted(suite, name):
            shown = f"({form})" if prediction.kind == "choice" else form.rstrip("0").rstrip(".")
            assert shown not in prediction.hint, prediction.hint


@pytest.mark.parametrize("suite,name", [a for a in ALL if PREDICTIONS[a[0]][a[1]].kind == "number"])
def test_numbers_on_the_grid_are_judged_alike(suite, name):
    """Every value near the answer gets the same verdict from the digest and from the reference."""
    prediction = PREDICTIONS[suite][name]
    for value in np.linspace(prediction.answer - 4 * prediction.tolerance, prediction.answer + 4 * prediction.tolerance,
                             97):
        try:
            visible = check_prediction(suite, name, float(value))
        except AnswerError:
            visible = False
        assert visible == verdict(suite, name, {"value": float(value)})[0], value
        assert visible == (abs(float(canonical("number", value, prediction.step)) - prediction.answer)
                           <= prediction.tolerance + 1e-12)


def test_unanswered_and_malformed_predictions_say_what_is_wanted():
    with pytest.raises(AnswerError, match="replace `raise NotImplementedError\\(\\)` with your code"):
        check_prediction("two_layer", "initial_cost", None)
    with pytest.raises(AnswerError, match="single finite number"):
        check_prediction("two_layer", "initial_cost", [0.69])
    with pytest.raises(AnswerError, match="a tuple of ints"):
        check_prediction("deep", "shape_dW3", "8 by 16")
    with pytest.raises(AnswerError, match="letter of one option"):
        check_prediction("two_layer", "zero_init", "they stay equal")
    assert not verdict("deep", "shape_dW3", {"value": "8 by 16"})[0]
    assert not verdict("deep", "shape_dW3", None)[0]
    assert math.isclose(PREDICTIONS["costs"]["initial_cost_ten_classes"].answer, math.log(10))
