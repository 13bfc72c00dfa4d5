"""The checker behind every visible test: a student's function on the stored cases, with specific feedback.

``Checker(suite)`` runs a student's function on the cases stored in ``ffnn/fixtures/<suite>.json``. Those files
are written by ``python -m ffnn.reference.fixtures`` from the reference implementation: each case holds the
inputs, the expected output, and the output of every catalogued mistake for that function (``forgot 1/m``,
``W instead of W.T``, ...). When the student's output matches a mistake's output, the checker names the mistake.
No reference code ships with the fixtures, only numbers. The comparison is ``ffnn.compare``'s, collaborators
are replayed by ``ffnn.replay``, and vectorization is judged by ``ffnn.vectorization``, as the grader judges it.

    check = Checker("two_layer")
    check(backward_propagation)      # prints a line when every case passes, raises AnswerError otherwise
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .compare import AnswerError, compare, leaf, named_outputs
from .encoding import decode
from .replay import Replay, ReplayMismatch, replaced_globals
from .vectorization import calls_into, count_user_lines, delegation_message, loop_message, \
    source_vectorization_problem

__all__ = ["Checker", "Outcome", "run_case", "FIXTURES"]

FIXTURES = Path(__file__).with_name("fixtures")


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


def _parameters_problem(function, args) -> str | None:
    """Why ``function`` cannot take a case's arguments by name (a parameter renamed, missing or extra), or None."""
    try:
        signature = inspect.signature(function)
        signature.bind(**args)
    except ValueError:  # no signature to read (a builtin): let the call itself say what is wrong
        return None
    except TypeError:
        return (f"TypeError: its parameters must be named as in the exercise, ({', '.join(args)}); yours are "
                f"({', '.join(signature.parameters)}). Rename them (the tests pass every argument by name)")
    return None


def run_case(function, name, spec, case) -> Outcome:
    """Call ``function`` on one stored case, collaborators replaced by replays, warnings captured."""
    args = copy.deepcopy(case["args"])
    problem = _parameters_problem(function, args)
    if problem:
        return Outcome(error=problem)
    stand_ins = {helper: Replay(name, helper, spec["collaborators"][helper], decode(calls))
                 for helper, calls in case.get("calls", {}).items()}
    outcome = Outcome()
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn"), \
            replaced_globals(function, stand_ins):
        warnings.simplefilter("always")
        try:
            outcome.got = function(**args)
        except NotImplementedError:
            outcome.not_implemented = True
        except ReplayMismatch as mismatch:
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
        report = compare(named_outputs(got, outputs), named_outputs(case["expected"], outputs), m=case["m"],
                         name=outputs[0] if outputs and len(outputs) == 1 else "")
        if not report:
            named = self._mistake_lines(case, report, outputs)
            # a named mistake says more than a generic hint, and the two could disagree
            details = [line for line in report.lines if not (named and line.lstrip().startswith("Hint:"))]
            raise AnswerError("\n".join([header, *details, *notes, *named]))

    def _mistake_lines(self, case, report, outputs):
        """Name the catalogued mistakes whose output equals the student's at the first wrong place."""
        mine = leaf(report.got, report.parts)
        matches = []
        for mistake in case["mistakes"]:
            if mistake.get("output") is None:
                continue
            try:
                theirs = leaf(named_outputs(mistake["output"], outputs), report.parts)
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
