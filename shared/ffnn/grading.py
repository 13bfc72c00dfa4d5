"""The hidden tests' entry point in a notebook: ``assert hidden_tests("two_layer", backward_propagation)``.

Graded by the course's grader (``FFNN_HIDDEN_CASES`` set, inside the sandbox): the function runs on the hidden
cases of this grading run, and what it returns is written to ``FFNN_HIDDEN_OUTPUT`` for the grader to judge
outside the kernel (``ffnn.reference.hidden.verdict``). Nothing is judged here, so nothing here can be fooled.

Run anywhere else (an instructor's kernel, nbval, nbgrader's Validator): the checks run in this kernel, against
the reference implementation (``ffnn.reference.grading.grade``).
"""

from __future__ import annotations

import json
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np

from .check import Checker, run_case
from .encoding import decode, encode
from .replay import replaced_globals
from .vectorization import count_user_lines
from .standins import standins_for

__all__ = ["hidden_tests", "output_path"]


def output_path(directory, suite, name) -> Path:
    return Path(directory) / f"{suite}.{name}.json"


def _record(outcome) -> dict:
    stored = {"warnings": outcome.warnings[:5]}
    if outcome.not_implemented:
        stored["not_implemented"] = True
    elif outcome.replay_mismatch:
        stored["replay_mismatch"] = outcome.replay_mismatch
    elif outcome.error is not None:
        stored["error"], stored["where"] = outcome.error, outcome.where
    else:
        try:
            stored["got"] = encode(outcome.got)
        except TypeError:
            stored["unencodable"] = f"a {type(outcome.got).__name__}"
    return stored


#: Seconds that the runs with the notebook's own collaborators may take in all, per function: a collaborator that
#: hangs (it loses its own cell) must not take this cell down with it.
DIRECT_BUDGET = 3.0


class _OutOfTime(BaseException):
    """Raised in the kernel's main thread when the direct runs' budget is spent (not an Exception: an answer's
    ``except Exception`` does not swallow it)."""


def _direct_runs(function, name, spec, cases) -> list:
    """Records of the cases run with the notebook's own collaborators, within ``DIRECT_BUDGET`` seconds."""
    def out_of_time(signum, frame):
        raise _OutOfTime()

    try:
        previous = signal.signal(signal.SIGALRM, out_of_time)
    except ValueError:  # not the main thread: no timer, so no direct runs
        return [None] * len(cases)
    records, deadline = [], time.monotonic() + DIRECT_BUDGET
    try:
        for case in cases:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                records.append(None)
                continue
            signal.setitimer(signal.ITIMER_REAL, remaining)
            try:
                records.append(_record(run_case(function, name, spec, case)))
            except _OutOfTime:
                records.append(None)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return records


def hidden_tests(suite, function, name=None):
    """Run the hidden tests of one graded function (see the module's docstring); True unless they fail here."""
    name = name or function.__name__
    cases_file = os.environ.get("FFNN_HIDDEN_CASES")
    if not cases_file:
        from .reference.grading import grade  # instructors' and CI's kernels have the reference
        return grade(suite, function, name)
    with open(cases_file, encoding="utf-8") as handle:
        document = json.load(handle)[suite]
    checker = Checker.from_data(document)
    spec = checker.spec(name)
    stand_ins = standins_for(suite, spec.get("standins", []))
    with replaced_globals(function, stand_ins):
        record = {"outcomes": [_record(run_case(function, name, spec, case)) for case in checker.cases(name)]}
    if stand_ins:
        # the same cases with the notebook's own functions: a function that does their work itself is correct too
        record["direct"] = _direct_runs(function, name, spec, checker.cases(name))
    if "vectorization" in spec:
        lines = []
        for case in spec["vectorization"]:
            with warnings.catch_warnings(), np.errstate(all="ignore"), replaced_globals(function, stand_ins):
                warnings.simplefilter("ignore")
                try:
                    lines.append(count_user_lines(function, **decode(case["args"]))[1])
                except Exception:  # noqa: BLE001 - a failing run is judged from the outcomes above
                    lines.append(-1)
        record["lines"] = lines
    with open(output_path(os.environ["FFNN_HIDDEN_OUTPUT"], suite, name), "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return True
