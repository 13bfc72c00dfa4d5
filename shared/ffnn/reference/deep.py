"""Reference solutions of notebook 2, the L-layer network (ReLU hidden layers, sigmoid output).

The layer functions call the activations and their backward steps by name (``relu``, ``sigmoid_backward``, ...),
graded in this notebook too, so that the checker can stand in for them (fixtures.COLLABORATORS).

Per-layer convention of the first part of the notes: the seed is the per-example derivative
``dAL = -(Y/AL) + (1-Y)/(1-AL)`` and every ``linear_backward`` divides by m (notation page, eqs. 4'-5').
Caches as in layers.py: ``((A_prev, W, b), (Z, A))``.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_int, validated
from . import layers, network
from .activations import relu, relu_backward, sigmoid, sigmoid_backward
from .costs import binary_cross_entropy
from .descent import gradient_descent
from .input_checks import (L_model_backward_arguments, check_notebook2_activation, check_scale, checked_layer_dims,
                           linear_backward_arguments, network_arguments)

__all__ = ["layer_shapes", "initialize_parameters_deep", "relu", "relu_backward", "sigmoid", "sigmoid_backward",
           "linear_forward", "linear_activation_forward",
           "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
           "update_parameters", "L_layer_model", "predict"]

linear_forward = layers.linear_forward
update_parameters = network.update_parameters


def layer_shapes(layer_dims, m):
    """Shapes of every array in an L-layer network on m examples ("getting your matrix dimensions right").

    Returns a dict: ``A0`` (n[0], m), and for l = 1..L: ``W{l}`` (n[l], n[l-1]), ``b{l}`` (n[l], 1),
    ``Z{l}`` and ``A{l}`` (n[l], m). Gradients dV have the shape of V.
    """
    dims = checked_layer_dims("layer_shapes", layer_dims)
    check_int("layer_shapes", "m", m)
    shapes = {"A0": (dims[0], m)}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])
        shapes[f"b{l}"] = (dims[l], 1)
        shapes[f"Z{l}"] = (dims[l], m)
        shapes[f"A{l}"] = (dims[l], m)
    return shapes


def initialize_parameters_deep(layer_dims, seed=0, scale="he"):
    """Random weights, zero biases, eq. (28), from ``np.random.default_rng(seed)``; W1, W2, ... drawn in order.

    scale : 'he' for ``standard_normal * sqrt(2 / n[l-1])`` (suits ReLU), or a number for a fixed standard
    deviation (0.01 reproduces the notes' small initialization).
    """
    if scale == "he":
        return network.initialize_parameters(layer_dims, "he", seed)
    check_scale("initialize_parameters_deep", scale)
    dims = checked_layer_dims("initialize_parameters_deep", layer_dims)
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def linear_activation_forward(A_prev, W, b, activation):
    """Eqs. (1)-(2) for one layer: ``Z = W A_prev + b`` (``linear_forward``), then ``A = g(Z)``.

    activation : 'relu' or 'sigmoid'.  Returns A : (n[l], m) and cache = ((A_prev, W, b), (Z, A)).
    """
    check_notebook2_activation("linear_activation_forward", activation)
    # Not layers.linear_activation_forward: notebook 2's answer is built from the notebook's own graded linear_forward,
    # relu and sigmoid, and the fixtures record exactly these calls (the visible test replays them).
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = relu(Z) if activation == "relu" else sigmoid(Z)
    return A, (linear_cache, (Z, A))


@validated(finite=("X",), check=lambda f, a: network_arguments(
    f, a["X"], a["parameters"], network.network_activations(network.num_layers(a["parameters"]))), X=("n[0]", "m"))
def L_model_forward(X, parameters):
    """Forward pass, eqs. (1)-(2): ReLU for layers 1..L-1, sigmoid for layer L (a loop over layers).

    X : (n[0], m).  Returns AL : (1, m) and caches : list of L caches ((A_prev, W, b), (Z, A)).
    """
    L = network.num_layers(parameters)
    caches = []
    A = X
    for l in range(1, L + 1):
        activation = "sigmoid" if l == L else "relu"
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation)
        caches.append(cache)
    return A, caches


def compute_cost(AL, Y):
    """Binary cross-entropy, eq. (16). AL, Y : (1, m). Returns a Python float."""
    return binary_cross_entropy(AL, Y)


@validated(finite=("dZ",), check=linear_backward_arguments, dZ=("n[l]", "m"))
def linear_backward(dZ, cache):
    """Eqs. (4'), (5'), (6), per-layer convention: ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) Σ_axis1 dZ``,
    ``dA_prev = W^T dZ``.

    dZ : (n[l], m).  cache : (A_prev, W, b).  Returns dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1).
    """
    m = dZ.shape[1]
    dA_prev, dW, db = layers.linear_backward(dZ, cache)
    return dA_prev, dW / m, db / m


def linear_activation_backward(dA, cache, activation):
    """Eq. (3) then ``linear_backward`` (per-layer convention). activation : 'relu' or 'sigmoid'.

    dA : (n[l], m).  cache : ((A_prev, W, b), (Z, A)).  Returns dA_prev, dW, db.
    """
    check_notebook2_activation("linear_activation_backward", activation)
    linear_cache, (Z, A) = cache
    dZ = relu_backward(dA, Z) if activation == "relu" else sigmoid_backward(dA, A)
    return linear_backward(dZ, linear_cache)


@validated(finite=("AL", "Y"), probabilities=("Y",), check=L_model_backward_arguments,
           AL=("n[L]", "m"), Y=("n[L]", "m"))
def L_model_backward(AL, Y, caches):
    """Backward pass, per-layer convention: seed ``dAL = -(Y/AL) + (1-Y)/(1-AL)`` (the notes' final layer), then
    sigmoid for layer L and ReLU for layers L-1..1.

    AL, Y : (1, m).  Returns grads : dict with dW1, db1, ..., dWL, dbL.
    """
    grads = {}
    L = len(caches)
    dA = -(Y / AL) + (1.0 - Y) / (1.0 - AL)
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA, caches[l - 1], activation)
    return grads


@validated(finite=("X", "Y"), X=("n[0]", "m"), Y=("n[L]", "m"))
def L_layer_model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=3000, seed=0, print_cost=False):
    """Train an L-layer network (ReLU hidden, sigmoid output) with batch gradient descent, eq. (27).

    X : (n[0], m).  Y : (1, m).  layer_dims : [n[0], ..., n[L]].

    Returns parameters and costs, a list of ``num_iterations`` floats (the cost before each update).
    """
    parameters = initialize_parameters_deep(layer_dims, seed)

    def cost_and_grads(parameters):
        AL, caches = L_model_forward(X, parameters)
        return compute_cost(AL, Y), L_model_backward(AL, Y, caches)

    return gradient_descent(parameters, cost_and_grads, update_parameters, learning_rate, num_iterations,
                            100 if print_cost else None)


def predict(parameters, X):
    """Class predictions, eq. (29), 1 where AL > 0.5: ndarray of ints, shape (1, m). X : (n[0], m)."""
    AL, _ = L_model_forward(X, parameters)
    return (AL > 0.5).astype(int)
