"""Notebook 3's catalogue of mistakes, ``ACTIVATIONS_MISTAKES``: activations, their backward steps, the softmax
Jacobian, numerical gradients and the graph walks. The table is ``activations.toml``: each row names a mistake,
says what a student reads, and which function of this module makes it, with which options.
"""

from __future__ import annotations

import numpy as np

from .common import read_table, textbook_sigmoid


def _softmax(Z, *, axis=0, stable=True, normalize=True):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True)) if stable else np.exp(Z)
    return E / E.sum(axis=axis, keepdims=True) if normalize else E


def _softmax_jacobian(a, *, variant):
    a = np.asarray(a).reshape(-1)
    return {"no_diag": -np.outer(a, a), "sign": np.outer(a, a) - np.diag(a), "diagonal_only": np.diag(a * (1 - a)),
            "outer_only": np.outer(a, a)}[variant]


def _softmax_backward(dA, A, *, variant):
    return {"axis1": A * (dA - np.sum(dA * A, axis=1, keepdims=True)),
            "diagonal_only": dA * A * (1 - A),
            "no_sum": A * dA,
            "sum_without_A": A * (dA - np.sum(dA, axis=0, keepdims=True))}[variant]


def _numerical_gradient(f, X, dOut, eps=1e-6, *, scheme="centred", contract=True, denominator="2 eps"):
    G = np.zeros_like(X, dtype=float)
    X = X.astype(float)
    for index in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[index] += eps
        minus[index] -= eps
        weight = dOut if contract else 1.0
        f_plus = np.sum(f(plus) * weight)
        f_minus = np.sum(f(minus) * weight) if scheme == "centred" else np.sum(f(X) * weight)
        G[index] = (f_plus - f_minus) / ({"2 eps": 2 * eps, "eps": eps}[denominator] if scheme == "centred"
                                         else eps)
    return G


def _sigmoid_walk(Z, *, mistake):
    u1 = -Z
    u2 = np.exp(u1)
    u3 = 1.0 + u2
    b4 = np.ones_like(Z, dtype=float)
    b3 = b4 * (1.0 / u3 ** 2 if mistake == "reciprocal_sign" else -1.0 / u3 ** 2)
    b2 = b3
    b1 = {"exp_of_u0": b2 * np.exp(Z), "not_chained": u2}.get(mistake, b2 * u2)
    b0 = b1 if mistake == "last_sign" else -b1
    return {"u0": b0, "u1": b1, "u2": b2, "u3": b3, "u4": b4}


def _tanh_walk(Z, *, mistake):
    u1 = -Z
    u2, u3 = np.exp(Z), np.exp(u1)
    u4, u5 = u2 - u3, u2 + u3
    u6 = 1.0 / u5
    b7 = np.ones_like(Z, dtype=float)
    b6 = b7 * u4
    b5 = b6 * (1.0 / u5 ** 2 if mistake == "reciprocal_sign" else -1.0 / u5 ** 2)
    b4 = b7 * u6
    b3 = {"one_path_u3": -b4, "difference_sign": b4 + b5}.get(mistake, -b4 + b5)
    b2 = b4 if mistake == "one_path_u2" else b4 + b5
    b1 = b3 * u3
    b0 = b2 * u2 if mistake == "one_path_u0" else -b1 + b2 * u2
    return {"u0": b0, "u1": b1, "u2": b2, "u3": b3, "u4": b4, "u5": b5, "u6": b6, "u7": b7}


def _tanh_sigmoid(Z):
    return textbook_sigmoid(Z)


def _tanh_backward_unsquared(dA, A):
    return dA * (1 - A)


def _tanh_backward_tanh_again(dA, A):
    return dA * (1 - np.tanh(A) ** 2)


def _tanh_backward_no_dA(dA, A):
    return 1 - A ** 2


def _tanh_backward_sign(dA, A):
    return dA * (A ** 2 - 1)


def _softmax_jacobian_column_not_flattened(a):
    a = np.asarray(a)
    return np.diag(a) - a.reshape(-1, 1) @ a.reshape(1, -1)


ACTIVATIONS_MISTAKES = read_table("activations.toml", globals())
