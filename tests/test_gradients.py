"""Every backward step against centred finite differences (an oracle independent of the derivations)."""

import numpy as np
import pytest

from ffnn.metrics import one_hot
from ffnn.reference import ACTIVATIONS, COSTS, deep, layers, network, two_layer
from ffnn.reference.costs import output_layer_dZ
from ffnn.reference.gradcheck import numerical_gradient, parameter_gradients, relative_error

TOLERANCE = 1e-7


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_backward_matches_finite_differences(name, rng):
    g = ACTIVATIONS[name]
    Z = rng.standard_normal((4, 6)) * 2
    dA = rng.standard_normal((4, 6))
    A = g.forward(Z)
    analytic = g.backward(dA, Z, A)
    numeric = numerical_gradient(g.forward, Z, dA)
    assert relative_error(analytic, numeric) < TOLERANCE
    if g.derivative is not None:  # element-wise: the backward step is dA times g'(Z)
        np.testing.assert_allclose(analytic, dA * g.derivative(Z), rtol=1e-12, atol=1e-15)


def _targets(cost, shape, rng):
    if cost == "categorical":
        return one_hot(rng.integers(0, shape[0], shape[1]), shape[0])
    return (rng.uniform(size=shape) > 0.5).astype(float)


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_cost_seed_matches_finite_differences(cost, rng):
    n = 1 if cost == "binary" else 3
    Y = _targets(cost, (n, 7), rng)
    if cost == "categorical":
        A = ACTIVATIONS["softmax"].forward(rng.standard_normal((n, 7)))
    else:
        A = rng.uniform(0.1, 0.9, (n, 7))
    seed = COSTS[cost].seed(A, Y)
    numeric = numerical_gradient(lambda A_: COSTS[cost].value(A_, Y), A, 1.0)
    assert relative_error(seed, numeric) < TOLERANCE


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_from_logits_cost_equals_cost_of_activation(cost, rng):
    the_cost = COSTS[cost]
    n = 1 if cost == "binary" else 4
    Z = rng.standard_normal((n, 9)) * 3
    Y = _targets(cost, (n, 9), rng)
    A = ACTIVATIONS[the_cost.output_activation].forward(Z)
    assert the_cost.from_logits(Z, Y) == pytest.approx(the_cost.value(A, Y), rel=1e-10)  # log(1 - A) loses digits to cancellation
    # and its gradient with respect to the logits is the fused dZ of eq. (22)
    numeric = numerical_gradient(lambda Z_: the_cost.from_logits(Z_, Y), Z, 1.0)
    assert relative_error(output_layer_dZ(A, Y), numeric) < TOLERANCE


def test_linear_backward_matches_finite_differences(rng):
    A_prev, W, b = rng.standard_normal((3, 5)), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    dZ = rng.standard_normal((4, 5))
    Z, cache = layers.linear_forward(A_prev, W, b)
    dA_prev, dW, db = layers.linear_backward(dZ, cache)
    assert relative_error(dA_prev, numerical_gradient(lambda X: layers.linear_forward(X, W, b)[0], A_prev, dZ)) < TOLERANCE
    assert relative_error(dW, numerical_gradient(lambda V: layers.linear_forward(A_prev, V, b)[0], W, dZ)) < TOLERANCE
    assert relative_error(db, numerical_gradient(lambda V: layers.linear_forward(A_prev, W, V)[0], b, dZ)) < TOLERANCE


# Whole networks: every depth with every matched output/cost pair, and mismatched pairs through the general route.
PAIRS = [("sigmoid", "binary", 1), ("softmax", "categorical", 3), ("sigmoid", "multilabel", 3),
         ("softmax", "multilabel", 3), ("sigmoid", "categorical", 3)]


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("output,cost,n_out", PAIRS)
def test_network_gradients_match_finite_differences(depth, hidden, output, cost, n_out, rng):
    dims = [3] + [5, 4, 6][: depth - 1] + [n_out]
    activations = network.network_activations(depth, hidden, output)
    parameters = network.initialize_parameters(dims, "he", seed=int(rng.integers(1000)))
    parameters = {k: v + (0.1 * rng.standard_normal(v.shape) if k.startswith("b") else 0) for k, v in parameters.items()}
    X = rng.standard_normal((3, 8))
    Y = _targets(cost, (n_out, 8), rng)

    def cost_of(params):
        AL, _ = network.forward(X, params, activations)
        return COSTS[cost].value(AL, Y)

    AL, caches = network.forward(X, parameters, activations)
    grads = network.backward(AL, Y, caches, activations, cost)
    # eps = 1e-5 balances truncation (eps²) against round-off (1e-16 / eps) for these deeper sigmoid stacks
    numeric = parameter_gradients(cost_of, parameters, eps=1e-5)
    for key in numeric:
        assert relative_error(grads[key], numeric[key]) < TOLERANCE, key
    # the fused and the general route agree wherever the fused one applies
    general = network.backward(AL, Y, caches, activations, cost, fused=False)
    for key in grads:
        np.testing.assert_allclose(grads[key], general[key], rtol=1e-9, atol=1e-12)


def test_two_layer_backward_matches_finite_differences(rng):
    X = rng.standard_normal((2, 9))
    Y = (rng.uniform(size=(1, 9)) > 0.5).astype(float)
    parameters = {k: v * 50 for k, v in two_layer.initialize_parameters(2, 4, 1, seed=3).items()}
    parameters["b1"] = rng.standard_normal((4, 1))

    def cost_of(params):
        return two_layer.compute_cost(two_layer.forward_propagation(X, params)[0], Y)

    _, caches = two_layer.forward_propagation(X, parameters)
    grads = two_layer.backward_propagation(parameters, caches, X, Y)
    numeric = parameter_gradients(cost_of, parameters)
    for key in numeric:
        assert relative_error(grads[key], numeric[key]) < TOLERANCE, key


@pytest.mark.parametrize("dims", [[3, 1], [3, 4, 1], [4, 5, 3, 1], [2, 6, 5, 4, 1]])
def test_deep_backward_matches_finite_differences(dims, rng):
    X = rng.standard_normal((dims[0], 7))
    Y = (rng.uniform(size=(1, 7)) > 0.5).astype(float)
    parameters = deep.initialize_parameters_deep(dims, seed=5)

    def cost_of(params):
        return deep.compute_cost(deep.L_model_forward(X, params)[0], Y)

    AL, caches = deep.L_model_forward(X, parameters)
    grads = deep.L_model_backward(AL, Y, caches)
    numeric = parameter_gradients(cost_of, parameters)
    for key in numeric:
        assert relative_error(grads[key], numeric[key]) < TOLERANCE, key


def test_gradient_checker_detects_a_wrong_gradient(rng):
    """The oracle itself must be able to fail: a gradient off by 1 % is far above the tolerance."""
    Z, dA = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    numeric = numerical_gradient(np.tanh, Z, dA)
    correct = dA * (1 - np.tanh(Z) ** 2)
    assert relative_error(correct, numeric) < TOLERANCE
    assert relative_error(correct * 1.01, numeric) > 1e-3
