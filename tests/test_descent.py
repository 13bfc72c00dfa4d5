"""ffnn/reference/descent.py: the one training loop of the reference (nn_model, L_layer_model, network.train)."""

import numpy as np

from ffnn.reference.descent import gradient_descent


def _halving():
    """J(w) = w² from w = 1 with the rate 0.25: each step w <- w - 0.25 · 2w halves w, so J falls by 4."""
    def cost_and_grads(parameters):
        w = parameters["W1"]
        return float(w[0, 0] ** 2), {"dW1": 2 * w}

    def update(parameters, grads, learning_rate):
        return {"W1": parameters["W1"] - learning_rate * grads["dW1"]}

    return {"W1": np.array([[1.0]])}, cost_and_grads, update


def test_each_cost_is_recorded_before_its_update(capsys):
    parameters, cost_and_grads, update = _halving()
    final, costs = gradient_descent(parameters, cost_and_grads, update, 0.25, 5)
    assert costs == [1.0, 0.25, 0.0625, 0.015625, 0.00390625]
    assert final["W1"][0, 0] == 1 / 32 and parameters["W1"][0, 0] == 1.0  # a new dict; the caller's is kept
    assert capsys.readouterr().out == ""


def test_the_cost_is_printed_at_multiples_of_print_every(capsys):
    parameters, cost_and_grads, update = _halving()
    gradient_descent(parameters, cost_and_grads, update, 0.25, 5, print_every=2)
    lines = capsys.readouterr().out.splitlines()
    assert [int(line.split()[1]) for line in lines] == [0, 2, 4]
    assert lines[1].endswith("cost 0.062500")


def test_no_iterations_leave_the_parameters_as_they_are():
    parameters, cost_and_grads, update = _halving()
    final, costs = gradient_descent(parameters, cost_and_grads, update, 0.25, 0)
    assert costs == [] and final is parameters
