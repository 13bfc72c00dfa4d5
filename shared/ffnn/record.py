"""Step 2 of the hidden tests, *record*: in the kernel, what the student's function returns on the run's cases.

    record = record_function(document, suite, function, name)    # a JSON-able dict; nothing is judged here

Each case runs with the function's collaborators replaced by ``ffnn.standins`` (so a wrong collaborator costs only
its own cell) and, within ``DIRECT_BUDGET`` seconds, again with the notebook's own functions (a function that does
its collaborators' work itself is correct too); a function of the examples also runs on the vectorization
inputs, counting its lines of Python. Outputs, errors and warnings are recorded as data for
``ffnn.reference.verdict`` (step 3), which judges them outside the kernel.
"""

from __future__ import annotations

import signal
import time
import warnings
from pathlib import Path

import numpy as np

from .check import Checker, run_case
from .encoding import decode, encode
from .replay import replaced_globals
from .standins import standins_for
from .vectorization import count_user_lines

__all__ = ["record_function", "output_path"]


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


def record_function(document, suite, function, name) -> dict:
    """What ``function`` (the notebook's ``name``) does on the cases of ``document`` (one suite's cases, from
    ``ffnn.reference.cases.split``): outcomes with stand-ins, direct runs, and lines of Python for the
    vectorization inputs."""
    checker = Checker.from_data(document)
    spec = checker.spec(name)
    stand_ins = standins_for(suite, spec.get("standins", []))
    cases = checker.cases(name)
    with replaced_globals(function, stand_ins):
        record = {"outcomes": [_record(run_case(function, name, spec, case)) for case in cases]}
    if stand_ins:
        # the same cases with the notebook's own functions: a function that does their work itself is correct too
        record["direct"] = _direct_runs(function, name, spec, cases)
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
    return record
