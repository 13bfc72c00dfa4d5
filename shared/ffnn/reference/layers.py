"""One layer's forward and backward steps, with caches (eqs. 1-6).

Seed convention: the 1/m lives in the seed ``dA[L]`` (costs.py), so ``linear_backward`` has no 1/m.
A layer's cache is ``(linear_cache, activation_cache)`` with ``linear_cache = (A_prev, W, b)`` and
``activation_cache = (Z, A)``: everything the backward step needs, computed once by the forward step.
"""

from __future__ import annotations

import numpy as np

from ..validation import validated
from .activations import get_activation
from .input_checks import linear_backward_arguments

__all__ = ["linear_forward", "linear_backward", "linear_activation_forward", "linear_activation_backward"]


@validated(finite=("A_prev", "W", "b"), A_prev=("n[l-1]", "m"), W=("n[l]", "n[l-1]"), b=("n[l]", 1))
def linear_forward(A_prev, W, b):
    """Eq. (1): ``Z = W A_prev + b``, with b broadcast over the m columns.

    A_prev : ndarray, shape (n[l-1], m).  W : ndarray, shape (n[l], n[l-1]).  b : ndarray, shape (n[l], 1).
    Returns Z : ndarray, shape (n[l], m), and linear_cache = (A_prev, W, b).
    """
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)


@validated(finite=("dZ",), check=linear_backward_arguments, dZ=("n[l]", "m"))
def linear_backward(dZ, cache, need_dA_prev=True):
    """Eqs. (4)-(6) in the seed convention: ``dW = dZ A_prev^T``, ``db = Σ_axis1 dZ``, ``dA_prev = W^T dZ``.

    dZ : ndarray, shape (n[l], m), already carrying the 1/m of the seed.
    cache : (A_prev, W, b) from ``linear_forward``.
    need_dA_prev : False skips ``dA_prev`` (returns None), e.g. for layer 1, whose input X needs no gradient.
    Returns dA_prev : (n[l-1], m) or None,  dW : (n[l], n[l-1]),  db : (n[l], 1).
    """
    A_prev, W, _ = cache
    dW = dZ @ A_prev.T
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ if need_dA_prev else None
    return dA_prev, dW, db


def linear_activation_forward(A_prev, W, b, activation):
    """Eqs. (1)-(2) for one layer: ``Z = W A_prev + b``, ``A = g(Z)`` with g named by ``activation``.

    A_prev : (n[l-1], m).  W : (n[l], n[l-1]).  b : (n[l], 1).  activation : 'relu', 'sigmoid', 'tanh', 'softmax'.
    Returns A : (n[l], m) and cache = ((A_prev, W, b), (Z, A)).
    """
    g = get_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A = g.forward(Z)
    return A, (linear_cache, (Z, A))


def linear_activation_backward(dA, cache, activation, need_dA_prev=True):
    """Eq. (3) (or (14) for softmax) then eqs. (4)-(6): one layer backward, seed convention.

    dA : ndarray, shape (n[l], m).  cache : ((A_prev, W, b), (Z, A)) from ``linear_activation_forward``.
    Returns dA_prev : (n[l-1], m) or None,  dW : (n[l], n[l-1]),  db : (n[l], 1).
    """
    g = get_activation(activation)
    linear_cache, (Z, A) = cache
    dZ = g.backward(dA, Z, A)
    return linear_backward(dZ, linear_cache, need_dA_prev)
