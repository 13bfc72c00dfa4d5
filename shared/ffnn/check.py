"""The checker behind every visible test: specific feedback instead of "wrong output".

``compare(got, expected)`` reports what differs between a student's output and the expected one: type, shape,
dtype, NaN/inf, the largest absolute and relative error, the first mismatching index, and generic hints (a
transposed array, a lost ``keepdims``, a flipped sign, an extra or missing factor m).

``Checker(suite)`` runs a student's function on the cases stored in ``ffnn/fixtures/<suite>.json``. Those files
are written by ``python -m ffnn.reference.fixtures`` from the reference implementation: each case holds the
inputs, the expected output, and the output of every catalogued mistake for that function (``forgot 1/m``,
``W instead of W.T``, ...). When the student's output matches a mistake's output, the checker names the mistake.
No reference code ships with the fixtures, only numbers.

    check = Checker("two_layer")
    check(backward_propagation)      # prints a line when every case passes, raises AnswerError otherwise
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import inspect
import json
import numbers
import os
import sys
import textwrap
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["AnswerError", "Report", "Outcome", "run_case", "compare", "assert_close", "Checker", "encode", "decode", "FIXTURES",
           "TEST_FUNCTIONS", "count_user_lines", "assert_vectorized", "calls_into", "assert_independent",
           "replaced_globals", "static_vectorization_problems", "VECTORIZATION_SIZES", "loop_message",
           "source_vectorization_problem", "delegation_message"]

FIXTURES = Path(__file__).with_name("fixtures")
RTOL, ATOL = 1e-6, 1e-9


class AnswerError(AssertionError):
    """A student's answer differs from the expected one; the message says how.

    IPython (the lab, and the kernel behind nbgrader's Validate) shows what ``_render_traceback_`` returns instead
    of a traceback: the message is about the student's code, and the checker's own frames would bury it."""

    def _render_traceback_(self):
        return f"{type(self).__name__}: {self}".splitlines()


# ---------------------------------------------------------------------------------------------------------------
# Encoding of fixture values as JSON (exact: Python writes floats with their shortest round-trip repr)
# ---------------------------------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------------------------------
# Comparing one output with the expected one
# ---------------------------------------------------------------------------------------------------------------

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


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _is_scalar_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, bool) or (isinstance(x, np.ndarray) and x.ndim == 0)


def _array_report(path, got, expected, m, rtol, atol):
    """Compare two arrays (or scalars); return the lines describing a mismatch, or [] when they agree."""
    label = path or "the output"
    expected_is_scalar = not isinstance(expected, np.ndarray)
    if expected_is_scalar:
        if isinstance(got, np.ndarray) and got.ndim > 0:
            if got.size == 1 and np.isclose(got.reshape(()), expected, rtol=rtol, atol=atol):
                return [f"{label}: expected a Python number, got an array of shape {_shape_text(got.shape)}. "
                        f"The value is right: return float(...) of it (or use np.squeeze)."]
            return [f"{label}: expected a single number ({_fmt(expected)}), got an array of shape "
                    f"{_shape_text(got.shape)}."]
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
            return [f"{label}: expected a NumPy array of shape {_shape_text(expected.shape)}, got a "
                    f"{type(got).__name__}. Return an ndarray (np.array(...) or the result of NumPy operations)."]
        if _is_scalar_number(got) and expected.size == 1:
            return [f"{label}: expected an array of shape {_shape_text(expected.shape)}, got the plain number "
                    f"{_fmt(got)}. Keep the array shape (e.g. keepdims=True, or reshape)."]
        return [f"{label}: expected a NumPy array of shape {_shape_text(expected.shape)}, got "
                f"{type(got).__name__}."]
    if got.dtype == object or not (np.issubdtype(got.dtype, np.number) or got.dtype == bool):
        return [f"{label}: expected numbers, got an array of dtype {got.dtype}."]
    if got.shape != expected.shape:
        lines = [f"{label}: expected shape {_shape_text(expected.shape)}, got {_shape_text(got.shape)}."]
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
    lines = [f"{label}: {int((~close).sum())} of {got.size} entries differ (shape {_shape_text(got.shape)}, "
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


def _leaf(value, parts):
    for part in parts:
        value = value[part]
    return value


# ---------------------------------------------------------------------------------------------------------------
# Running a student's function on the stored cases
# ---------------------------------------------------------------------------------------------------------------

def _named(value, outputs):
    """A function's tuple of outputs as a dict keyed by the outputs' names, for messages like 'dW1: ...'."""
    if outputs and len(outputs) > 1 and isinstance(value, tuple) and len(value) == len(outputs):
        return dict(zip(outputs, value))
    return value


def _error_signature(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@dataclass
class Outcome:
    """What one call of a student's function did: its output, or the error it raised, and its warnings."""

    got: object = None
    error: str | None = None           # "TypeName: message"
    where: str = ""                    # " (line 3 of backward_propagation)"
    not_implemented: bool = False
    replay_mismatch: str = ""
    warnings: list = field(default_factory=list)


def run_case(function, name, spec, case) -> Outcome:
    """Call ``function`` on one stored case, collaborators replaced by replays, warnings captured."""
    args = copy.deepcopy(case["args"])
    stand_ins = {helper: _Replay(name, helper, spec["collaborators"][helper], decode(calls))
                 for helper, calls in case.get("calls", {}).items()}
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"), \
            replaced_globals(function, stand_ins):
        warnings.simplefilter("always")
        try:
            outcome.got = function(**args)
        except NotImplementedError:
            outcome.not_implemented = True
        except _ReplayMismatch as mismatch:
            outcome.replay_mismatch = str(mismatch)
        except Exception as error:  # noqa: BLE001 - any error in student code becomes feedback
            outcome.error = _error_signature(error)
            tb = error.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                outcome.where = f" (line {tb.tb_lineno} of {tb.tb_frame.f_code.co_name})"
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    return outcome


class Checker:
    """Checks students' functions against the stored cases of one notebook (``suite``)."""

    def __init__(self, suite: str, fixtures_dir: Path | str | None = None):
        path = Path(fixtures_dir or FIXTURES) / f"{suite}.json"
        if not path.exists():
            available = sorted(p.stem for p in Path(fixtures_dir or FIXTURES).glob("*.json"))
            raise FileNotFoundError(f"Checker: no fixtures for suite {suite!r} at {path}; available: {available}.")
        with open(path, encoding="utf-8") as handle:
            self.data = json.load(handle)
        self.suite = suite

    @classmethod
    def from_data(cls, data):
        """A checker over an in-memory document of the fixtures' format (e.g. hidden cases with answers)."""
        checker = cls.__new__(cls)
        checker.data, checker.suite = data, data.get("suite", "")
        return checker

    @property
    def functions(self):
        """Names of the functions this suite can check."""
        return list(self.data["functions"])

    def cases(self, name):
        """The decoded cases of one function: dicts with 'label', 'm', 'args', 'expected', 'mistakes'."""
        spec = self.spec(name)
        return [{"label": case["label"], "m": case.get("m"), "args": decode(case["args"]),
                 "calls": case.get("calls", {}),
                 "expected": decode(case["expected"]) if "expected" in case else None,
                 "mistakes": [{**mk, "output": decode(mk["output"]) if "output" in mk else None}
                              for mk in case.get("mistakes", [])]}
                for case in spec["cases"]]

    def __call__(self, function, name=None, *, verbose=True, independent=True):
        """Run ``function`` on every stored case; raise AnswerError at the first wrong case, else return True.

        When the function calls other graded functions of the notebook (its "collaborators", e.g. nn_model
        calls forward_propagation), those are replaced during the check by stand-ins that replay the reference's
        recorded answers, so a mistake in a collaborator is reported by the collaborator's own test, not here.
        A function of the examples must then also be vectorized, and no function may call the reference solutions,
        both judged as the grader judges them.
        """
        __tracebackhide__ = True  # IPython shows the student the failing assert, not the checker's insides
        name = name or getattr(function, "__name__", None)
        cases = self.cases(name)
        reference = Path(__file__).with_name("reference")
        # only a copy that has the reference (self-study, CI) can delegate to it; False: checking the reference itself
        watch = independent and reference.is_dir()
        offenders = []
        for number, case in enumerate(cases, start=1):
            run = functools.partial(run_case, function, name, self.spec(name), case)
            if watch and number == 1:
                outcome, offenders = calls_into(run, {}, reference)
            else:
                outcome = run()
            self.judge(name, number, case, outcome)
        if offenders:
            raise AnswerError(delegation_message(name, offenders))
        self.check_vectorized(function, name)
        if verbose:
            print(f"{name}: all {len(cases)} checks passed." if len(cases) > 1 else f"{name}: the check passed.")
        return True

    def check_vectorized(self, function, name):
        """Raise AnswerError unless ``function`` runs as many Python lines for many examples as for few, and its
        code has no loop in disguise: the grader's own vectorization verdict, on the stored inputs of
        ``VECTORIZATION_SIZES`` examples (collaborators replaced by ffnn.standins, as the grader does)."""
        __tracebackhide__ = True
        spec = self.spec(name)
        runs = spec.get("vectorization")
        if not runs:
            return
        from .standins import standins_for
        stand_ins = standins_for(self.suite, spec.get("standins") or list(spec.get("collaborators", {})))
        lines = []
        for run in runs:
            with warnings.catch_warnings(), np.errstate(all="ignore"), replaced_globals(function, stand_ins):
                warnings.simplefilter("ignore")
                try:
                    lines.append(count_user_lines(function, **decode(run["args"]))[1])
                except Exception as error:  # noqa: BLE001 - a student's error becomes feedback
                    raise AnswerError(f"{name} raised {_error_signature(error)} on {run['m']} examples, after "
                                      f"passing the cases above: does it assume a number of examples or a shape "
                                      f"that the cases happened to have?") from None
        message = loop_message(name, lines) or source_vectorization_problem(function, name)
        if message:
            raise AnswerError(message)

    def spec(self, name):
        """The stored description of one function: its outputs' names, collaborators and cases."""
        if name not in self.data["functions"]:
            raise KeyError(f"Checker({self.suite!r}) has no cases for {name!r}; it checks {self.functions}.")
        return self.data["functions"][name]

    def judge(self, name, number, case, outcome):
        """Raise AnswerError with feedback unless ``outcome`` (from ``run_case``) matches the expected output."""
        __tracebackhide__ = True
        outputs = self.spec(name).get("outputs")
        total = len(self.data["functions"][name]["cases"])
        header = f"{name}: wrong result in case {number} of {total} ({case['label']})."
        if outcome.not_implemented:
            raise AnswerError(f"{name} is not implemented yet: replace `raise NotImplementedError()` with your "
                              f"code.")
        if outcome.replay_mismatch:
            raise AnswerError(f"{header}\n{outcome.replay_mismatch}")
        if outcome.error is not None:
            raise AnswerError(self._error_message(name, case, outcome))
        got = outcome.got
        notes = [f"  (your code warned: {text})" for text in outcome.warnings[:3]]
        if outputs and len(outputs) > 1 and not (isinstance(got, tuple) and len(got) == len(outputs)):
            count = f"{len(got)} values" if isinstance(got, tuple) else f"one {type(got).__name__}"
            raise AnswerError(f"{header}\n{name} must return {len(outputs)} values ({', '.join(outputs)}), "
                              f"got {count}.")
        report = compare(_named(got, outputs), _named(case["expected"], outputs), m=case["m"],
                         name=outputs[0] if outputs and len(outputs) == 1 else "")
        if not report:
            named = self._mistake_lines(case, report, outputs)
            # a named mistake says more than a generic hint, and the two could disagree
            details = [line for line in report.lines if not (named and line.lstrip().startswith("Hint:"))]
            raise AnswerError("\n".join([header, *details, *notes, *named]))

    def _mistake_lines(self, case, report, outputs):
        """Name the catalogued mistakes whose output equals the student's at the first wrong place."""
        mine = _leaf(report.got, report.parts)
        matches = []
        for mistake in case["mistakes"]:
            if mistake.get("output") is None:
                continue
            try:
                theirs = _leaf(_named(mistake["output"], outputs), report.parts)
            except (KeyError, IndexError, TypeError):
                continue
            if compare(mine, theirs, m=case["m"]):
                matches.append(mistake["message"])
        if not matches:
            return []
        if len(matches) == 1:
            return [f"Likely mistake: {matches[0]}"]
        return ["Likely mistake, one of:"] + [f"  - {text}" for text in matches]

    def _error_message(self, name, case, outcome):
        lines = [f"{name} raised {outcome.error}{outcome.where}", f"  on case {case['label']}."]
        named = [mk["message"] for mk in case["mistakes"] if outcome.error in mk.get("errors", ())]
        if named:
            lines.append(f"Likely mistake: {named[0]}" if len(named) == 1 else
                         "Likely mistake, one of:\n" + "\n".join(f"  - {n}" for n in named))
        elif any(word in outcome.error for word in ("shapes", "mismatch", "broadcast")):
            lines.append("  Hint: two arrays have incompatible shapes. Print the shapes of the operands and compare "
                         "them with the notation page: W[l] is (n[l], n[l-1]), A[l] is (n[l], m).")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Collaborators: stand-ins that replay the reference's recorded calls
# ---------------------------------------------------------------------------------------------------------------

class _ReplayMismatch(Exception):
    """A function passed a collaborator arguments that the reference never passed."""


def _ordinal(n):
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


_ISCLOSE = np.isclose  # taken when the checker is imported: a later `np.isclose = ...` does not change it


def _same(a, b) -> bool:
    """Equal within the checker's tolerance, for the replays of the visible tests. (Hidden tests are judged
    outside the kernel, so nothing here needs to resist deliberate tampering.)"""
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
            return False
        return bool(_ISCLOSE(a.astype(float), b.astype(float), rtol=RTOL, atol=ATOL, equal_nan=True).all())
    if isinstance(b, numbers.Real) and isinstance(a, numbers.Real):
        return bool(_ISCLOSE(float(a), float(b), rtol=RTOL, atol=ATOL))
    return type(a) is type(b) and a == b


class _Replay:
    """Stands in for a collaborator: returns the reference's recorded output for matching arguments."""

    def __init__(self, caller, name, parameters, calls):
        self.caller, self.name, self.calls, self.count = caller, name, calls, 0
        self.signature = inspect.Signature([
            inspect.Parameter(p["name"], inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              **({"default": decode(p["default"])} if "default" in p else {}))
            for p in parameters])
        self.__name__ = name

    def __call__(self, *args, **kwargs):
        self.count += 1
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise _ReplayMismatch(f"{self.caller} calls {self.name} with the wrong arguments: {error}. Its "
                                  f"signature is {self.name}{self.signature}.") from None
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        for call in self.calls:
            if _same(arguments, call["args"]):
                return copy.deepcopy(call["output"])
        if self.count > len(self.calls):
            raise _ReplayMismatch(
                f"{self.caller} calls {self.name} more often than the reference does ({len(self.calls)} "
                f"time(s) on this case), with arguments the reference never passed: check that each iteration "
                f"makes exactly the calls of the algorithm.")
        closest = self.calls[self.count - 1]
        report = compare(arguments, closest["args"])
        raise _ReplayMismatch(
            f"{self.caller}'s {_ordinal(self.count)} call of {self.name} passed arguments that the reference never "
            f"passed. Compared with the reference's {_ordinal(self.count)} call:\n"
            + report.text())


@contextlib.contextmanager
def replaced_globals(function, replacements):
    """Temporarily rebind names in ``function``'s global namespace (the notebook's, for a notebook function)."""
    namespace = getattr(function, "__globals__", None)
    if not replacements or namespace is None:
        yield
        return
    missing = object()
    saved = {name: namespace.get(name, missing) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


# ---------------------------------------------------------------------------------------------------------------
# Vectorization and independence
# ---------------------------------------------------------------------------------------------------------------

def _library_prefixes():
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__),
                os.path.dirname(os.path.abspath(__file__))}
    return tuple(sorted(p for p in prefixes if p)) + ("<frozen",)


def _is_user_code(filename, prefixes):
    return not filename.startswith(prefixes)


def count_user_lines(function, *args, **kwargs):
    """Call ``function`` and count the lines of user code (not NumPy's, not this package's) that ran.

    Returns ``(result, lines)``. A vectorized function runs the same lines whatever the number of examples;
    a Python loop over the examples runs its body once per example.
    """
    prefixes = _library_prefixes()
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        if event == "call" and _is_user_code(frame.f_code.co_filename, prefixes):
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = function(*args, **kwargs)
    finally:
        sys.settrace(previous)
    return result, count


#: The numbers of examples every vectorization check compares: the visible checker's, the hidden tests' and the
#: grader's, so that what a student is told in the lab is what the grader decides.
VECTORIZATION_SIZES = (8, 64)


def loop_message(name, lines, sizes=VECTORIZATION_SIZES) -> str:
    """The feedback when the Python lines run for ``sizes[0]`` and ``sizes[1]`` examples grow with m; else ''."""
    (small, large), (few, many) = sizes, lines
    if many - few <= (large - small) // 2:
        return ""
    return (f"{name} is not vectorized over the examples: it ran {few} lines of Python for m = {small} examples "
            f"and {many} for m = {large}, so it loops over the columns. Work on whole matrices instead (one matrix "
            f"product per layer, np.sum(..., axis=1, keepdims=True), element-wise operations).")


def assert_vectorized(function, make_args, sizes=VECTORIZATION_SIZES, name=None):
    """Raise AnswerError when ``function`` runs more Python lines for more examples (a loop over examples).

    make_args(m) returns the keyword arguments for m examples (all other sizes fixed). Loops over layers or
    iterations are fine: they do not grow with m.
    """
    name = name or getattr(function, "__name__", "the function")
    counts = []
    for m in sizes:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            _, lines = count_user_lines(function, **make_args(m))
        counts.append(lines)
    message = loop_message(name, counts, sizes)
    if message:
        raise AnswerError(message)
    return True


# Calls that run Python (or a Python-level call) once per entry or column while looking like one line, which
# counting lines cannot see: np.vectorize(f)(Z), np.apply_along_axis(f, 0, Z), map(f, Z.T), ...
_PER_ITEM_CALLS = {"vectorize": "np.vectorize", "apply_along_axis": "np.apply_along_axis",
                   "frompyfunc": "np.frompyfunc", "fromiter": "np.fromiter", "map": "map"}
# Names whose use in an answer tampers with the measurement the vectorization check relies on.
_MEASUREMENT = {"settrace": "sys.settrace", "setprofile": "sys.setprofile", "monitoring": "sys.monitoring",
                "count_user_lines": "the grader's line counter", "gettrace": "sys.gettrace"}


def _parse(source):
    """The AST of a notebook cell (IPython magics and shell lines blanked), or None if it is not Python."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return None


def _referenced_names(node):
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id, child.lineno
        elif isinstance(child, ast.Attribute):
            yield child.attr, child.lineno
        elif isinstance(child, ast.alias):
            yield child.name.rsplit(".", 1)[-1], getattr(child, "lineno", 0)


def static_vectorization_problems(sources, name, exclude=(), defined_as=None):
    """What reading the code finds against ``name`` being vectorized over the examples: a list of messages.

    ``sources``: the code cells a student wrote (answers and cells they added). Finds (1) anything in them that
    touches Python's tracing or the grader's line counter, which the line-counting check relies on, and (2) in
    the last definition of ``name`` and the helper functions it calls (defined in ``sources``, except those named
    in ``exclude``: other graded functions, judged on their own), calls that loop in disguise (np.vectorize,
    np.apply_along_axis, map, ...).
    """
    trees = [tree for tree in (_parse(source) for source in sources) if tree is not None]
    problems = []
    for tree in trees:
        for found, line in _referenced_names(tree):
            if found in _MEASUREMENT:
                problems.append(f"{name}: the answers use {_MEASUREMENT[found]} (line {line} of a cell), which the "
                                f"vectorization check relies on; the check counts as failed.")
                return problems
    definitions = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                definitions[node.name] = node  # the last definition wins, as in the kernel
    pending, seen = [defined_as or name], set()
    while pending:
        current = pending.pop()
        if current in seen or current not in definitions:
            continue
        seen.add(current)
        for node in ast.walk(definitions[current]):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else \
                node.func.id if isinstance(node.func, ast.Name) else None
            if callee in _PER_ITEM_CALLS:
                where = "" if current == (defined_as or name) else f" (in {current}, which it calls)"
                problems.append(f"{name} is not vectorized over the examples: it calls {_PER_ITEM_CALLS[callee]} "
                                f"(line {node.lineno} of its cell){where}, which runs Python once per entry or "
                                f"column. Work on whole matrices with NumPy's array operations instead.")
            elif callee in definitions and callee not in exclude and callee != current:
                pending.append(callee)
    return problems


def source_vectorization_problem(function, name) -> str:
    """The first loop in disguise found in ``function``'s own source (static_vectorization_problems), or ''."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):  # no source to read (a function built at run time)
        return ""
    problems = static_vectorization_problems([source], name, defined_as=function.__name__)
    return problems[0] if problems else ""


def calls_into(function, args, directory, allowed=()):
    """Call ``function(**args)`` and list the functions defined under ``directory`` that ran on its behalf.

    Calls made inside one of the ``allowed`` functions (e.g. collaborators the grader substituted) don't count.
    Returns ``(result, names)``.
    """
    directory = os.path.abspath(directory) + os.sep
    allowed_codes = {getattr(f, "__code__", None) for f in allowed} - {None}
    depth = 0
    offenders = []

    def profiler(frame, event, arg):
        nonlocal depth
        code = frame.f_code
        if code in allowed_codes:
            depth += 1 if event == "call" else -1 if event == "return" else 0
        elif event == "call" and depth == 0 and code.co_filename.startswith(directory):
            offenders.append(code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        result = function(**args)
    finally:
        sys.setprofile(previous)
    return result, offenders


def delegation_message(name, offenders) -> str:
    return (f"{name} calls the reference implementation ({', '.join(sorted(set(offenders)))}); the answer must be "
            f"your own code.")


def assert_independent(function, args, directory, allowed=(), name=None):
    """Raise AnswerError when ``function`` calls code from ``directory`` (the reference solutions)."""
    name = name or getattr(function, "__name__", "the function")
    result, offenders = calls_into(function, args, directory, allowed)
    if offenders:
        raise AnswerError(delegation_message(name, offenders))
    return result
