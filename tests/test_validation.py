"""Bad input raises a clear error naming the argument, the shape it got and the shape it needs."""

import numpy as np
import pytest

from ffnn.reference import activations, costs, deep, input_checks, layers, network, two_layer
from ffnn.validation import InputError, ShapeError


def test_linear_forward_names_argument_and_shapes():
    with pytest.raises(ShapeError) as raised:
        layers.linear_forward(np.ones((3, 5)), np.ones((4, 2)), np.ones((4, 1)))
    text = str(raised.value)
    assert "linear_forward" in text and "'W'" in text and "(4, 2)" in text and "(4, 3)" in text


def test_transposed_argument_gets_a_hint():
    with pytest.raises(ShapeError, match=r"looks transposed: try W\.T"):
        layers.linear_forward(np.ones((3, 5)), np.ones((3, 4)), np.ones((4, 1)))


def test_one_dimensional_bias_is_refused_with_the_fix():
    with pytest.raises(ShapeError, match=r"'b' must be a 2-D array, got shape \(4,\).*reshape\(-1, 1\)"):
        layers.linear_forward(np.ones((3, 5)), np.ones((4, 3)), np.ones(4))


def test_mismatched_m_is_named():
    with pytest.raises(ShapeError, match=r"'Y' has shape \(1, 7\) but needs \(n\[L\], m\) = \(1, 5\), because 'A' sets m = 5"):
        costs.binary_cross_entropy(np.full((1, 5), 0.5), np.ones((1, 7)))


def test_nan_input_is_located():
    Z = np.zeros((2, 3))
    Z[1, 2] = np.nan
    with pytest.raises(InputError, match=r"relu: argument 'Z' contains NaN \(first at index \(1, 2\)"):
        activations.relu(Z)


def test_unknown_activation_lists_the_choices():
    with pytest.raises(InputError, match="unknown activation 'leaky'; choose one of 'relu', 'sigmoid'"):
        layers.linear_activation_forward(np.ones((2, 3)), np.ones((1, 2)), np.ones((1, 1)), "leaky")
    with pytest.raises(InputError, match="unknown cost 'mse'"):
        network.backward(np.full((1, 2), .5), np.ones((1, 2)), [None], ["sigmoid"], cost="mse")


def test_probabilities_and_labels_are_checked():
    with pytest.raises(InputError, match=r"probabilities in \[0, 1\].*_from_logits"):
        costs.binary_cross_entropy(np.array([[2.0, 0.5]]), np.array([[1.0, 0.0]]))
    with pytest.raises(InputError, match="column 1 sums to 2"):
        costs.categorical_cross_entropy(np.full((2, 2), 0.5), np.array([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(InputError, match=r"one output unit, shape \(1, m\)"):
        costs.binary_cross_entropy(np.full((2, 3), 0.5), np.ones((2, 3)))


def test_network_parameters_are_checked_against_each_other():
    parameters = network.initialize_parameters([3, 4, 1], seed=0)
    parameters["W2"] = np.ones((1, 5))
    with pytest.raises(ShapeError, match=r"parameters\['W2'\]' has shape \(1, 5\) but needs \(n\[2\], n\[1\]\) = "
                                         r"\(1, 4\)"):
        network.forward(np.ones((3, 2)), parameters, ["relu", "sigmoid"])
    with pytest.raises(InputError, match="'activations' has 1 names but the network has L = 2"):
        network.forward(np.ones((3, 2)), network.initialize_parameters([3, 4, 1]), ["sigmoid"])


def test_layer_dims_and_training_arguments():
    with pytest.raises(InputError, match="layer_dims"):
        network.initialize_parameters([3])
    with pytest.raises(InputError, match="unknown method 'zeros'"):
        network.initialize_parameters([3, 1], method="zeros")
    with pytest.raises(InputError, match="learning_rate"):
        network.train(np.ones((2, 4)), np.ones((1, 4)), [2, 1], ["sigmoid"], learning_rate=-1.0)
    with pytest.raises(ShapeError, match=r"'X' has shape \(3, 4\) but needs \(2, m\)"):
        network.train(np.ones((3, 4)), np.ones((1, 4)), [2, 1], ["sigmoid"])


def test_notebook_functions_check_their_inputs():
    parameters = two_layer.initialize_parameters(2, 4, 1, seed=0)
    with pytest.raises(ShapeError, match="forward_propagation: argument 'X'"):
        two_layer.forward_propagation(np.ones((3, 5)), parameters)
    with pytest.raises(InputError, match="'n_h' must be a positive int"):
        two_layer.initialize_parameters(2, 0, 1)
    X, Y = np.ones((2, 5)), np.ones((1, 5))
    _, caches = two_layer.forward_propagation(X, parameters)
    old_layout = {"Z1": caches[0][1][0], "A1": caches[0][1][1], "Z2": caches[1][1][0], "A2": caches[1][1][1]}
    with pytest.raises(InputError, match=r"'caches' must be what forward_propagation returns, one cache per layer"):
        two_layer.backward_propagation(parameters, old_layout, X, Y)
    assert set(two_layer.backward_propagation(parameters, caches, X, Y)) == {"dW1", "db1", "dW2", "db2"}
    with pytest.raises(ShapeError, match="linear_backward"):
        deep.linear_backward(np.ones((2, 5)), (np.ones((3, 4)), np.ones((2, 3)), np.ones((2, 1))))
    with pytest.raises(InputError, match="'cache' must be the tuple"):
        layers.linear_backward(np.ones((2, 5)), "cache")


def test_non_numeric_input():
    with pytest.raises(InputError, match="must be a NumPy array, got str"):
        activations.relu("Z")
    with pytest.raises(InputError, match="must hold numbers"):
        activations.relu(np.array([["a"]]))


def test_checks_do_not_slow_nested_calls():
    """Inside a checked call, inner calls skip their checks (the outer one covered the data)."""
    X, Y = np.ones((2, 5)), np.ones((1, 5))
    calls = []
    original = input_checks.check_array  # network's checks (input_checks.train_arguments, ...) call it

    def counting(*args, **kwargs):
        calls.append(args[1])
        return original(*args, **kwargs)

    input_checks.check_array = counting
    try:
        network.train(X, Y, [2, 3, 1], ["relu", "sigmoid"], num_iterations=50)
    finally:
        input_checks.check_array = original
    assert len(calls) < 10


def _forward_deep(m=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, m))
    return deep.L_model_forward(X, deep.initialize_parameters_deep([2, 3, 1], seed=seed))


def test_deep_backward_names_its_own_arguments():
    AL, caches = _forward_deep()
    with pytest.raises(ShapeError, match=r"L_model_backward: argument 'Y' has shape \(1, 4\) but needs "
                                         r"\(n\[L\], m\) = \(1, 5\)"):
        deep.L_model_backward(AL, np.ones((1, 4)), caches)
    bad = AL.copy()
    bad[0, 3] = np.nan
    with pytest.raises(InputError, match=r"L_model_backward: argument 'AL' contains NaN \(first at index \(0, 3\)"):
        deep.L_model_backward(bad, np.ones((1, 5)), caches)
    with pytest.raises(ShapeError, match=r"'AL' has shape \(1, 3\) but the last layer's cache holds A of shape "
                                         r"\(1, 5\)"):
        deep.L_model_backward(AL[:, :3], np.ones((1, 3)), caches)
    with pytest.raises(InputError, match="'caches' must be the non-empty list"):
        deep.L_model_backward(AL, np.ones((1, 5)), [])
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        deep.L_model_backward(np.ones_like(AL), np.ones((1, 5)), caches)


def test_update_parameters_refuses_nan_gradients():
    parameters = network.initialize_parameters([2, 3, 1], seed=0)
    grads = {f"d{k}": np.zeros_like(v) for k, v in parameters.items()}
    grads["db2"][0, 0] = np.inf
    for update in (network.update_parameters, two_layer.update_parameters, deep.update_parameters):
        with pytest.raises(InputError, match=r"update_parameters: argument 'grads\['db2'\]' contains inf"):
            update(parameters, grads, 0.1)
    grads["db2"][0, 0] = 0.0
    updated = network.update_parameters(parameters, grads, 0.1)
    assert all(np.array_equal(updated[k], parameters[k]) for k in parameters)


def test_metrics_and_gradcheck_check_their_inputs():
    from ffnn import metrics
    from ffnn.reference import gradcheck
    with pytest.raises(InputError, match=r"accuracy: argument 'Y_pred' contains NaN"):
        metrics.accuracy(np.array([[np.nan, 1.0]]), np.array([[0, 1]]))
    with pytest.raises(InputError, match=r"per_label_accuracy: argument 'Y' contains NaN"):
        metrics.per_label_accuracy(np.zeros((2, 2)), np.array([[0, 1], [np.nan, 0]]))
    with pytest.raises(ShapeError, match=r"numerical_gradient: argument 'dOut' has shape \(2, 3\) but f\(X\) has "
                                         r"shape \(3, 2\)"):
        gradcheck.numerical_gradient(lambda X: X.T, np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"relative_error: argument 'b' has shape \(3,\) but needs the shape of 'a'"):
        gradcheck.relative_error(np.ones(2), np.ones(3))
    with pytest.raises(InputError, match=r"relative_error: argument 'a' contains NaN"):
        gradcheck.relative_error(np.array([np.nan]), np.ones(1))
