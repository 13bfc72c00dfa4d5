"""Finite-difference gradient checking (eqs. 25-26; notebook 3 has students write ``numerical_gradient``).

The checker contracts the function's output with an upstream gradient ``dOut``, so one routine checks any
backward step: a backward maps ``dOut`` to ``dX``, and the numerical gradient of ``sum(f(X) ⊙ dOut)`` with respect
to X is exactly that ``dX``.
"""

from __future__ import annotations

import numpy as np

from ..gradient_check import relative_error  # noqa: F401  (re-exported: one definition, student-facing)
from ..validation import InputError, ShapeError, check_array

__all__ = ["numerical_gradient", "relative_error", "parameter_gradients"]


def numerical_gradient(f, X, dOut, eps=1e-6):
    """Centred differences of ``sum(f(X) ⊙ dOut)`` with respect to every entry of X, eq. (25).

    f : callable taking an array shaped like X (not modified) and returning an array shaped like dOut, or a
    scalar when dOut is a scalar.  X : ndarray, any shape.  dOut : ndarray or float.  eps : step size.
    Returns G : ndarray, shape of X. Cost: two calls of f per entry of X, so keep X small.
    """
    if not callable(f):
        raise InputError(f"numerical_gradient: 'f' must be a function of X, got {type(f).__name__}.")
    X = check_array("numerical_gradient", "X", X, ndim=None).astype(float)
    dOut = check_array("numerical_gradient", "dOut", dOut, ndim=None)
    if not eps > 0:
        raise InputError(f"numerical_gradient: 'eps' must be positive, got {eps!r}.")
    out = np.asarray(f(X.copy()))
    if dOut.ndim and out.shape != dOut.shape:
        raise ShapeError(f"numerical_gradient: argument 'dOut' has shape {dOut.shape} but f(X) has shape "
                         f"{out.shape}; dOut needs the shape of f's output (or pass 1.0 for a scalar f).")
    G = np.zeros_like(X)
    probe = X.copy()
    for index in np.ndindex(X.shape):
        original = probe[index]
        probe[index] = original + eps
        plus = np.sum(f(probe.copy()) * dOut)
        probe[index] = original - eps
        minus = np.sum(f(probe.copy()) * dOut)
        probe[index] = original
        G[index] = (plus - minus) / (2.0 * eps)
    return G


def parameter_gradients(cost_of, parameters, eps=1e-6):
    """Numerical gradients of a scalar ``cost_of(parameters)`` for every entry of ``parameters``.

    Returns a dict ``{"dW1": ..., "db1": ..., ...}`` shaped like the analytic ``grads``.
    """
    numerical = {}
    for key, value in parameters.items():
        def cost_of_one(array, key=key):
            return cost_of({**parameters, key: array})
        numerical[f"d{key}"] = numerical_gradient(cost_of_one, value, 1.0, eps)
    return numerical
