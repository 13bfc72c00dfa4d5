"""Values of the checker's cases as JSON and back: arrays, tuples, dicts, numbers, strings and the registered
test functions, exactly (Python writes floats with their shortest round-trip repr).

    encode(value)                   # -> JSON-able
    decode(value, untrusted=False)  # -> the value; untrusted (what a student's kernel wrote): numbers only, bounded

Used by the fixtures (``python -m ffnn.reference.fixtures``), the hidden tests' cases and records, and the checker.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["TEST_FUNCTIONS", "encode", "decode"]


def _sin_square_and_total(parameters):
    """A scalar cost of a whole parameters dict that couples every entry (notebook 5's gradient_check):
    J = Σ sin(p) p² + ½ (Σ p)², both sums over every entry of every array."""
    values = list(parameters.values())
    total = sum(np.sum(p) for p in values)
    return float(sum(np.sum(np.sin(p) * p ** 2) for p in values) + 0.5 * total ** 2)


def _centroid(parameters, X, Y):
    """(cost, grads) of a model that is not a network: W1 (n, 1) is pulled to the mean column of X and b1 (k, 1)
    to the mean column of Y, J = (1/2m) Σ_i (||W1 − x_i||² + ||b1 − y_i||²) (notebook 5's minibatch_epoch)."""
    m = X.shape[1]
    cost = (np.sum((parameters["W1"] - X) ** 2) + np.sum((parameters["b1"] - Y) ** 2)) / (2 * m)
    grads = {"dW1": parameters["W1"] - np.mean(X, axis=1, keepdims=True),
             "db1": parameters["b1"] - np.mean(Y, axis=1, keepdims=True)}
    return float(cost), grads


def _callable_registry():
    # Functions a case can pass as an argument (e.g. the f of numerical_gradient). None of them is a solution.
    return {
        "cube": lambda X: X ** 3,
        "sin_times_x": lambda X: np.sin(X) * X,
        "row_sums": lambda X: np.sum(X * X, axis=0, keepdims=True),
        "matrix_square": lambda X: X @ X,
        "sin_times_x_squared": lambda X: np.sin(X) * X ** 2,
        "sin_square_and_total": _sin_square_and_total,
        "centroid": _centroid,
    }


TEST_FUNCTIONS = _callable_registry()


def encode(value):
    """A JSON-able form of arrays, tuples, dicts, numbers, strings and registered test functions."""
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"__dict__": [[k, encode(v)] for k, v in value.items()]}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (numbers.Integral,)):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    for name, function in TEST_FUNCTIONS.items():
        if value is function:
            return {"__callable__": name}
    raise TypeError(f"cannot encode {type(value).__name__} in a fixture")


def decode(value, untrusted=False):
    """Inverse of ``encode``. ``untrusted`` (data a student's kernel wrote): numbers only, and bounded."""
    if isinstance(value, list):
        return [decode(v, untrusted) for v in value]
    if isinstance(value, dict):
        if "__ndarray__" in value:
            if untrusted and (np.dtype(value["dtype"]).kind not in "biuf"
                              or int(np.prod(value["shape"], dtype=np.int64)) > 10_000_000):
                raise ValueError("recorded array of a disallowed dtype or size")
            return np.array(value["__ndarray__"], dtype=value["dtype"]).reshape(value["shape"])
        if "__tuple__" in value:
            return tuple(decode(v, untrusted) for v in value["__tuple__"])
        if "__dict__" in value:
            return {str(k): decode(v, untrusted) for k, v in value["__dict__"]}
        if "__callable__" in value and not untrusted:
            return TEST_FUNCTIONS[value["__callable__"]]
        raise ValueError(f"unknown fixture encoding {sorted(value)[:5]}")
    return value
