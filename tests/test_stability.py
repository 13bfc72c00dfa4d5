"""Extreme inputs give finite values and no warnings (pytest turns RuntimeWarning into an error here)."""

import warnings

import numpy as np
import pytest

from ffnn.metrics import one_hot
from ffnn.reference import ACTIVATIONS, COSTS, network
from ffnn.reference.costs import output_layer_dZ

EXTREME = np.array([[-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4]])


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activations_finite_for_extreme_inputs(name):
    g = ACTIVATIONS[name]
    Z = np.vstack([EXTREME, -EXTREME, EXTREME[:, ::-1]])
    A = g.forward(Z)
    assert np.all(np.isfinite(A))
    dZ = g.backward(np.ones_like(Z), Z, A)
    assert np.all(np.isfinite(dZ))


def test_sigmoid_and_softmax_saturate_to_exact_limits():
    A = ACTIVATIONS["sigmoid"].forward(np.array([[-1e4, 1e4]]))
    assert A[0, 0] == 0.0 and A[0, 1] == 1.0
    S = ACTIVATIONS["softmax"].forward(np.array([[1e4], [0.0], [-1e4]]))
    np.testing.assert_array_equal(S[:, 0], [1.0, 0.0, 0.0])


@pytest.mark.parametrize("cost", sorted(COSTS))
def test_costs_from_logits_and_fused_gradient_stay_finite(cost):
    the_cost = COSTS[cost]
    if cost == "binary":
        Z = EXTREME
        Y = (np.arange(Z.shape[1]) % 2).reshape(1, -1).astype(float)
    else:
        Z = np.vstack([EXTREME, -EXTREME, EXTREME * 0.5])
        Y = one_hot(np.arange(Z.shape[1]) % 3, 3) if cost == "categorical" else (np.arange(27).reshape(3, 9) % 2) * 1.
    J = the_cost.from_logits(Z, Y)
    assert np.isfinite(J) and J > 0
    A = ACTIVATIONS[the_cost.output_activation].forward(Z)
    dZ = output_layer_dZ(A, Y)
    assert np.all(np.isfinite(dZ)) and np.all(np.abs(dZ) <= 1.0 / Z.shape[1] + 1e-15)


def test_naive_seed_is_infinite_at_saturation_without_a_warning():
    """The seed (17) really is infinite where A hits 1 with y = 0: it says so with inf, silently."""
    A = ACTIVATIONS["sigmoid"].forward(np.array([[1e4, -1e4]]))
    seed = COSTS["binary"].seed(A, np.array([[0.0, 1.0]]))
    assert np.all(np.isinf(seed))


def test_training_on_huge_inputs_keeps_costs_finite():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 50)) * 1e3
    Y = (X[:1] > 0).astype(float)
    _, costs = network.train(X, Y, [3, 4, 1], ["relu", "sigmoid"], "binary", learning_rate=0.01, num_iterations=30)
    assert np.all(np.isfinite(costs))


@pytest.mark.parametrize("cost,output", [("binary", "sigmoid"), ("categorical", "softmax"),
                                         ("multilabel", "sigmoid")])
def test_network_gradients_stay_finite_when_the_output_saturates(cost, output):
    """Logits of +-1e4 at the output: the fused backward (22) gives finite gradients for every layer."""
    rng = np.random.default_rng(1)
    n_out = 1 if cost == "binary" else 3
    layer_dims = [4, 5, n_out]
    parameters = network.initialize_parameters(layer_dims, seed=0)
    parameters["W2"] = parameters["W2"] * 1e4  # drives the output logits far into saturation
    X = rng.standard_normal((4, 9)) * 10
    Y = one_hot(rng.integers(0, n_out, 9), n_out) if cost == "categorical" else \
        (rng.uniform(size=(n_out, 9)) > 0.5).astype(float)
    activations = ["relu", output]
    AL, caches = network.forward(X, parameters, activations)
    assert np.any((AL == 0.0) | (AL == 1.0))  # saturated for real
    grads = network.backward(AL, Y, caches, activations, cost)
    assert set(grads) == {"dW1", "db1", "dW2", "db2"}
    assert all(np.all(np.isfinite(g)) for g in grads.values())
