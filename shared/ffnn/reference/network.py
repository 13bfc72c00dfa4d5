"""L-layer networks: initialization, forward, backward, gradient descent, prediction (eqs. 1-6, 22).

A network is described by ``layer_dims = [n[0], n[1], ..., n[L]]`` and ``activations``, a list of L activation
names (one per weight layer, the last one being the output activation). ``parameters`` is a dict with
``W1, b1, ..., WL, bL``; ``grads`` has ``dW1, db1, ..., dWL, dbL``. Seed convention throughout (1/m in the seed).
"""

from __future__ import annotations

import numpy as np

from ..metrics import accuracy  # noqa: F401  (re-exported: one definition, student-facing)
from ..validation import require_choice, validated
from .costs import get_cost, output_layer_dZ
from .descent import gradient_descent
from .input_checks import (backward_arguments, checked_layer_dims, forward_arguments, train_arguments,
                           update_arguments)
from .layers import linear_activation_backward, linear_activation_forward, linear_backward

__all__ = ["INITIALIZATIONS", "initialize_parameters", "network_activations", "forward", "backward",
           "update_parameters", "compute_cost", "train", "predict", "accuracy", "num_layers"]

#: Standard deviation of the weights of layer l as a function of n[l-1].
INITIALIZATIONS = {
    "small": lambda n_prev: 0.01,                   # the notes' "randn * 0.01"
    "he": lambda n_prev: np.sqrt(2.0 / n_prev),     # keeps the spread of ReLU activations constant
    "xavier": lambda n_prev: np.sqrt(1.0 / n_prev),  # keeps the spread of tanh activations constant
}


def initialize_parameters(layer_dims, method="he", seed=0):
    """Random weights, zero biases, eq. (28): ``W[l] ~ N(0, s^2)`` of shape (n[l], n[l-1]), ``b[l] = 0`` of shape
    (n[l], 1).

    layer_dims : [n[0], ..., n[L]].  method : 'small' (s = 0.01), 'he' (s = sqrt(2/n[l-1])) or 'xavier'
    (s = sqrt(1/n[l-1])).  seed : int for ``np.random.default_rng``; W1, W2, ... are drawn in that order.
    Zero weights would keep every unit of a layer identical forever (symmetry), so weights are random.
    """
    dims = checked_layer_dims("initialize_parameters", layer_dims)
    require_choice("initialize_parameters", "method", method, tuple(INITIALIZATIONS))
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        scale = INITIALIZATIONS[method](dims[l - 1])
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def num_layers(parameters) -> int:
    """L, the number of weight layers in ``parameters`` (a dict of W1 (n[1], n[0]), b1 (n[1], 1), ..., WL, bL)."""
    L = 0
    while f"W{L + 1}" in parameters:
        L += 1
    return L


def network_activations(L, hidden="relu", output="sigmoid"):
    """The list of L activation names (g[1], ..., g[L] of eq. 2): ``hidden`` for layers 1..L-1, ``output`` for L."""
    return [hidden] * (L - 1) + [output]


@validated(finite=("X",), check=forward_arguments, X=("n[0]", "m"))
def forward(X, parameters, activations):
    """Forward propagation through L layers, eqs. (1)-(2); a loop over layers, vectorized over examples.

    X : ndarray, shape (n[0], m).  parameters : W1, b1, ..., WL, bL.  activations : L names.
    Returns AL : ndarray, shape (n[L], m), and caches : list of L layer caches ((A_prev, W, b), (Z, A)).
    """
    caches = []
    A = X
    for l, name in enumerate(activations, start=1):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], name)
        caches.append(cache)
    return A, caches


@validated(finite=("AL", "Y"), check=backward_arguments, AL=("n[L]", "m"), Y=("n[L]", "m"))
def backward(AL, Y, caches, activations, cost="binary", fused=True):
    """Backward propagation through L layers, eqs. (3)-(6) and (22); seed convention.

    AL, Y : ndarray, shape (n[L], m).  caches : from ``forward``.  activations : the same L names.
    cost : 'binary', 'categorical' or 'multilabel'.
    fused : use ``dZ[L] = (AL - Y)/m`` (eq. 22) when the output activation matches the cost; otherwise (or with
    ``fused=False``) the seed dJ/dA[L] is chained through the output activation's backward.
    Returns grads : dict with dW1, db1, ..., dWL, dbL (each shaped like its parameter).
    """
    the_cost = get_cost(cost)
    L = len(caches)
    grads = {}
    if fused and activations[-1] == the_cost.output_activation:
        dZ = output_layer_dZ(AL, Y)
        linear_cache, _ = caches[-1]
        dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache, L > 1)
    else:
        dA = the_cost.seed(AL, Y)
        dA_prev, grads[f"dW{L}"], grads[f"db{L}"] = linear_activation_backward(dA, caches[-1], activations[-1],
                                                                               L > 1)
    for l in range(L - 1, 0, -1):
        # Layer 1's input is X, which needs no gradient: skip W1^T dZ1, the largest product of the pass.
        dA_prev, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(dA_prev, caches[l - 1],
                                                                               activations[l - 1], l > 1)
    return grads


@validated(check=update_arguments)
def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step, eq. (27): ``W[l] - learning_rate * dW[l]``, ``b[l] - learning_rate * db[l]``.

    parameters : dict of W[l] (n[l], n[l-1]) and b[l] (n[l], 1).  grads : dict of dW[l], db[l], same shapes.
    Returns a new dict; ``parameters`` is left unchanged.
    """
    return {key: value - learning_rate * grads[f"d{key}"] for key, value in parameters.items()}


def compute_cost(AL, Y, cost="binary", ZL=None):
    """The cost of the predictions; from the logits ``ZL`` (stable, eqs. 23-24) when they are given."""
    the_cost = get_cost(cost)
    return the_cost.from_logits(ZL, Y) if ZL is not None else the_cost.value(AL, Y)


@validated(finite=("X", "Y"), check=train_arguments, X=("n[0]", "m"), Y=("n[L]", "m"))
def train(X, Y, layer_dims, activations, cost="binary", learning_rate=0.1, num_iterations=1000, init="he",
          seed=0, print_every=None, parameters=None):
    """Batch gradient descent on the whole training set, eq. (27) each iteration; returns ``(parameters, costs)``.

    X : (n[0], m).  Y : (n[L], m).  layer_dims : [n[0], ..., n[L]].  activations : L names.
    cost : 'binary' | 'categorical' | 'multilabel'.  init : 'small' | 'he' | 'xavier'.
    print_every : print the cost every that many iterations (None: silent).
    parameters : start from these instead of a fresh initialization.
    costs : list of ``num_iterations`` floats, the cost before each update (computed from the logits).
    """
    if parameters is None:
        parameters = initialize_parameters(layer_dims, init, seed)
    the_cost = get_cost(cost)

    def cost_and_grads(parameters):
        AL, caches = forward(X, parameters, activations)
        ZL = caches[-1][1][0]
        value = the_cost.from_logits(ZL, Y) if activations[-1] == the_cost.output_activation else the_cost.value(AL, Y)
        return value, backward(AL, Y, caches, activations, cost)

    return gradient_descent(parameters, cost_and_grads, update_parameters, learning_rate, num_iterations, print_every)


@validated(finite=("X",), check=forward_arguments, X=("n[0]", "m"))
def predict(X, parameters, activations, threshold=0.5):
    """Predictions of a trained network, eq. (29) (X : (n[0], m)).

    Sigmoid output: ``(AL > threshold)`` as ints, shape (n[L], m) (binary or one 0/1 per label).
    Softmax output: the most probable class per column, shape (1, m).
    """
    AL, _ = forward(X, parameters, activations)
    if activations[-1] == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return (AL > threshold).astype(int)
