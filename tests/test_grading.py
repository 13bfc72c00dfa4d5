"""Hidden tests run where there is no grader (ffnn.reference.local_grading) and the checker's isolation of collaborators."""

import numpy as np
import pytest

import notebook_answers

from ffnn.check import Checker
from ffnn.compare import AnswerError
from ffnn.vectorization import assert_vectorized, count_user_lines
from ffnn.reference import activations as reference_activations
from ffnn.reference import two_layer
from ffnn.reference.fixtures import CASES, SUITES, reference_function
from ffnn.reference.local_grading import grade
from ffnn.reference.mistakes import CATALOGUE

FUNCTIONS = [(suite, name) for suite in SUITES for name in CASES[suite]()]
MISTAKES = [(suite, name, mistake) for suite in SUITES for name, ms in CATALOGUE[suite].items() for mistake in ms]


@pytest.mark.parametrize("suite,name", FUNCTIONS, ids=[f"{s}.{n}" for s, n in FUNCTIONS])
def test_reference_passes_its_hidden_tests(suite, name):
    assert grade(suite, reference_function(suite, name), name, seed=1, independent=False)


# Every catalogued mistake fails and is named by the hidden tests: tests/test_hidden_catalogue.py, through the
# grader's own steps with each mistake written as a notebook function (so that its collaborators are the notebook's).


# Student-style answers, written here (outside the reference) ------------------------------------------------------

def relu(Z):
    return np.maximum(Z, 0)


def relu_by_columns(Z):
    A = np.zeros_like(Z)
    for i in range(Z.shape[1]):
        A[:, i] = np.maximum(Z[:, i], 0)
    return A


def relu_by_delegation(Z):
    return reference_activations.relu(Z)


def test_own_vectorized_code_passes():
    assert grade("deep", relu, seed=3)


def test_loop_over_examples_is_caught():
    relu_by_columns.__name__ = "relu"
    with pytest.raises(AnswerError, match="not vectorized over the examples"):
        grade("deep", relu_by_columns, "relu", seed=3)


def test_calling_the_reference_is_caught():
    with pytest.raises(AnswerError, match=r"calls the reference implementation \(relu\)"):
        grade("deep", relu_by_delegation, "relu", seed=3)


def test_line_counting_sees_loops_but_not_library_code():
    Z8, Z64 = np.ones((3, 8)), np.ones((3, 64))
    assert count_user_lines(relu, Z8)[1] == count_user_lines(relu, Z64)[1]
    assert count_user_lines(relu_by_columns, Z64)[1] > count_user_lines(relu_by_columns, Z8)[1] + 50
    assert assert_vectorized(relu, lambda m: {"Z": np.ones((2, m))})


def test_stub_gets_the_stub_message():
    def sigmoid(Z):
        raise NotImplementedError()

    with pytest.raises(AnswerError, match=r"replace `raise NotImplementedError\(\)`"):
        grade("deep", sigmoid, seed=0)


# Collaborators: a mistake in one function costs that function's points only ---------------------------------------

def backward_propagation(parameters, caches, X, Y):
    """A wrong collaborator: every gradient is off by a factor m (the catalogued 'forgot 1/m')."""
    grads = two_layer.backward_propagation(parameters, caches, X, Y)
    return {key: value * X.shape[1] for key, value in grads.items()}


def layer_sizes(X, Y, n_h):
    return X.shape[0], n_h, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y, seed=0):
    return two_layer.initialize_parameters(n_x, n_h, n_y, seed)


def forward_propagation(X, parameters):
    return two_layer.forward_propagation(X, parameters)


def compute_cost(A2, Y):
    return two_layer.compute_cost(A2, Y)


def update_parameters(parameters, grads, learning_rate):
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}


exec(notebook_answers.NN_MODEL, globals())  # nn_model and nn_model_with_fixed_rate, as notebook cells
exec(notebook_answers.NN_MODEL_WITH_FIXED_RATE, globals())


def test_wrong_collaborator_does_not_fail_a_correct_composite():
    with pytest.raises(AnswerError, match="1/m"):
        Checker("two_layer")(backward_propagation)
    assert Checker("two_layer")(nn_model, verbose=False)
    assert grade("two_layer", nn_model, seed=4)
    assert globals()["backward_propagation"] is backward_propagation  # restored after the check


def test_composite_passing_wrong_arguments_is_told_which():
    with pytest.raises(AnswerError) as raised:
        Checker("two_layer")(nn_model_with_fixed_rate, "nn_model")
    text = str(raised.value)
    assert "1st call of update_parameters passed arguments that the reference never passed" in text
    assert "learning_rate: expected 1.2, got 0.5" in text
