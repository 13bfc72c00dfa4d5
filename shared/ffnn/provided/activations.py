"""ReLU, sigmoid and softmax with their backward steps, provided from notebook 4 on (notebook 2 grades ReLU and
sigmoid, notebook 3 derives them again and grades softmax). Shapes: one unit per row, one example per column."""

from __future__ import annotations

import numpy as np

SHIPPED_FROM = "04_costs"

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward", "softmax", "softmax_backward"]


def relu(Z):
    """ReLU, eq. (7). Z : ndarray, shape (n[l], m). Returns A, same shape."""
    return np.maximum(Z, 0.0)


def relu_backward(dA, Z):
    """ReLU backward, eq. (8): dZ = dA ⊙ I(Z > 0). dA, Z : ndarray, shape (n[l], m)."""
    return dA * (Z > 0)


def sigmoid(Z):
    """Sigmoid, eq. (9), written with exp(-|Z|) so that no exponential overflows. Returns A, shape of Z."""
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_backward(dA, A):
    """Sigmoid backward, eq. (10): dZ = dA ⊙ A ⊙ (1 - A). dA, A : ndarray, shape (n[l], m)."""
    return dA * A * (1.0 - A)


def softmax(Z):
    """Softmax of every column, eq. (13), with the column maximum subtracted first. Returns A, shape of Z."""
    E = np.exp(Z - np.max(Z, axis=0, keepdims=True))
    return E / np.sum(E, axis=0, keepdims=True)


def softmax_backward(dA, A):
    """Softmax backward, eq. (14): dZ = A ⊙ (dA - broadcast(Σ_axis=0 dA ⊙ A)). dA, A : shape (n[l], m)."""
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))
