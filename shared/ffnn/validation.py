"""Input checks with messages that name the argument, the shape it got and the shape it needs.

Every public function of the package declares the shapes of its array arguments with symbolic dimensions, for
example ``A_prev=("n[l-1]", "m"), W=("n[l]", "n[l-1]"), b=("n[l]", 1)``. The first argument that fixes a
dimension sets it; every later argument must agree. A call from inside another checked function is not checked
again, so a training loop pays for its checks once, at the outermost call.
"""

from __future__ import annotations

import functools
import inspect
import numbers

import numpy as np

__all__ = ["InputError", "ShapeError", "shape_text", "validated", "check_array", "check_shapes", "check_probabilities",
           "check_labels", "check_int", "require_choice"]


class InputError(ValueError):
    """Bad input to a course function; the message says what is wrong and how to fix it."""


class ShapeError(InputError):
    """An array argument has the wrong number of dimensions or a size that disagrees with another argument."""


def shape_text(shape) -> str:
    """A shape as Python writes a tuple, ``(3, 4)`` or ``(5,)``: in every message of the course about shapes."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _first_bad_index(mask: np.ndarray) -> tuple:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def check_array(func: str, name: str, value, *, ndim: int | None = 2, finite: bool = True) -> np.ndarray:
    """Return ``value`` as a float or integer ndarray, or raise InputError naming ``func`` and ``name``."""
    if isinstance(value, np.ndarray):
        array = value
    elif isinstance(value, (list, tuple, numbers.Number)):
        array = np.asarray(value)
    else:
        raise InputError(f"{func}: argument '{name}' must be a NumPy array, got {type(value).__name__}. "
                         f"Pass np.asarray(...) of numbers.")
    if array.dtype.kind not in "biufc":  # bool, int, unsigned, float, complex
        raise InputError(f"{func}: argument '{name}' must hold numbers, got dtype {array.dtype}.")
    if ndim is not None and array.ndim != ndim:
        hint = ""
        if ndim == 2 and array.ndim == 1:
            hint = (f" A 1-D array is ambiguous: {name}.reshape(-1, 1) makes it a column, "
                    f"{name}.reshape(1, -1) a row.")
        raise ShapeError(f"{func}: argument '{name}' must be a {ndim}-D array, got shape "
                         f"{shape_text(array.shape)} ({array.ndim}-D).{hint}")
    if finite and array.dtype.kind in "fc" and not np.isfinite(array).all():
        bad = ~np.isfinite(array)
        index = _first_bad_index(bad)
        kind = "NaN" if np.isnan(array[index]) else "inf"
        raise InputError(f"{func}: argument '{name}' contains {kind} (first at index {index}, "
                         f"{int(bad.sum())} non-finite value(s) in all). Check the data and the previous step; "
                         f"a learning rate that is too large makes values overflow.")
    return array


def check_shapes(func: str, arrays: dict, spec: dict, dims: dict | None = None) -> dict:
    """Check ``arrays[name]`` against ``spec[name]`` (a tuple of ints or dimension names).

    Returns the dimension values that were bound, e.g. ``{"n[l]": 3, "m": 5}``. Dimensions bound in ``dims``
    beforehand are taken as given.
    """
    bound: dict = dict(dims or {})
    source: dict = {}
    for name, wanted in spec.items():
        array = arrays[name]
        if array.ndim != len(wanted):
            raise ShapeError(f"{func}: argument '{name}' has shape {shape_text(array.shape)} but needs "
                             f"{len(wanted)} dimensions {shape_text(wanted)}.")
        before = dict(bound)
        for axis, (size, dim) in enumerate(zip(array.shape, wanted)):
            if isinstance(dim, int):
                ok, needed, why = size == dim, dim, ""
            elif dim in bound:
                ok, needed = size == bound[dim], bound[dim]
                why = f", because {source[dim]} sets {dim} = {bound[dim]}" if dim in source else ""
            else:
                bound[dim], source[dim] = size, f"'{name}'"
                continue
            if not ok:
                needed_shape = tuple(
                    d if isinstance(d, int) else (bound.get(d, d) if j != axis else needed)
                    for j, d in enumerate(wanted))
                hint = ""
                if array.ndim == 2 and _fits(array.shape[::-1], wanted, before):
                    hint = f" It looks transposed: try {name}.T."
                raise ShapeError(
                    f"{func}: argument '{name}' has shape {shape_text(array.shape)} but needs "
                    f"{shape_text(wanted)} = {shape_text(needed_shape)}{why}.{hint}")
    return bound


def _fits(shape, wanted, bound) -> bool:
    """Whether ``shape`` agrees with ``wanted`` given the dimensions bound so far."""
    return all(size == (dim if isinstance(dim, int) else bound.get(dim, size)) for size, dim in zip(shape, wanted))


def check_probabilities(func: str, name: str, array: np.ndarray) -> None:
    """Raise InputError unless every entry lies in [0, 1] (probabilities, not logits)."""
    if array.size and (array.min() < 0 or array.max() > 1):
        index = _first_bad_index((array < 0) | (array > 1))
        raise InputError(f"{func}: argument '{name}' must hold probabilities in [0, 1], but {name}{list(index)} "
                         f"= {array[index]:.4g}. If these are logits Z, use the ..._from_logits form.")


def check_labels(func: str, name: str, array: np.ndarray, *, columns_sum_to_one: bool = False) -> None:
    """Targets must lie in [0, 1]; for a softmax output each column must sum to 1 (one-hot)."""
    check_probabilities(func, name, array)
    if columns_sum_to_one and array.size:
        sums = array.sum(axis=0)
        if not np.allclose(sums, 1.0):
            column = int(np.argmax(np.abs(sums - 1.0)))
            raise InputError(f"{func}: every column of '{name}' must sum to 1 (one-hot targets), but column "
                             f"{column} sums to {sums[column]:.4g}. Build one-hot targets with "
                             f"ffnn.metrics.one_hot(labels, n_classes).")


def check_int(func: str, name: str, value, minimum: int = 1) -> None:
    """Raise InputError unless ``value`` is an int (not a bool) of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        wanted = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise InputError(f"{func}: '{name}' must be {wanted}, got {value!r}.")


def require_choice(func: str, name: str, value, choices) -> None:
    """Raise InputError unless ``value`` is one of ``choices``."""
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{func}: unknown {name} {value!r}; choose one of {listed}.")


# A call made while another checked call is running skips its checks: the outer call already checked the data.
_depth = 0


def validated(finite: tuple = (), probabilities: tuple = (), check=None, **spec):
    """Decorator: check the named array arguments' shapes (``spec``) and, for ``finite``, NaN/inf.

    ``spec`` maps an argument name to a tuple of dimension names or ints. Arguments named in ``finite`` must
    not contain NaN or inf; arguments in ``probabilities`` must lie in [0, 1]. ``check``, if given, is called
    with the function's name and its bound arguments (a dict) for checks that shapes alone cannot express.
    The wrapped function is available as ``fn.unchecked``.
    """
    def decorate(fn):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            global _depth
            if _depth:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            arrays = {}
            for name in spec:
                if name in bound.arguments:
                    arrays[name] = check_array(fn.__name__, name, bound.arguments[name],
                                               ndim=len(spec[name]), finite=name in finite)
                    bound.arguments[name] = arrays[name]
            check_shapes(fn.__name__, arrays, {k: v for k, v in spec.items() if k in arrays})
            for name in probabilities:
                check_probabilities(fn.__name__, name, arrays[name])
            if check is not None:
                check(fn.__name__, bound.arguments)
            _depth += 1
            try:
                return fn(*bound.args, **bound.kwargs)
            finally:
                _depth -= 1

        wrapper.unchecked = fn
        return wrapper

    return decorate
