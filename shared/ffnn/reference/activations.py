"""Activation functions, each forward next to its backward (notation page, eqs. 7-15; notebook 3).

Every function works on a whole layer at once: ``Z`` and ``A`` have shape ``(n[l], m)``, one example per column.
The backward functions take the upstream gradient ``dA = ∂J/∂A`` and return ``dZ = ∂J/∂Z`` of the same shape.
``ACTIVATIONS`` collects them in one table keyed by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..validation import check_array, check_shapes, require_choice, validated

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "softmax",
           "softmax_backward", "softmax_jacobian", "sigmoid_graph_backward", "tanh_graph_backward", "Activation",
           "ACTIVATIONS", "get_activation"]


# ReLU ----------------------------------------------------------------------------------------------------------

@validated(finite=("Z",), Z=("n", "m"))
def relu(Z):
    """ReLU, eq. (7): ``A = max(0, Z)``.

    Z : ndarray, shape (n[l], m).  Returns A : ndarray, shape (n[l], m).
    """
    return np.maximum(Z, 0.0)


@validated(finite=("dA", "Z"), dA=("n", "m"), Z=("n", "m"))
def relu_backward(dA, Z):
    """ReLU backward, eq. (8): ``dZ = dA ⊙ I(Z > 0)``; the derivative at ``Z == 0`` is taken as 0.

    dA, Z : ndarray, shape (n[l], m).  Returns dZ : ndarray, shape (n[l], m).
    """
    return dA * (Z > 0)


def relu_derivative(Z):
    """Element-wise ReLU'(Z), eq. (8) with dA = 1 (for plots and tests)."""
    return (np.asarray(Z) > 0).astype(float)


# Sigmoid -------------------------------------------------------------------------------------------------------

@validated(finite=("Z",), Z=("n", "m"))
def sigmoid(Z):
    """Sigmoid, eq. (9): ``A = 1 / (1 + exp(-Z))``.

    Written with ``exp(-|Z|)``, which never overflows, so it is finite and warning-free for any finite Z.
    Z : ndarray, shape (n[l], m).  Returns A : ndarray, shape (n[l], m), entries in [0, 1].
    """
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


@validated(finite=("dA", "A"), dA=("n", "m"), A=("n", "m"))
def sigmoid_backward(dA, A):
    """Sigmoid backward, eq. (10): ``dZ = dA ⊙ A ⊙ (1 - A)``, using the forward output A = sigmoid(Z).

    dA, A : ndarray, shape (n[l], m).  Returns dZ : ndarray, shape (n[l], m).
    """
    return dA * A * (1.0 - A)


def sigmoid_derivative(Z):
    """Element-wise sigmoid'(Z) = sigmoid(Z) (1 - sigmoid(Z)) (for plots and tests)."""
    A = sigmoid(np.atleast_2d(Z)).reshape(np.shape(Z))
    return A * (1.0 - A)


# Tanh ----------------------------------------------------------------------------------------------------------

@validated(finite=("Z",), Z=("n", "m"))
def tanh(Z):
    """Hyperbolic tangent, eq. (11). NumPy's ``np.tanh`` is the stable form of the ratio of exponentials.

    Z : ndarray, shape (n[l], m).  Returns A : ndarray, shape (n[l], m), entries in [-1, 1].
    """
    return np.tanh(Z)


@validated(finite=("dA", "A"), dA=("n", "m"), A=("n", "m"))
def tanh_backward(dA, A):
    """Tanh backward, eq. (12): ``dZ = dA ⊙ (1 - A ⊙ A)``, using the forward output A = tanh(Z).

    dA, A : ndarray, shape (n[l], m).  Returns dZ : ndarray, shape (n[l], m).
    """
    return dA * (1.0 - A * A)


def tanh_derivative(Z):
    """Element-wise tanh'(Z) = 1 - tanh(Z)**2 (for plots and tests)."""
    return 1.0 - np.tanh(Z) ** 2


# Softmax -------------------------------------------------------------------------------------------------------

@validated(finite=("Z",), Z=("n", "m"))
def softmax(Z):
    """Softmax over each column, eq. (13).

    Subtracting each column's maximum leaves the result unchanged (it cancels between numerator and
    denominator) and keeps every exponent <= 0, so nothing overflows.
    Z : ndarray, shape (n[l], m).  Returns A : ndarray, shape (n[l], m); every column sums to 1.
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


@validated(finite=("dA", "A"), dA=("n", "m"), A=("n", "m"))
def softmax_backward(dA, A):
    """Softmax backward as a vectorized Jacobian-vector product, eq. (14).

    ``dZ = A ⊙ (dA - Σ_axis0 dA ⊙ A)``: for every column this equals ``J(a) @ da`` with the Jacobian
    ``J(a) = diag(a) - a a^T`` of eq. (15), without building any n x n matrix.
    dA, A : ndarray, shape (n[l], m).  Returns dZ : ndarray, shape (n[l], m).
    """
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


def softmax_jacobian(a):
    """Jacobian of softmax for one column, eq. (15): ``∂a/∂z = diag(a) - a a^T``.

    a : ndarray, shape (n,) or (n, 1), one column of A = softmax(Z).  Returns ndarray, shape (n, n).
    It is symmetric, so it serves for both ∂a_p/∂z_j and its transpose.
    """
    a = check_array("softmax_jacobian", "a", a, ndim=None)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        check_shapes("softmax_jacobian", {"a": a}, {"a": ("n", 1)})
    return np.diag(a) - np.outer(a, a)


# Computation graphs (notebook 3) -----------------------------------------------------------------------------

@validated(finite=("Z",), Z=("n", "m"))
def sigmoid_graph_backward(Z):
    """The sigmoid's computation graph walked backwards, entry by entry (the activation notes):
    u0 = z, u1 = -u0, u2 = exp(u1), u3 = 1 + u2, u4 = 1 / u3 = a.

    Z : ndarray, shape (n[l], m), with |Z| small enough for exp(-Z) to stay finite.
    Returns a dict ``{"u0": ∂a/∂u0, ..., "u4": ∂a/∂u4}`` of arrays shaped like Z; ``"u0"`` is sigma'(Z).
    """
    u1 = -Z
    u2 = np.exp(u1)
    u3 = 1.0 + u2
    bars = {"u4": np.ones_like(Z, dtype=float)}
    bars["u3"] = bars["u4"] * (-1.0 / u3 ** 2)
    bars["u2"] = bars["u3"] * 1.0
    bars["u1"] = bars["u2"] * u2
    bars["u0"] = bars["u1"] * -1.0
    return {f"u{k}": bars[f"u{k}"] for k in range(5)}


@validated(finite=("Z",), Z=("n", "m"))
def tanh_graph_backward(Z):
    """tanh's computation graph walked backwards, entry by entry (the activation notes): u0 = z, u1 = -u0,
    u2 = exp(u0), u3 = exp(u1), u4 = u2 - u3, u5 = u2 + u3, u6 = 1 / u5, u7 = u4 u6 = a.

    u0, u2 and u3 feed two nodes each: their derivatives add the contributions of both paths.
    Z : ndarray, shape (n[l], m), with |Z| small enough for exp(±Z) to stay finite.
    Returns a dict ``{"u0": ∂a/∂u0, ..., "u7": ∂a/∂u7}`` of arrays shaped like Z; ``"u0"`` is tanh'(Z).
    """
    u1 = -Z
    u2, u3 = np.exp(Z), np.exp(u1)
    u4, u5 = u2 - u3, u2 + u3
    u6 = 1.0 / u5
    bars = {"u7": np.ones_like(Z, dtype=float)}
    bars["u6"] = bars["u7"] * u4
    bars["u5"] = bars["u6"] * (-1.0 / u5 ** 2)
    bars["u4"] = bars["u7"] * u6
    bars["u3"] = bars["u4"] * -1.0 + bars["u5"] * 1.0
    bars["u2"] = bars["u4"] * 1.0 + bars["u5"] * 1.0
    bars["u1"] = bars["u3"] * u3
    bars["u0"] = bars["u1"] * -1.0 + bars["u2"] * u2
    return {f"u{k}": bars[f"u{k}"] for k in range(8)}


# The table -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """One activation: ``forward(Z) -> A`` and ``backward(dA, Z, A) -> dZ`` side by side.

    ``derivative(Z)`` is the element-wise g'(Z), or None for softmax, whose derivative is a Jacobian (eq. 15);
    for the others ``backward(dA, Z, A) == dA * derivative(Z)`` (tests/test_gradients.py).
    """

    name: str
    forward: Callable
    backward: Callable
    derivative: Callable | None


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", relu, lambda dA, Z, A: relu_backward(dA, Z), relu_derivative),
    "sigmoid": Activation("sigmoid", sigmoid, lambda dA, Z, A: sigmoid_backward(dA, A), sigmoid_derivative),
    "tanh": Activation("tanh", tanh, lambda dA, Z, A: tanh_backward(dA, A), tanh_derivative),
    "softmax": Activation("softmax", softmax, lambda dA, Z, A: softmax_backward(dA, A), None),
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name, with a clear error for an unknown one."""
    require_choice("get_activation", "activation", name, tuple(ACTIVATIONS))
    return ACTIVATIONS[name]
