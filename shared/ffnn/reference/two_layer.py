"""Reference solutions of notebook 1, the two-layer network (tanh hidden layer, sigmoid output).

Per-layer convention of the first part of the notes: ``dZ2 = A2 - Y`` and every layer divides by m
(notation page, eqs. 4'-5'). Shapes: X (n_x, m), Y (1, m), W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
"""

from __future__ import annotations

import numpy as np

from ..validation import check_int, validated
from .activations import sigmoid
from .costs import binary_cross_entropy
from .descent import gradient_descent
from .input_checks import backward_propagation_arguments, check_two_layer_parameters

__all__ = ["layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost", "backward_propagation",
           "update_parameters", "nn_model", "predict"]

@validated(X=("n_x", "m"), Y=("n_y", "m"))
def layer_sizes(X, Y, n_h):
    """Returns ``(n_x, n_h, n_y)``: input size (rows of X), hidden size, output size (rows of Y)."""
    return X.shape[0], int(n_h), Y.shape[0]


def initialize_parameters(n_x, n_h, n_y, seed=0):
    """Small random weights and zero biases, eq. (28) with s = 0.01, from ``np.random.default_rng(seed)``.

    W1 is drawn first, then W2, each with ``rng.standard_normal(shape) * 0.01``.
    Returns parameters : dict with W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1).
    """
    for name, value in (("n_x", n_x), ("n_h", n_h), ("n_y", n_y)):
        check_int("initialize_parameters", name, value)
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((n_h, n_x)) * 0.01
    W2 = rng.standard_normal((n_y, n_h)) * 0.01
    return {"W1": W1, "b1": np.zeros((n_h, 1)), "W2": W2, "b2": np.zeros((n_y, 1))}


@validated(finite=("X",), check=lambda f, a: check_two_layer_parameters(f, a["parameters"], a["X"]), X=("n_x", "m"))
def forward_propagation(X, parameters):
    """Eqs. (1)-(2) for two layers: ``Z1 = W1 X + b1, A1 = tanh(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2)``.

    X : (n_x, m).  Returns A2 : (1, m) and caches, one cache per layer in the course's layout (notation page,
    "Caches"): ``[((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]``.
    """
    W1, b1, W2, b2 = (parameters[key] for key in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]


def compute_cost(A2, Y):
    """Binary cross-entropy, eq. (16). A2, Y : (1, m). Returns a Python float."""
    return binary_cross_entropy(A2, Y)


@validated(finite=("X", "Y"), check=backward_propagation_arguments, X=("n_x", "m"), Y=("n_y", "m"))
def backward_propagation(parameters, caches, X, Y):
    """Gradients of the cost for the two-layer network, per-layer convention (eqs. 3, 4', 5', 6, 22).

    ``dZ2 = A2 - Y``;  ``dW2 = (1/m) dZ2 A1^T``;  ``db2 = (1/m) Σ_axis1 dZ2``;
    ``dZ1 = W2^T dZ2 ⊙ (1 - A1²)``;  ``dW1 = (1/m) dZ1 X^T``;  ``db1 = (1/m) Σ_axis1 dZ1``.
    caches : from forward_propagation, ``[((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]``.
    Returns grads : dict with dW1 (n_h, n_x), db1 (n_h, 1), dW2 (n_y, n_h), db2 (n_y, 1).
    """
    m = X.shape[1]
    (_, (_, A1)), (_, (_, A2)) = caches
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (parameters["W2"].T @ dZ2) * (1.0 - A1 ** 2)
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step on W1, b1, W2, b2, eq. (27); grads holds dW1, db1, dW2, db2 of the same shapes.
    Returns a new dict."""
    from .network import update_parameters as update
    return update(parameters, grads, learning_rate)


@validated(finite=("X", "Y"), X=("n_x", "m"), Y=("n_y", "m"))
def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0, print_cost=False):
    """Train the two-layer network with batch gradient descent: eqs. (1)-(2), (16), (3)-(6), (27) per iteration.

    X : (n_x, m).  Y : (1, m).  Returns parameters and costs, a list of ``num_iterations`` floats (the cost
    before each update). ``print_cost`` prints it every 1000 iterations.
    """
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)

    def cost_and_grads(parameters):
        A2, caches = forward_propagation(X, parameters)
        return compute_cost(A2, Y), backward_propagation(parameters, caches, X, Y)

    return gradient_descent(parameters, cost_and_grads, update_parameters, learning_rate, num_iterations,
                            1000 if print_cost else None)


def predict(parameters, X):
    """Class predictions, eq. (29), 1 where A2 > 0.5: ndarray of ints, shape (1, m). X : (n_x, m)."""
    A2, _ = forward_propagation(X, parameters)
    return (A2 > 0.5).astype(int)
