"""Notebook 4's catalogue of mistakes, ``COSTS_MISTAKES``: costs, their seeds, the fused output-layer step and the
costs from logits. The table is ``costs.toml``: each row names a mistake, says what a student reads, and which
function of this module makes it, with which options.
"""

from __future__ import annotations

import numpy as np

from .common import read_table, textbook_sigmoid


def _bce(A, Y, *, mean=True, sign=-1.0, negative_term=True, divide_by="m", log="ln"):
    log = {"ln": np.log, "log10": np.log10}[log]
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


def _mean_squared_error_seed_no_1_over_m(A, Y):
    return A - Y


def _mean_squared_error_seed_no_half(A, Y):
    return 2 * (A - Y) / A.shape[1]


def _mean_squared_error_seed_sign(A, Y):
    return (Y - A) / A.shape[1]


def _mean_squared_error_sigmoid_dZ_fused_shortcut(A, Y):
    return (A - Y) / A.shape[1]


def _mean_squared_error_sigmoid_dZ_no_1_over_m(A, Y):
    return (A - Y) * A * (1 - A)


def _mean_squared_error_sigmoid_dZ_sigmoid_again(A, Y):
    return (A - Y) * textbook_sigmoid(A) * (1 - textbook_sigmoid(A)) / A.shape[1]


def _mean_squared_error_sigmoid_dZ_no_seed(A, Y):
    return A * (1 - A) / A.shape[1]


COSTS_MISTAKES = read_table("costs.toml", globals())
# the multi-label cost from logits is the binary one summed over the labels: its mistakes, and one of its own
COSTS_MISTAKES["multilabel_cross_entropy_from_logits"][:0] = COSTS_MISTAKES["binary_cross_entropy_from_logits"]
