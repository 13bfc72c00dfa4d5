"""Comparing what was recorded on one machine with what this machine computes now.

BLAS kernels differ between CPUs, so the same code on the same inputs gives floats that differ in their last
bits (seen: a relative 1e-12 after a two-layer network's backward pass). Everything recorded on disk and checked
again elsewhere (the checker's fixtures, the notebooks' recorded outputs) is therefore compared here: its
structure exactly (keys, lengths, types, strings, integers, shapes), its floats up to a relative ``RTOL``, which
is far below any real change (a wrong formula changes numbers at 1e-6 or much more).

    differences(recorded, fresh)             # JSON-like trees: a list of "where: what" lines, [] when the same
    text_differences(recorded, fresh)        # printed text: numbers up to their last printed digit (or 1e-4)
"""

from __future__ import annotations

import math
import re

__all__ = ["RTOL", "TEXT_RTOL", "differences", "text_differences", "floats_close"]

#: Relative tolerance for floats recorded on another machine. Last-bit differences are ~1e-16 per operation and
#: grow to ~1e-12 through a few hundred; a real change of the reference is 1e-6 or more.
RTOL = 1e-9
#: Entries of an array that are rounding noise around zero (a cancellation) are compared relative to the array's
#: largest entry instead of their own size.
SCALE_RTOL = 1e-12


def floats_close(a: float, b: float, rtol: float = RTOL, scale: float = 0.0) -> bool:
    """True when ``a`` and ``b`` are the same number up to rounding: NaN matches NaN, inf matches inf of the same
    sign, and finite values agree to ``rtol`` of the larger (or ``SCALE_RTOL`` of ``scale``)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + SCALE_RTOL * scale


def _largest(value) -> float:
    """The largest finite absolute float in a (nested) list, 0 when there is none."""
    if isinstance(value, list):
        return max((_largest(v) for v in value), default=0.0)
    if isinstance(value, float) and math.isfinite(value):
        return abs(value)
    return 0.0


def differences(recorded, fresh, rtol: float = RTOL, where: str = "", scale: float = 0.0, limit: int = 20) -> list:
    """Where two JSON-like trees differ beyond rounding: ``["functions.relu.cases[0].expected: 0.5 != 0.7", ...]``
    (at most ``limit`` lines). Dicts must have the same keys, lists the same lengths, every non-float the same
    value and type; floats agree to ``rtol`` (``floats_close``). Ints and floats are not interchangeable."""
    found = []
    _walk(recorded, fresh, rtol, where or "<root>", scale, found, limit)
    return found


def _walk(a, b, rtol, where, scale, found, limit):
    if len(found) >= limit:
        return
    if isinstance(a, bool) or isinstance(b, bool) or not (isinstance(a, float) and isinstance(b, float)):
        if type(a) is not type(b):
            found.append(f"{where}: {type(a).__name__} recorded, {type(b).__name__} now")
            return
    if isinstance(a, dict):
        if list(a) != list(b):
            missing, extra = sorted(set(a) - set(b)), sorted(set(b) - set(a))
            found.append(f"{where}: keys differ (recorded only: {missing[:5]}, now only: {extra[:5]})"
                         if missing or extra else f"{where}: keys in another order")
            return
        if "__ndarray__" in a:  # an encoded array: its entries are judged against its largest entry
            scale = max(_largest(a["__ndarray__"]), _largest(b["__ndarray__"]))
        for key in a:
            _walk(a[key], b[key], rtol, f"{where}.{key}", scale, found, limit)
    elif isinstance(a, list):
        if len(a) != len(b):
            found.append(f"{where}: {len(a)} entries recorded, {len(b)} now")
            return
        for index, (x, y) in enumerate(zip(a, b)):
            _walk(x, y, rtol, f"{where}[{index}]", scale, found, limit)
    elif isinstance(a, float):
        if not floats_close(a, b, rtol, scale):
            found.append(f"{where}: {a!r} recorded, {b!r} now (relative difference "
                         f"{abs(a - b) / max(abs(a), abs(b), 1e-300):.1e})")
    elif isinstance(a, str):
        if a != b and text_differences(a, b, rtol=rtol):  # e.g. an error message that quotes a number
            found.append(f"{where}: {a[:80]!r} recorded, {b[:80]!r} now")
    elif a != b:
        found.append(f"{where}: {a!r} recorded, {b!r} now")


NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])")


def _last_digit_unit(token: str) -> float:
    """One unit of the last printed digit of a decimal token: '0.6931' -> 1e-4, '1.5e-03' -> 1e-4, '42' -> 0."""
    mantissa, _, exponent = token.lower().lstrip("+-").partition("e")
    if "." not in mantissa and not exponent:
        return 0.0  # integers (counts, sizes, iterations) must match exactly
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


#: Relative tolerance for numbers printed by notebooks: a few thousand steps of gradient descent amplify last-bit
#: differences to ~1e-5 (seen: a cost of 0.19207924 with OpenBLAS's Haswell kernels, 0.19208156 with Katmai's).
TEXT_RTOL = 1e-4


def text_differences(recorded: str, fresh: str, rtol: float = TEXT_RTOL) -> list:
    """Where two printed texts differ beyond rounding. The text between numbers must be identical and in the same
    places; each number may differ by one unit of its last printed digit (a last-bit difference can move a
    rounded digit by one) or by ``rtol`` (differences that training amplified). Integers must be equal."""
    parts_a, parts_b = NUMBER.split(recorded), NUMBER.split(fresh)
    numbers_a, numbers_b = NUMBER.findall(recorded), NUMBER.findall(fresh)
    if parts_a != parts_b or len(numbers_a) != len(numbers_b):
        return [f"the text differs: {recorded[:120]!r} recorded, {fresh[:120]!r} now"]
    found = []
    for x, y in zip(numbers_a, numbers_b):
        if x == y:
            continue
        unit = max(_last_digit_unit(x), _last_digit_unit(y))
        a, b = float(x), float(y)
        if unit == 0.0 or abs(a - b) > unit * (1 + 1e-9) and not floats_close(a, b, rtol):
            found.append(f"{x} recorded, {y} now")
    return found
