"""One output against the expected one: what differs, where, and a hint at why.

``compare(got, expected)`` reports the first difference between a student's output and the expected one (type,
shape, dtype, NaN/inf, the largest absolute and relative error, the first mismatching index) with generic hints (a
transposed array, a lost ``keepdims``, a flipped sign, an extra or missing factor m). ``AnswerError`` is how every
check of the course says that an answer is wrong.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np

from .validation import shape_text

__all__ = ["AnswerError", "Report", "RTOL", "ATOL", "compare", "assert_close", "leaf", "named_outputs"]

RTOL, ATOL = 1e-6, 1e-9


class AnswerError(AssertionError):
    """A student's answer differs from the expected one; the message says how.

    IPython (the lab, and the kernel behind nbgrader's Validate) shows what ``_render_traceback_`` returns instead
    of a traceback: the message is about the student's code, and the checker's own frames would bury it."""

    def _render_traceback_(self):
        return f"{type(self).__name__}: {self}".splitlines()


@dataclass
class Report:
    """The result of ``compare``: ``ok`` and, when not ok, where (``path``) and what (``lines``) differs."""

    ok: bool
    path: str = ""
    lines: list = field(default_factory=list)
    got: object = None
    parts: tuple = ()

    def __bool__(self):
        return self.ok

    def text(self):
        return "\n".join(self.lines)


def _fmt(x):
    if isinstance(x, (float, np.floating)):
        return f"{x:.6g}"
    if isinstance(x, (np.integer, np.bool_)):
        return repr(x.item())
    return repr(x)


def _is_scalar_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, bool) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _array_report(path, got, expected, m, rtol, atol):
    """Compare two arrays (or scalars); return the lines describing a mismatch, or [] when they agree."""
    label = path or "the output"
    expected_is_scalar = not isinstance(expected, np.ndarray)
    if expected_is_scalar:
        if isinstance(got, np.ndarray) and got.ndim > 0:
            if got.size == 1 and np.isclose(got.reshape(()), expected, rtol=rtol, atol=atol):
                return [f"{label}: expected a Python number, got an array of shape {shape_text(got.shape)}. "
                        f"The value is right: return float(...) of it (or use np.squeeze)."]
            return [f"{label}: expected a single number ({_fmt(expected)}), got an array of shape "
                    f"{shape_text(got.shape)}."]
        if not _is_scalar_number(got):
            return [f"{label}: expected a number ({_fmt(expected)}), got {type(got).__name__}: {got!r:.80}."]
        got_value = float(np.asarray(got))
        if isinstance(expected, numbers.Integral) and not isinstance(expected, bool):
            if got_value != expected:
                return [f"{label}: expected {expected}, got {_fmt(got)}."]
            return []
        if not np.isfinite(got_value) and np.isfinite(expected):
            return [f"{label}: expected {_fmt(expected)}, got {_fmt(got_value)}: something overflowed or took the "
                    f"log of 0."]
        if not np.isclose(got_value, expected, rtol=rtol, atol=atol, equal_nan=True):
            lines = [f"{label}: expected {_fmt(expected)}, got {_fmt(got_value)} "
                     f"(difference {_fmt(got_value - expected)})."]
            lines += _factor_hints(np.array([got_value]), np.array([expected]), m)
            return lines
        return []

    if not isinstance(got, np.ndarray):
        if isinstance(got, (list, tuple)):
            return [f"{label}: expected a NumPy array of shape {shape_text(expected.shape)}, got a "
                    f"{type(got).__name__}. Return an ndarray (np.array(...) or the result of NumPy operations)."]
        if _is_scalar_number(got) and expected.size == 1:
            return [f"{label}: expected an array of shape {shape_text(expected.shape)}, got the plain number "
                    f"{_fmt(got)}. Keep the array shape (e.g. keepdims=True, or reshape)."]
        return [f"{label}: expected a NumPy array of shape {shape_text(expected.shape)}, got "
                f"{type(got).__name__}."]
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        return [f"{label}: expected numbers, got an array of dtype {got.dtype}."]
    if got.shape != expected.shape:
        lines = [f"{label}: expected shape {shape_text(expected.shape)}, got {shape_text(got.shape)}."]
        lines += _shape_hints(got, expected, m)
        return lines
    if np.issubdtype(expected.dtype, np.floating) or np.issubdtype(got.dtype, np.floating):
        got_nonfinite = ~np.isfinite(got.astype(float))
        expected_nonfinite = ~np.isfinite(expected.astype(float))
        if (got_nonfinite & ~expected_nonfinite).any():
            index = tuple(int(i) for i in np.argwhere(got_nonfinite & ~expected_nonfinite)[0])
            kind = "NaN" if np.isnan(got[index]) else "inf"
            return [f"{label}: contains {kind} at index {index} (expected {_fmt(expected[index])}); "
                    f"{int(got_nonfinite.sum())} non-finite entries in all. Something overflowed, divided by 0 or "
                    f"took the log of 0: look for a numerically stable form."]
    close = np.isclose(got.astype(float), expected.astype(float), rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return []
    diff = np.abs(got.astype(float) - expected.astype(float))
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(expected != 0, diff / np.abs(expected.astype(float)), np.where(diff > 0, np.inf, 0))
    index = tuple(int(i) for i in np.argwhere(~close)[0])
    lines = [f"{label}: {int((~close).sum())} of {got.size} entries differ (shape {shape_text(got.shape)}, "
             f"dtype {got.dtype}).",
             f"  first mismatch at index {index}: got {_fmt(got[index])}, expected {_fmt(expected[index])}",
             f"  max absolute error {_fmt(float(np.nanmax(diff)))}, max relative error "
             f"{_fmt(float(np.nanmax(relative)))}"]
    lines += _value_hints(got.astype(float), expected.astype(float), m)
    return lines


def _shape_hints(got, expected, m):
    hints = []
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        if np.allclose(got.T, expected, rtol=RTOL, atol=ATOL):
            hints.append("  Hint: it is the transpose of the expected array. Check the order of a matrix product "
                         "(e.g. dZ @ A_prev.T, not A_prev @ dZ.T) or a W that needs .T.")
        else:
            hints.append("  Hint: the shape is transposed. Columns are examples: check which factor needs .T.")
    elif got.ndim == 1 and expected.ndim == 2 and got.shape[0] in expected.shape:
        hints.append("  Hint: a dimension was dropped. A sum over an axis needs keepdims=True to stay 2-D "
                     "(e.g. np.sum(dZ, axis=1, keepdims=True)).")
    elif expected.ndim == 2 and expected.shape[1] == 1 and got.ndim == 2 and got.shape[0] == 1:
        hints.append("  Hint: a sum ran over the wrong axis. The examples are the columns (axis=1), the units "
                     "of a layer the rows (axis=0): db sums over the examples, softmax over the units.")
    elif expected.ndim == 2 and got.ndim == 2 and m is not None and m in got.shape and m not in expected.shape:
        hints.append(f"  Hint: the result still has a dimension of m = {m}: a sum over the examples "
                     f"(axis=1) is missing.")
    return hints


def _factor_hints(got, expected, m):
    mask = np.abs(expected) > 1e-12
    if not mask.any():
        return []
    ratios = got[mask] / expected[mask]
    if not np.allclose(ratios, ratios[0], rtol=1e-6):
        return []
    ratio = float(ratios[0])
    if np.isclose(ratio, 1.0):
        return []
    if np.isclose(ratio, -1.0):
        return ["  Hint: every entry has the wrong sign. Check the sign of the cost or of (A - Y)."]
    if m is not None and m > 1 and np.isclose(ratio, m):
        return [f"  Hint: every entry is m = {m} times too large: the 1/m factor is missing."]
    if m is not None and m > 1 and np.isclose(ratio, 1.0 / m):
        return [f"  Hint: every entry is m = {m} times too small: the 1/m factor is applied twice."]
    if m is not None and m > 1 and np.isclose(ratio, -m):
        return [f"  Hint: every entry is -m = -{m} times the expected value: the sign and the 1/m are off."]
    if np.isclose(ratio, 1 / np.log(10)):
        return ["  Hint: the result is log10(e) times the expected one: use the natural logarithm np.log."]
    if got.size == 1:
        return []  # one number is always a constant multiple of another: no hint
    return [f"  Hint: every entry is {ratio:.6g} times the expected value: a constant factor is off."]


def _value_hints(got, expected, m):
    hints = _factor_hints(got, expected, m)
    if not hints and got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, expected, RTOL, ATOL):
        hints.append("  Hint: the result is the transpose of the expected one.")
    return hints


def _walk(got, expected, path, parts, m, rtol, atol):
    """Compare nested outputs; return (path, parts, lines) of the first difference, or None when they agree."""
    label = path or "the output"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return path, parts, [f"{label}: expected a dict with keys {sorted(expected)}, got {type(got).__name__}."]
        missing = [k for k in expected if k not in got]
        if missing:
            return path, parts, [f"{label}: missing key(s) {missing} (it has {sorted(got)})."]
        for key in expected:
            found = _walk(got[key], expected[key], f"{path}[{key!r}]" if path else str(key), parts + (key,),
                          m, rtol, atol)
            if found:
                return found
        return None
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return path, parts, [f"{label}: expected a {type(expected).__name__} of {len(expected)} items, got "
                                 f"{type(got).__name__}."]
        if len(got) != len(expected):
            return path, parts, [f"{label}: expected {len(expected)} items, got {len(got)}."]
        for i, (g, e) in enumerate(zip(got, expected)):
            found = _walk(g, e, f"{path}[{i}]", parts + (i,), m, rtol, atol)
            if found:
                return found
        return None
    if isinstance(expected, str) or expected is None:
        return None if got == expected else (path, parts, [f"{label}: expected {expected!r}, got {got!r}."])
    if isinstance(expected, (bool, np.bool_)):
        ok = isinstance(got, (bool, np.bool_)) and bool(got) == bool(expected)
        return None if ok else (path, parts, [f"{label}: expected {expected!r}, got {got!r}."])
    lines = _array_report(path, got, expected, m, rtol, atol)
    return (path, parts, lines) if lines else None


def compare(got, expected, *, name="", m=None, rtol=RTOL, atol=ATOL) -> Report:
    """Compare a student's output with the expected one (arrays, numbers, tuples, lists, dicts, nested).

    name : how to call the output in messages (e.g. 'dW1').  m : the number of examples, for 1/m hints.
    Returns a Report; ``bool(report)`` is True when everything agrees within ``rtol``/``atol``.
    """
    found = _walk(got, expected, name, (), m, rtol, atol)
    if found is None:
        return Report(True)
    path, parts, lines = found
    return Report(False, path, lines, got, parts)


def assert_close(got, expected, *, name="", m=None, rtol=RTOL, atol=ATOL):
    """``compare`` that raises AnswerError with the report when the outputs differ."""
    report = compare(got, expected, name=name, m=m, rtol=rtol, atol=atol)
    if not report:
        raise AnswerError(report.text())


def leaf(value, parts):
    """The part of ``value`` at ``parts`` (a Report's path into nested outputs)."""
    for part in parts:
        value = value[part]
    return value


def named_outputs(value, outputs):
    """A function's tuple of outputs as a dict keyed by the outputs' names, for messages like 'dW1: ...'."""
    if outputs and len(outputs) > 1 and isinstance(value, tuple) and len(value) == len(outputs):
        return dict(zip(outputs, value))
    return value
