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


def _callable_registry():
    # Functions a case can pass as an argument (e.g. the f of numerical_gradient). None of them is a solution.
    return {
        "cube": lambda X: X ** 3,
        "sin_times_x": lambda X: np.sin(X) * X,
        "row_sums": lambda X: np.sum(X * X, axis=0, keepdims=True),
        "matrix_square": lambda X: X @ X,
        "sin_times_x_squared": lambda X: np.sin(X) * X ** 2,
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
