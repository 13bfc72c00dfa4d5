"""Notebook 3's catalogue of mistakes, ``ACTIVATIONS_MISTAKES``: activations, their backward steps, the softmax
Jacobian, numerical gradients and the graph walks. Each table row names a mistake, says what a student reads, and
makes it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .common import mistake, textbook_sigmoid


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


ACTIVATIONS_MISTAKES = {
    "sigmoid_graph_backward": [
        mistake("reciprocal_sign", "the local derivative of u4 = 1/u3 is -1/u3² (it falls as u3 grows): check the "
                "sign of ∂a/∂u3.", partial(_sigmoid_walk, mistake="reciprocal_sign")),
        mistake("exp_of_u0", "u2 = exp(u1), so ∂u2/∂u1 = exp(u1) = exp(-z), not exp(z).",
                partial(_sigmoid_walk, mistake="exp_of_u0")),
        mistake("not_chained", "each derivative is the NEXT node's derivative times the local one: "
                "∂a/∂u1 = (∂a/∂u2)(∂u2/∂u1), not the local derivative alone.",
                partial(_sigmoid_walk, mistake="not_chained")),
        mistake("last_sign", "u1 = -u0, so the last step multiplies by ∂u1/∂u0 = -1.",
                partial(_sigmoid_walk, mistake="last_sign")),
    ],
    "tanh_graph_backward": [
        mistake("reciprocal_sign", "the local derivative of u6 = 1/u5 is -1/u5²: check the sign of ∂a/∂u5.",
                partial(_tanh_walk, mistake="reciprocal_sign")),
        mistake("one_path_u3", "u3 feeds both u4 = u2 - u3 and u5 = u2 + u3: ∂a/∂u3 adds the contributions of both "
                "paths.", partial(_tanh_walk, mistake="one_path_u3")),
        mistake("difference_sign", "u4 = u2 - u3, so ∂u4/∂u3 = -1: the path through u4 enters ∂a/∂u3 with a minus "
                "sign.", partial(_tanh_walk, mistake="difference_sign")),
        mistake("one_path_u2", "u2 feeds both u4 and u5: ∂a/∂u2 adds the contributions of both paths.",
                partial(_tanh_walk, mistake="one_path_u2")),
        mistake("one_path_u0", "z = u0 feeds both u1 = -u0 and u2 = exp(u0): ∂a/∂u0 adds both paths.",
                partial(_tanh_walk, mistake="one_path_u0")),
    ],
    "tanh": [
        mistake("sigmoid", "tanh is (exp(Z) - exp(-Z)) / (exp(Z) + exp(-Z)) (eq. 11), not the sigmoid.",
                lambda Z: textbook_sigmoid(Z)),
    ],
    "tanh_backward": [
        mistake("unsquared", "tanh'(Z) = 1 - A², with A squared (eq. 12), not 1 - A.", lambda dA, A: dA * (1 - A)),
        mistake("tanh_again", "the argument is already A = tanh(Z): 1 - A**2, without applying tanh to A again "
                "(eq. 12).", lambda dA, A: dA * (1 - np.tanh(A) ** 2)),
        mistake("no_dA", "dZ = dA ⊙ (1 - A²): the upstream gradient dA is missing (eq. 12).",
                lambda dA, A: 1 - A ** 2),
        mistake("sign", "tanh'(Z) = 1 - A², not A² - 1 (eq. 12).", lambda dA, A: dA * (A ** 2 - 1)),
    ],
    "softmax": [
        mistake("axis1", "softmax normalizes each COLUMN (one example): sum over axis=0, not axis=1 (eq. 13).",
                partial(_softmax, axis=1)),
        mistake("unstable", "exp overflows for large Z: subtract each column's maximum first, "
                "Z - Z.max(axis=0, keepdims=True); the result is unchanged (eq. 13).", partial(_softmax, stable=False)),
        mistake("unnormalized", "divide exp(Z) by its column sums so that every column sums to 1 (eq. 13).",
                partial(_softmax, normalize=False)),
    ],
    "softmax_jacobian": [
        mistake("no_diag", "the Jacobian is diag(a) - a a^T: the diagonal term diag(a) is missing (eq. 15).",
                partial(_softmax_jacobian, variant="no_diag")),
        mistake("sign", "the Jacobian is diag(a) - a a^T, not a a^T - diag(a) (eq. 15).",
                partial(_softmax_jacobian, variant="sign")),
        mistake("diagonal_only", "softmax is not element-wise: ∂a_p/∂z_j = -a_p a_j for p ≠ j, so the Jacobian "
                "has off-diagonal entries (eq. 15).", partial(_softmax_jacobian, variant="diagonal_only")),
        mistake("outer_only", "the Jacobian is diag(a) - a a^T (eq. 15).",
                partial(_softmax_jacobian, variant="outer_only")),
        mistake("column_not_flattened", "np.diag of a 2-D column (n, 1) extracts its diagonal (one number) instead "
                "of building an n x n matrix: flatten a first, e.g. a = a.reshape(-1) (eq. 15).",
                lambda a: np.diag(np.asarray(a)) - np.asarray(a).reshape(-1, 1) @ np.asarray(a).reshape(1, -1)),
    ],
    "softmax_backward": [
        mistake("axis1", "the sum runs over the units of each example, the column: axis=0 (eq. 14).",
                partial(_softmax_backward, variant="axis1")),
        mistake("diagonal_only", "treated softmax as element-wise like sigmoid: each z_j also changes the other "
                "outputs, hence the term Σ_axis0 dA ⊙ A (eq. 14).",
                partial(_softmax_backward, variant="diagonal_only")),
        mistake("no_sum", "dZ = A ⊙ (dA - Σ_axis0 dA ⊙ A): the subtracted column sum is missing (eq. 14).",
                partial(_softmax_backward, variant="no_sum")),
        mistake("sum_without_A", "the subtracted term is Σ_axis0 (dA ⊙ A), weighted by A (eq. 14).",
                partial(_softmax_backward, variant="sum_without_A")),
    ],
    "numerical_gradient": [
        mistake("one_sided", "use centred differences, (f(X + eps) - f(X - eps)) / (2 eps): the one-sided "
                "difference has an error of order eps (eq. 25).", partial(_numerical_gradient, scheme="forward")),
        mistake("no_dOut", "contract with the upstream gradient: differentiate sum(f(X) * dOut), not sum(f(X)) "
                "(eq. 25).", partial(_numerical_gradient, contract=False)),
        mistake("half_step", "a centred difference spans 2 eps: divide by 2 * eps (eq. 25).",
                partial(_numerical_gradient, denominator="eps")),
    ],
}
