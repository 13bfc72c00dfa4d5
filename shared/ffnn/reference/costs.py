"""Cost functions, their backpropagation seeds and stable from-logits forms (eqs. 16-24; notebook 4).

Seed convention: the 1/m of the cost is in the seed ``dA[L] = ∂J/∂A[L]``, so the layers' backward steps add no
1/m of their own (notation page, eqs. 4-5). ``A`` and ``Y`` have shape ``(n[L], m)``.

``output_layer_dZ`` is the fused shortcut ``dZ[L] = (A[L] - Y) / m`` (eq. 22). It is the seed chained through
the output activation *only* for the matched pairs listed in ``COSTS`` (sigmoid + binary, softmax + categorical,
sigmoid + multi-label); with any other output activation it is simply wrong, and the general route (seed, then
the activation's backward) must be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..validation import InputError, check_labels, require_choice, validated

__all__ = ["binary_cross_entropy", "binary_cross_entropy_seed", "binary_cross_entropy_from_logits",
           "categorical_cross_entropy", "categorical_cross_entropy_seed", "categorical_cross_entropy_from_logits",
           "multilabel_cross_entropy", "multilabel_cross_entropy_seed", "multilabel_cross_entropy_from_logits",
           "output_layer_dZ", "mean_squared_error", "mean_squared_error_seed", "mean_squared_error_sigmoid_dZ",
           "Cost", "COSTS", "get_cost", "softplus", "log_softmax"]


def _require_single_output(func, arguments):
    A = arguments["A"] if "A" in arguments else arguments["Z"]
    if A.shape[0] != 1:
        raise InputError(f"{func}: binary cross-entropy needs one output unit, shape (1, m); got shape "
                         f"{A.shape}. For several independent labels use multilabel_cross_entropy; for one of "
                         f"several classes use categorical_cross_entropy.")


def softplus(Z):
    """``log(1 + exp(Z))`` without overflow (``np.logaddexp(0, Z)``)."""
    return np.logaddexp(0.0, Z)


def log_softmax(Z):
    """``log(softmax(Z))`` per column, as ``Z - logsumexp(Z)`` with the column maximum factored out."""
    shifted = Z - Z.max(axis=0, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))


# Element-wise cross-entropy: binary (n[L] = 1) and multi-label (n[L] independent sigmoids) ----------------------

def _elementwise_cross_entropy(A, Y):
    m = A.shape[1]
    # The sum skips the log of a term whose target weight is 0, so an A of exactly 0 or 1 costs inf only where
    # the target disagrees with it; where it does, the naive form really is infinite (notebook 4).
    with np.errstate(divide="ignore"):
        positive = np.where(Y > 0, Y * np.log(A), 0.0)
        negative = np.where(Y < 1, (1.0 - Y) * np.log(1.0 - A), 0.0)
    return float(-np.sum(positive + negative) / m)


def _elementwise_cross_entropy_seed(A, Y):
    m = A.shape[1]
    # At a saturated output the seed is honestly infinite (notebook 4 shows it); say so with inf, not a warning.
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((1.0 - Y) / (1.0 - A) - Y / A) / m


def _elementwise_cross_entropy_from_logits(Z, Y):
    m = Z.shape[1]
    return float(np.sum(softplus(Z) - Y * Z) / m)


@validated(finite=("A", "Y"), probabilities=("A",), check=_require_single_output, A=("n[L]", "m"), Y=("n[L]", "m"))
def binary_cross_entropy(A, Y):
    """Binary cross-entropy, eq. (16).

    A : ndarray, shape (1, m), sigmoid outputs in [0, 1].  Y : ndarray, shape (1, m), targets 0/1.
    Returns J : float. An A of exactly 0 or 1 against the opposite target gives inf: use the from-logits form.
    """
    check_labels("binary_cross_entropy", "Y", Y)
    return _elementwise_cross_entropy(A, Y)


@validated(finite=("A", "Y"), probabilities=("A",), check=_require_single_output, A=("n[L]", "m"), Y=("n[L]", "m"))
def binary_cross_entropy_seed(A, Y):
    """Seed of binary cross-entropy, eq. (17): ``dA[L] = (1/m) ((1 - Y)/(1 - A) - Y/A)`` (seed convention).

    A, Y : ndarray, shape (1, m).  Returns dA : ndarray, shape (1, m). Infinite where A is exactly 0 or 1.
    """
    return _elementwise_cross_entropy_seed(A, Y)


@validated(finite=("Z", "Y"), check=_require_single_output, Z=("n[L]", "m"), Y=("n[L]", "m"))
def binary_cross_entropy_from_logits(Z, Y):
    """Binary cross-entropy of ``A = sigmoid(Z)`` computed from the logits Z, eq. (23).

    Uses ``log sigmoid(z) = -softplus(-z)`` and ``log(1 - sigmoid(z)) = -softplus(z)``: finite for any finite Z.
    Z : ndarray, shape (1, m).  Y : ndarray, shape (1, m).  Returns J : float.
    """
    check_labels("binary_cross_entropy_from_logits", "Y", Y)
    return _elementwise_cross_entropy_from_logits(Z, Y)


@validated(finite=("A", "Y"), probabilities=("A",), A=("n[L]", "m"), Y=("n[L]", "m"))
def multilabel_cross_entropy(A, Y):
    """Multi-label cross-entropy, eq. (20): one binary cross-entropy per output unit, summed over units.

    A : ndarray, shape (n[L], m), independent sigmoid outputs.  Y : ndarray, shape (n[L], m), 0/1 per label.
    Returns J : float.
    """
    check_labels("multilabel_cross_entropy", "Y", Y)
    return _elementwise_cross_entropy(A, Y)


@validated(finite=("A", "Y"), probabilities=("A",), A=("n[L]", "m"), Y=("n[L]", "m"))
def multilabel_cross_entropy_seed(A, Y):
    """Seed of multi-label cross-entropy, eq. (21); the same expression as eq. (17), entry by entry.

    A, Y : ndarray, shape (n[L], m).  Returns dA : ndarray, shape (n[L], m).
    """
    return _elementwise_cross_entropy_seed(A, Y)


@validated(finite=("Z", "Y"), Z=("n[L]", "m"), Y=("n[L]", "m"))
def multilabel_cross_entropy_from_logits(Z, Y):
    """Multi-label cross-entropy of ``A = sigmoid(Z)`` from the logits, eq. (23).

    Z, Y : ndarray, shape (n[L], m).  Returns J : float.
    """
    check_labels("multilabel_cross_entropy_from_logits", "Y", Y)
    return _elementwise_cross_entropy_from_logits(Z, Y)


# Categorical cross-entropy (softmax output) --------------------------------------------------------------------

@validated(finite=("A", "Y"), probabilities=("A",), A=("n[L]", "m"), Y=("n[L]", "m"))
def categorical_cross_entropy(A, Y):
    """Categorical cross-entropy, eq. (18): ``J = -(1/m) Σ Y ⊙ log(A)``.

    A : ndarray, shape (n[L], m), softmax outputs (columns sum to 1).  Y : ndarray, shape (n[L], m), one-hot.
    Returns J : float.
    """
    check_labels("categorical_cross_entropy", "Y", Y, columns_sum_to_one=True)
    m = A.shape[1]
    with np.errstate(divide="ignore"):
        terms = np.where(Y > 0, Y * np.log(A), 0.0)
    return float(-np.sum(terms) / m)


@validated(finite=("A", "Y"), probabilities=("A",), A=("n[L]", "m"), Y=("n[L]", "m"))
def categorical_cross_entropy_seed(A, Y):
    """Seed of categorical cross-entropy, eq. (19): ``dA[L] = -(1/m) Y / A`` (seed convention).

    A, Y : ndarray, shape (n[L], m).  Returns dA : ndarray, shape (n[L], m).
    """
    m = A.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(Y / A) / m


@validated(finite=("Z", "Y"), Z=("n[L]", "m"), Y=("n[L]", "m"))
def categorical_cross_entropy_from_logits(Z, Y):
    """Categorical cross-entropy of ``A = softmax(Z)`` from the logits, eq. (24), via log-sum-exp.

    Z, Y : ndarray, shape (n[L], m).  Returns J : float.
    """
    check_labels("categorical_cross_entropy_from_logits", "Y", Y, columns_sum_to_one=True)
    m = Z.shape[1]
    return float(-np.sum(Y * log_softmax(Z)) / m)


# The fused output-layer gradient -------------------------------------------------------------------------------

@validated(finite=("A", "Y"), A=("n[L]", "m"), Y=("n[L]", "m"))
def output_layer_dZ(A, Y):
    """The fused output-layer gradient, eq. (22): ``dZ[L] = (A[L] - Y) / m``.

    Valid ONLY when the output activation matches the cost: sigmoid + binary, softmax + categorical,
    sigmoid + multi-label. It stays finite when A saturates at 0 or 1, where the seed (17)/(19)/(21) is infinite.
    A, Y : ndarray, shape (n[L], m).  Returns dZ : ndarray, shape (n[L], m).
    """
    m = A.shape[1]
    return (A - Y) / m


# A pair the notes do not work out: mean squared error with sigmoid outputs (notebook 4, derive and verify) -----

@validated(finite=("A", "Y"), A=("n[L]", "m"), Y=("n[L]", "m"))
def mean_squared_error(A, Y):
    """Mean squared error, eq. (30): ``J = (1/(2m)) Σ_j Σ_i (a_ji - y_ji)²``. A, Y : (n[L], m). Returns a float."""
    m = A.shape[1]
    return float(np.sum((A - Y) ** 2) / (2 * m))


@validated(finite=("A", "Y"), A=("n[L]", "m"), Y=("n[L]", "m"))
def mean_squared_error_seed(A, Y):
    """The seed of (30), seed convention: ``dA[L] = ∂J/∂A[L] = (A - Y) / m``, entry by entry (eq. 31)."""
    m = A.shape[1]
    return (A - Y) / m


@validated(finite=("A", "Y"), probabilities=("A",), A=("n[L]", "m"), Y=("n[L]", "m"))
def mean_squared_error_sigmoid_dZ(A, Y):
    """``dZ[L]`` of (30) with sigmoid outputs A = sigmoid(Z): the seed (31) chained through (10),
    ``(A - Y) ⊙ A ⊙ (1 - A) / m`` (eq. 32). Not the fused (22): this pair is not a matched one."""
    m = A.shape[1]
    return (A - Y) * A * (1.0 - A) / m


# The table -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cost:
    """One cost: its value from A, its seed dJ/dA[L], its from-logits value, and the output activation that
    makes the fused ``output_layer_dZ`` valid."""

    name: str
    value: Callable
    seed: Callable
    from_logits: Callable
    output_activation: str


COSTS: dict[str, Cost] = {
    "binary": Cost("binary", binary_cross_entropy, binary_cross_entropy_seed, binary_cross_entropy_from_logits,
                   "sigmoid"),
    "categorical": Cost("categorical", categorical_cross_entropy, categorical_cross_entropy_seed,
                        categorical_cross_entropy_from_logits, "softmax"),
    "multilabel": Cost("multilabel", multilabel_cross_entropy, multilabel_cross_entropy_seed,
                       multilabel_cross_entropy_from_logits, "sigmoid"),
}


def get_cost(name: str) -> Cost:
    """Look up a cost by name, with a clear error for an unknown one."""
    require_choice("get_cost", "cost", name, tuple(COSTS))
    return COSTS[name]
