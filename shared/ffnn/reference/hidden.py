"""Hidden tests that a sandboxed kernel cannot subvert: inputs go in, outputs come out, the verdict is made here.

At grading time the grader (outside the sandbox) calls ``build`` for an assignment's graded functions with a seed
drawn for that run. It writes two documents:

- the *cases* (inputs only), which the sandbox may read;
- the *answers* (expected outputs, each catalogued mistake's output), which never enter the sandbox.

A function that calls other graded functions (``nn_model`` calls ``forward_propagation``, ...) runs twice per
case: once with its collaborators replaced by ``ffnn.standins`` (so a wrong collaborator costs only its own cell;
expected: the reference with the same stand-ins) and once with the notebook's own functions (so a function that
does the collaborators' work itself passes too; expected: the reference with the real collaborators). Either
run matching its expected output passes the case.

In the kernel, ``ffnn.grading.hidden_tests`` runs the student's function on the cases and writes what happened
(outputs, errors, warnings, and the lines of Python run for 8 and 64 examples). After the notebook ran,
``verdict`` judges those records against the answers with the same ``Checker.judge`` as the visible tests. Student
code can monkeypatch anything inside its kernel; it can only change what its own functions return, which is
exactly what is judged, and it never sees the expected values.
"""

from __future__ import annotations

import copy

import numpy as np

from ..check import Checker, Outcome
from ..compare import AnswerError
from ..encoding import decode
from ..vectorization import loop_message, static_vectorization_problems
from .fixtures import COLLABORATORS, build_case, function_spec, vectorization_runs
from .grading import VECTORIZED, _Sizes, random_arguments

__all__ = ["build", "verdict", "split"]


def _outputs_of(suite, name):
    return Checker(suite).data["functions"][name].get("outputs")


def build(suite, names, *, seed, trials=4):
    """Random cases for ``names`` of ``suite``: the full document (answers included)."""
    master = np.random.default_rng(seed)
    functions = {}
    for name in names:
        stored_cases = []
        for trial in range(1, trials + 1):
            rng = np.random.default_rng(master.integers(2**63))
            sizes = _Sizes(rng, trial)
            arguments, m = random_arguments(suite, name, rng, sizes=sizes)
            # the mistakes' outputs are computed only for a case that fails (verdict), not for every case
            case = {"label": f"random case {trial} of {trials}, m = {m}", "m": m, "args": arguments}
            stored, _ = build_case(suite, name, case, mistakes=False, standins=True)
            if COLLABORATORS.get(suite, {}).get(name):
                # a function that does its collaborators' work itself (a correct route too) is judged against
                # the reference with the real collaborators; this answer never enters the sandbox either
                direct, _ = build_case(suite, name, case, mistakes=False)
                stored["expected_direct"] = direct["expected"]
            stored_cases.append(stored)
        spec = function_spec(suite, name, _outputs_of(suite, name), stored_cases)
        if "collaborators" in spec:
            # the kernel replaces them by ffnn.standins; no recorded answers go into the sandbox
            spec["standins"] = sorted(spec.pop("collaborators"))
        if name in VECTORIZED.get(suite, ()):
            sizes = _Sizes(np.random.default_rng(master.integers(2**63)), trials + 1)
            spec["vectorization"] = vectorization_runs(suite, name, sizes)
        functions[name] = spec
    return {"suite": suite, "functions": functions}


def split(document):
    """``(cases, answers)``: the document without expected outputs and mistakes (for the sandbox), and whole."""
    cases = copy.deepcopy(document)
    for spec in cases["functions"].values():
        for case in spec["cases"]:
            for key in ("expected", "expected_direct", "mistakes"):
                case.pop(key, None)
    return cases, document


def _text(value, limit=2000):
    """A string from the kernel's record, bounded (None stays None)."""
    return None if value is None else str(value)[:limit]


def _outcome(stored):
    return Outcome(got=decode(stored["got"], untrusted=True) if "got" in stored else None,
                   error=_text(stored.get("error")), where=_text(stored.get("where", "")),
                   not_implemented=bool(stored.get("not_implemented")),
                   replay_mismatch=_text(stored.get("replay_mismatch", "")),
                   warnings=[_text(w) for w in stored.get("warnings", [])][:5])


def _passes_directly(checker, name, number, case, stored_case, stored):
    """Whether the run with the student's own collaborators matches the reference run with the real ones."""
    if "expected_direct" not in stored_case or not isinstance(stored, dict) or stored.get("unencodable"):
        return False
    try:
        checker.judge(name, number, {**case, "expected": decode(stored_case["expected_direct"])}, _outcome(stored))
    except AnswerError:
        return False
    return True


def verdict(answers, name, record, sources=None, exclude=()):
    """Judge the kernel's ``record`` of one function's hidden tests: ``(passed, feedback)``.

    ``sources``: the code cells the student wrote, read here (not in the kernel) for loops in disguise and
    tampering with the line counter (``ffnn.vectorization.static_vectorization_problems``; ``exclude``: the other graded
    functions)."""
    if record is None:
        return False, (f"{name}: the hidden tests did not record any result (the kernel stopped, or the test "
                       f"cell was changed).")
    checker = Checker.from_data(answers)
    spec = checker.spec(name)
    outcomes = record.get("outcomes", [])
    if len(outcomes) != len(spec["cases"]):
        return False, f"{name}: the hidden tests ran {len(outcomes)} of {len(spec['cases'])} cases."
    direct = record.get("direct")
    if not (isinstance(direct, list) and len(direct) == len(outcomes)):
        direct = [None] * len(outcomes)
    for number, (case, stored) in enumerate(zip(checker.cases(name), outcomes), start=1):
        if not isinstance(stored, dict):
            return False, f"{name}: the record of hidden case {number} is malformed."
        if stored.get("unencodable"):
            return False, (f"{name}: on hidden case {number} it returned {stored['unencodable']}, which is not "
                           f"what the function must return.")
        outcome = _outcome(stored)
        try:
            checker.judge(name, number, case, outcome)
        except AnswerError:
            if _passes_directly(checker, name, number, case, spec["cases"][number - 1], direct[number - 1]):
                continue
            # now that it failed, run the catalogue's mistakes on this case so the feedback can name one
            stored_case = spec["cases"][number - 1]
            full, _ = build_case(answers["suite"], name, {"label": stored_case["label"], "m": stored_case["m"],
                                                          "args": case["args"]}, standins="standins" in spec)
            case = {**case, "mistakes": [{**mk, "output": decode(mk["output"]) if "output" in mk else None}
                                         for mk in full["mistakes"]]}
            try:
                checker.judge(name, number, case, outcome)
            except AnswerError as error:
                return False, str(error)
            return False, f"{name}: wrong result on hidden case {number}."
    if "vectorization" in spec:
        lines = record.get("lines")
        if not (isinstance(lines, list) and len(lines) == 2 and all(type(n) is int and n >= 0 for n in lines)):
            return False, f"{name}: the vectorization check did not run to the end."
        if loop_message(name, lines):
            return False, loop_message(name, lines)
        problems = static_vectorization_problems(sources, name, exclude) if sources else []
        if problems:
            return False, problems[0]
    return True, ""

