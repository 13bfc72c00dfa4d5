"""Hidden tests judged outside the kernel: the kernel only records what the student's functions return."""

import json

import numpy as np
import pytest

import notebook_answers

from ffnn import grading, record
from ffnn.reference import two_layer
from ffnn.reference.cases import build, split
from ffnn.reference.verdict import verdict
from ffnn.reference.activations import relu as reference_relu


@pytest.fixture
def sandboxed(tmp_path, monkeypatch):
    """Run hidden_tests as the grader's kernel would: cases file in, outputs folder out."""
    def run(suite, names, function, name, seed=3, sabotage=None):
        cases, answers = split(build(suite, names, seed=seed))
        (tmp_path / "cases.json").write_text(json.dumps({suite: cases}))
        with monkeypatch.context() as kernel:  # what student code may do to its kernel stays in the kernel
            kernel.setenv("FFNN_HIDDEN_CASES", str(tmp_path / "cases.json"))
            kernel.setenv("FFNN_HIDDEN_OUTPUT", str(tmp_path))
            if sabotage:
                sabotage(kernel)
            assert grading.hidden_tests(suite, function, name) is True  # nothing is judged in the kernel
        record = json.loads(grading.output_path(tmp_path, suite, name).read_text())
        return verdict(answers, name, record)
    return run


def relu(Z):
    return np.maximum(Z, 0)


def relu_wrong_at_zero(Z):
    return np.where(Z >= 0, Z, 0) + (Z == 0) * 1.0


def relu_loop(Z):
    A = np.zeros_like(Z)
    for i in range(Z.shape[1]):
        A[:, i] = np.maximum(Z[:, i], 0)
    return A


def test_cases_for_the_kernel_hold_no_answers():
    cases, answers = split(build("two_layer", ["backward_propagation"], seed=1))
    text = json.dumps(cases)
    assert '"expected"' not in text and '"mistakes"' not in text
    assert '"expected"' in json.dumps(answers)


def test_correct_answer_passes(sandboxed):
    assert sandboxed("deep", ["relu"], relu, "relu") == (True, "")


def test_wrong_answer_fails_with_feedback(sandboxed):
    passed, message = sandboxed("deep", ["relu"], relu_wrong_at_zero, "relu")
    assert not passed and "relu: wrong result" in message


def test_loop_over_examples_fails(sandboxed):
    passed, message = sandboxed("deep", ["relu"], relu_loop, "relu")
    assert not passed and "not vectorized" in message


def test_stub_fails_with_the_stub_message(sandboxed):
    def relu(Z):
        raise NotImplementedError()
    passed, message = sandboxed("deep", ["relu"], relu, "relu")
    assert not passed and "replace `raise NotImplementedError()`" in message


def test_a_renamed_parameter_gets_the_same_feedback_from_the_grader(sandboxed):
    from test_check import backward_with_the_old_parameter_name
    passed, message = sandboxed("two_layer", ["backward_propagation"], backward_with_the_old_parameter_name,
                                "backward_propagation")
    assert not passed
    assert "parameters must be named as in the exercise, (parameters, caches, X, Y); yours are (parameters, cache, " \
           "X, Y)" in message, message


def _sabotage(kernel):
    import ffnn.check
    kernel.setattr(ffnn.check, "compare", lambda *a, **k: True)
    kernel.setattr(np, "allclose", lambda *a, **k: True)
    kernel.setattr(np, "isclose", lambda a, b, **k: np.ones(np.broadcast(a, b).shape, dtype=bool))


def test_monkeypatching_the_checker_cannot_pass_a_wrong_answer(sandboxed):
    passed, message = sandboxed("deep", ["relu"], relu_wrong_at_zero, "relu", sabotage=_sabotage)
    assert not passed and "relu: wrong result" in message


def test_composite_with_a_patched_compare_still_replays_correctly(sandboxed):
    import ffnn.check
    passed, message = sandboxed("two_layer", ["predict"], two_layer_predict, "predict",
                                sabotage=lambda kernel: kernel.setattr(ffnn.check, "compare", lambda *a, **k: True))
    assert passed, message


def forward_propagation(X, parameters):
    raise AssertionError("replaced by the replay during the hidden tests")


def two_layer_predict(parameters, X):
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(int)


def test_a_missing_record_fails():
    _, answers = split(build("deep", ["relu"], seed=1))
    passed, message = verdict(answers, "relu", None)
    assert not passed and "did not record" in message


def test_same_seed_same_cases():
    assert json.dumps(build("costs", ["output_layer_dZ"], seed=9)) == \
        json.dumps(build("costs", ["output_layer_dZ"], seed=9))


def test_outside_the_grader_the_reference_judges_in_the_kernel(monkeypatch):
    monkeypatch.delenv("FFNN_HIDDEN_CASES", raising=False)
    assert grading.hidden_tests("deep", relu)
    from ffnn.compare import AnswerError
    with pytest.raises(AnswerError):
        grading.hidden_tests("deep", relu_wrong_at_zero, "relu")
    assert reference_relu is not None and two_layer is not None


def test_composite_cases_hold_no_recorded_answers():
    cases, _ = split(build("two_layer", ["nn_model"], seed=4))
    spec = cases["functions"]["nn_model"]
    assert "collaborators" not in spec and spec["standins"]
    assert all("calls" not in case for case in spec["cases"])


exec(notebook_answers.NN_MODEL, globals())  # nn_model, as a notebook cell defines it


def nn_model_wrong_rate(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0, print_cost=False):
    return nn_model(X, Y, n_h, num_iterations, learning_rate / 2, seed)


def layer_sizes(*args):
    raise AssertionError("replaced by a stand-in")


initialize_parameters = compute_cost = backward_propagation = update_parameters = layer_sizes


def test_composite_judged_with_standins(sandboxed):
    assert sandboxed("two_layer", ["nn_model"], nn_model, "nn_model") == (True, "")
    passed, message = sandboxed("two_layer", ["nn_model"], nn_model_wrong_rate, "nn_model")
    assert not passed and "nn_model: wrong result" in message


# A correct function that does its collaborators' work itself, instead of calling them, is a correct route too.

def predict_inline(parameters, X):
    A1 = np.tanh(parameters["W1"] @ X + parameters["b1"])
    A2 = 1.0 / (1.0 + np.exp(-(parameters["W2"] @ A1 + parameters["b2"])))
    return (A2 > 0.5).astype(int)


def predict_inline_wrong(parameters, X):
    A1 = np.maximum(parameters["W1"] @ X + parameters["b1"], 0)  # ReLU instead of tanh
    A2 = 1.0 / (1.0 + np.exp(-(parameters["W2"] @ A1 + parameters["b2"])))
    return (A2 > 0.5).astype(int)


def L_model_forward_inline(X, parameters):
    L = len(parameters) // 2
    caches, A = [], X
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        A_next = 1.0 / (1.0 + np.exp(-Z)) if l == L else np.maximum(Z, 0)
        caches.append(((A, W, b), (Z, A_next)))
        A = A_next
    return A, caches


def test_a_composite_that_does_the_work_itself_passes(sandboxed):
    assert sandboxed("two_layer", ["predict"], predict_inline, "predict") == (True, "")
    assert sandboxed("deep", ["L_model_forward"], L_model_forward_inline, "L_model_forward") == (True, "")
    passed, message = sandboxed("two_layer", ["predict"], predict_inline_wrong, "predict")
    assert not passed and "predict: wrong result" in message


def test_the_direct_answers_stay_out_of_the_sandbox():
    cases, answers = split(build("two_layer", ["predict"], seed=5))
    assert "expected_direct" not in json.dumps(cases)
    assert all("expected_direct" in case for case in answers["functions"]["predict"]["cases"])


def tanh_by_map(Z):
    return np.column_stack(list(map(np.tanh, Z.T)))


def test_loops_in_disguise_and_tampering_are_read_from_the_source(sandboxed, tmp_path):
    passed, _ = sandboxed("activations", ["tanh"], tanh_by_map, "tanh")
    assert passed  # counting lines cannot see map() calling a NumPy function once per column...
    cases, answers = split(build("activations", ["tanh"], seed=3))
    record = json.loads(grading.output_path(tmp_path, "activations", "tanh").read_text())
    source = "def tanh(Z):\n    return np.column_stack(list(map(np.tanh, Z.T)))\n"
    passed, message = verdict(answers, "tanh", record, [source])
    assert not passed and "it calls map (line 2 of its cell)" in message  # ...reading the code can
    tampered = ["import sys\nsys.settrace(None)\n", "def tanh(Z):\n    return np.tanh(Z)\n"]
    passed, message = verdict(answers, "tanh", record, tampered)
    assert not passed and "sys.settrace" in message
    assert verdict(answers, "tanh", record, ["def tanh(Z):\n    return np.tanh(Z)\n", "%timeit 1"]) == \
        (True, "")


def test_dev_mode_grading_reads_the_source_too():
    from ffnn.compare import AnswerError
    from ffnn.reference.local_grading import grade
    with pytest.raises(AnswerError, match="it calls map"):
        grade("activations", tanh_by_map, "tanh", seed=3)


def compute_cost_that_hangs(A2, Y):
    while True:
        pass


def test_a_collaborator_that_hangs_costs_only_its_own_cell(sandboxed, monkeypatch):
    import time
    monkeypatch.setitem(globals(), "forward_propagation", compute_cost_that_hangs)  # the notebook's own, broken
    started = time.monotonic()
    assert sandboxed("two_layer", ["predict"], two_layer_predict, "predict") == (True, "")
    assert time.monotonic() - started < record.DIRECT_BUDGET + 5
