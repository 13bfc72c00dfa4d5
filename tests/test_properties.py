"""Properties over random shapes and seeds (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ffnn.metrics import one_hot
from ffnn.reference import ACTIVATIONS, COSTS, layers, network
from ffnn.reference.activations import softmax, softmax_backward, softmax_jacobian
from ffnn.reference.costs import output_layer_dZ

sizes = st.integers(min_value=1, max_value=9)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
scales = st.sampled_from([0.1, 1.0, 10.0, 100.0])
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(n=sizes, m=sizes, seed=seeds, scale=scales)
def test_softmax_columns_are_probabilities(n, m, seed, scale):
    Z = np.random.default_rng(seed).standard_normal((n, m)) * scale
    A = softmax(Z)
    assert A.shape == (n, m)
    assert np.all(A >= 0) and np.all(A <= 1)
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-12)


@SETTINGS
@given(n=sizes, m=sizes, seed=seeds, scale=scales)
def test_softmax_is_shift_invariant_per_column(n, m, seed, scale):
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, m)) * scale
    shift = rng.standard_normal((1, m)) * 50
    np.testing.assert_allclose(softmax(Z + shift), softmax(Z), rtol=1e-9, atol=1e-15)


@SETTINGS
@given(n=sizes, m=sizes, seed=seeds)
def test_softmax_jvp_equals_full_jacobian_product_column_by_column(n, m, seed):
    rng = np.random.default_rng(seed)
    A = softmax(rng.standard_normal((n, m)) * 2)
    dA = rng.standard_normal((n, m))
    dZ = softmax_backward(dA, A)
    for i in range(m):
        J = softmax_jacobian(A[:, i])
        assert J.shape == (n, n)
        np.testing.assert_allclose(J, J.T)
        np.testing.assert_allclose(dZ[:, i], J @ dA[:, i], rtol=1e-10, atol=1e-12)


@SETTINGS
@given(n=sizes, m=sizes, seed=seeds, cost=st.sampled_from(sorted(COSTS)))
def test_fused_dZ_equals_seed_chained_through_matched_activation(n, m, seed, cost):
    rng = np.random.default_rng(seed)
    the_cost = COSTS[cost]
    n = 1 if cost == "binary" else max(n, 2)
    Z = rng.standard_normal((n, m)) * 3
    g = ACTIVATIONS[the_cost.output_activation]
    A = g.forward(Z)
    Y = one_hot(rng.integers(0, n, m), n) if cost == "categorical" else (rng.uniform(size=(n, m)) > 0.5) * 1.0
    chained = g.backward(the_cost.seed(A, Y), Z, A)
    np.testing.assert_allclose(output_layer_dZ(A, Y), chained, rtol=1e-8, atol=1e-12)


@SETTINGS
@given(dims=st.lists(sizes, min_size=2, max_size=5), m=sizes, seed=seeds,
       hidden=st.sampled_from(["relu", "tanh", "sigmoid"]),
       pair=st.sampled_from([("sigmoid", "binary"), ("softmax", "categorical"), ("sigmoid", "multilabel")]))
def test_network_output_and_gradient_shapes(dims, m, seed, hidden, pair):
    output, cost = pair
    if cost == "binary":
        dims[-1] = 1
    rng = np.random.default_rng(seed)
    L = len(dims) - 1
    activations = network.network_activations(L, hidden, output)
    parameters = network.initialize_parameters(dims, "he", seed)
    X = rng.standard_normal((dims[0], m))
    n_out = dims[-1]
    Y = one_hot(rng.integers(0, n_out, m), n_out) if cost == "categorical" else (rng.uniform(size=(n_out, m)) > .5) * 1.
    AL, caches = network.forward(X, parameters, activations)
    assert AL.shape == (n_out, m) and len(caches) == L
    for l, ((A_prev, W, b), (Z, A)) in enumerate(caches, start=1):
        assert A_prev.shape == (dims[l - 1], m) and W.shape == (dims[l], dims[l - 1]) and b.shape == (dims[l], 1)
        assert Z.shape == A.shape == (dims[l], m)
    grads = network.backward(AL, Y, caches, activations, cost)
    assert sorted(grads) == sorted(f"d{k}" for k in parameters)
    for key, value in parameters.items():
        assert grads[f"d{key}"].shape == value.shape


@SETTINGS
@given(n=sizes, n_prev=sizes, m=sizes, seed=seeds)
def test_linear_backward_is_the_transpose_of_forward(n, n_prev, m, seed):
    """<dZ, W dA_prev> = <W^T dZ, dA_prev>: the backward of a linear map is its adjoint."""
    rng = np.random.default_rng(seed)
    A_prev, W, b = rng.standard_normal((n_prev, m)), rng.standard_normal((n, n_prev)), rng.standard_normal((n, 1))
    dZ = rng.standard_normal((n, m))
    _, cache = layers.linear_forward(A_prev, W, b)
    dA_prev, dW, db = layers.linear_backward(dZ, cache)
    V = rng.standard_normal((n_prev, m))
    assert np.isclose(np.sum(dZ * (W @ V)), np.sum(dA_prev * V))
    np.testing.assert_allclose(db[:, 0], dZ.sum(axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dW, sum(np.outer(dZ[:, i], A_prev[:, i]) for i in range(m)), atol=1e-12)
