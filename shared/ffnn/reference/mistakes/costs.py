"""Notebook 4's catalogue of mistakes, ``COSTS_MISTAKES``: costs, their seeds, the fused output-layer step and the
costs from logits. Each table row names a mistake, says what a student reads, and makes it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .common import mistake, textbook_sigmoid


def _bce(A, Y, *, mean=True, sign=-1.0, negative_term=True, divide_by="m", log=np.log):
    terms = Y * log(A) + ((1 - Y) * log(1 - A) if negative_term else 0)
    count = {"m": Y.shape[1], "size": Y.size, "1": 1}[divide_by if mean else "1"]
    return float(sign * np.sum(terms) / count)


def _bce_seed(A, Y, *, scale="1/m", sign=1.0, negative_term=True):
    m = A.shape[1]
    seed = ((1 - Y) / (1 - A) if negative_term else 0) - Y / A
    return sign * seed * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _cce(A, Y, *, mean=True, sign=-1.0, divide_by="m"):
    count = {"m": Y.shape[1], "size": Y.size}[divide_by] if mean else 1
    return float(sign * np.sum(Y * np.log(A)) / count)


def _cce_seed(A, Y, *, scale="1/m", sign=-1.0):
    m = A.shape[1]
    return sign * (Y / A) * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _fused(A, Y, *, scale="1/m", sign=1.0):
    m = A.shape[1]
    return sign * (A - Y) * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _bce_logits(Z, Y, *, variant):
    m = Z.shape[1]
    if variant == "log_one_plus_exp":
        return float(np.sum(np.log(1 + np.exp(Z)) - Y * Z) / m)
    if variant == "mean_over_all":
        return float(np.mean(np.logaddexp(0, Z) - Y * Z))
    if variant == "naive":
        A = textbook_sigmoid(Z)
        return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    if variant == "sign":
        return float(-np.sum(np.logaddexp(0, Z) - Y * Z) / m)
    return float(np.sum(np.logaddexp(0, Z) - Y * Z))


def _cce_logits(Z, Y, *, variant):
    m = Z.shape[1]
    if variant == "unstable":
        log_a = Z - np.log(np.sum(np.exp(Z), axis=0, keepdims=True))
    else:
        log_a = Z - Z.max(axis=0, keepdims=True)  # the log of the denominator is missing
        log_a = log_a if variant == "no_logsumexp" else log_a - np.log(np.sum(np.exp(log_a), axis=0, keepdims=True))
    return float(-np.sum(Y * log_a) / (m if variant != "no_mean" else 1))


COSTS_MISTAKES = {
    "mean_squared_error_seed": [
        mistake("no_1_over_m", "J averages over the m examples: the seed carries 1/m (seed convention).",
                lambda A, Y: A - Y),
        mistake("no_half", "d/da of ½ (a - y)² is (a - y): the ½ of (30) cancels the 2 of the square.",
                lambda A, Y: 2 * (A - Y) / A.shape[1]),
        mistake("sign", "d/da of ½ (a - y)² is a - y, not y - a.", lambda A, Y: (Y - A) / A.shape[1]),
    ],
    "mean_squared_error_sigmoid_dZ": [
        mistake("fused_shortcut", "(A - Y)/m is (22), which holds only for the matched pairs; the squared error with "
                "a sigmoid is not one: chain the seed through the sigmoid's backward step (10).",
                lambda A, Y: (A - Y) / A.shape[1]),
        mistake("no_1_over_m", "the 1/m of the seed is missing.", lambda A, Y: (A - Y) * A * (1 - A)),
        mistake("sigmoid_again", "A is already sigmoid(Z): the derivative is A (1 - A), without applying the sigmoid "
                "again.", lambda A, Y: (A - Y) * textbook_sigmoid(A) * (1 - textbook_sigmoid(A)) / A.shape[1]),
        mistake("no_seed", "dZ = dA ⊙ sigmoid'(Z): the seed (A - Y)/m is a factor, not just the derivative.",
                lambda A, Y: A * (1 - A) / A.shape[1]),
    ],
    "binary_cross_entropy": [
        mistake("no_mean", "divide the sum by m: the cost is an average over the examples (eq. 16).",
                partial(_bce, mean=False)),
        mistake("sign", "J = -(1/m) Σ [...]: the minus sign makes the cost positive (eq. 16).",
                partial(_bce, sign=1.0)),
        mistake("missing_term", "the (1 - Y) log(1 - A) term is missing (eq. 16).",
                partial(_bce, negative_term=False)),
        mistake("log10", "use the natural logarithm np.log, not np.log10 (eq. 16).", partial(_bce, log=np.log10)),
    ],
    "binary_cross_entropy_seed": [
        mistake("forgot_1_over_m", "in this notebook the seed carries the 1/m of the cost: dA = (1/m)((1-Y)/(1-A) "
                "- Y/A) (eq. 17).", partial(_bce_seed, scale="1")),
        mistake("sign", "dJ/dA = (1/m)((1-Y)/(1-A) - Y/A): the sign is flipped (eq. 17).",
                partial(_bce_seed, sign=-1.0)),
        mistake("missing_term", "the (1-Y)/(1-A) term is missing (eq. 17).", partial(_bce_seed, negative_term=False)),
    ],
    "categorical_cross_entropy": [
        mistake("no_mean", "divide by m (eq. 18).", partial(_cce, mean=False)),
        mistake("sign", "J = -(1/m) Σ Y ⊙ log(A) is positive (eq. 18).", partial(_cce, sign=1.0)),
        mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (18) sums over the classes and "
                "divides by m only.", partial(_cce, divide_by="size")),
    ],
    "categorical_cross_entropy_seed": [
        mistake("forgot_1_over_m", "the seed carries the 1/m: dA = -(1/m) Y / A (eq. 19).",
                partial(_cce_seed, scale="1")),
        mistake("sign", "dA = -(1/m) Y / A has a minus sign (eq. 19).", partial(_cce_seed, sign=1.0)),
    ],
    "multilabel_cross_entropy": [
        mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (20) sums over the labels and "
                "divides by m only.", partial(_bce, divide_by="size")),
        mistake("sign", "J = -(1/m) Σ [...] is positive (eq. 20).", partial(_bce, sign=1.0)),
        mistake("missing_term", "the (1 - Y) log(1 - A) term is missing (eq. 20).",
                partial(_bce, negative_term=False)),
    ],
    "multilabel_cross_entropy_seed": [
        mistake("forgot_1_over_m", "the seed carries the 1/m (eq. 21).", partial(_bce_seed, scale="1")),
        mistake("sign", "dA = (1/m)((1-Y)/(1-A) - Y/A): the sign is flipped (eq. 21).", partial(_bce_seed, sign=-1.0)),
        mistake("missing_term", "the (1-Y)/(1-A) term is missing (eq. 21).", partial(_bce_seed, negative_term=False)),
    ],
    "output_layer_dZ": [
        mistake("forgot_1_over_m", "dZ[L] = (A - Y) / m: the 1/m is missing (eq. 22).", partial(_fused, scale="1")),
        mistake("sign", "dZ[L] = (A - Y)/m, not (Y - A)/m (eq. 22).", partial(_fused, sign=-1.0)),
    ],
    "binary_cross_entropy_from_logits": [
        mistake("naive", "computing sigmoid(Z) and then log(A) gives log(0) = -inf once Z is large: use "
                "softplus(Z) - Y ⊙ Z with np.logaddexp(0, Z) (eq. 23).", partial(_bce_logits, variant="naive")),
        mistake("sign", "J = (1/m) Σ [softplus(Z) - Y ⊙ Z] (eq. 23): the sign is flipped.",
                partial(_bce_logits, variant="sign")),
        mistake("no_mean", "divide by m (eq. 23).", partial(_bce_logits, variant="no_mean")),
    ],
    "categorical_cross_entropy_from_logits": [
        mistake("unstable", "np.exp(Z) overflows for large Z: subtract each column's maximum before the "
                "log-sum-exp (eq. 24).", partial(_cce_logits, variant="unstable")),
        mistake("no_logsumexp", "log softmax(Z) = Z - logsumexp(Z): the log of the column sum is missing (eq. 24).",
                partial(_cce_logits, variant="no_logsumexp")),
        mistake("no_mean", "divide by m (eq. 24).", partial(_cce_logits, variant="no_mean")),
    ],
}
COSTS_MISTAKES["binary_cross_entropy_from_logits"].append(
    mistake("log_one_plus_exp", "np.log(1 + np.exp(Z)) overflows to inf once Z is large (about 710): write "
            "softplus(Z) as np.logaddexp(0, Z), which never overflows (eq. 23).",
            partial(_bce_logits, variant="log_one_plus_exp")))
COSTS_MISTAKES["multilabel_cross_entropy_from_logits"] = COSTS_MISTAKES["binary_cross_entropy_from_logits"] + [
    mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (23) sums over the labels and "
            "divides by m only.", partial(_bce_logits, variant="mean_over_all"))]
