"""Step 3 of the hidden tests, *verdict*: outside the kernel, what the kernel recorded judged against the answers.

    passed, feedback = verdict(answers, "backward_propagation", record, sources)

``answers`` come from ``ffnn.reference.cases`` (step 1), ``record`` from ``ffnn.record`` (step 2, in the
sandboxed kernel). The judgement is the visible tests' own (``Checker.judge``): the same comparison, the same
named mistakes (the catalogue's outputs are computed here, only for a case that failed), the same vectorization
rule. Student code can change what its own functions return, which is exactly what is judged; it never sees the
answers.
"""

from __future__ import annotations

from ..check import Checker, Outcome
from ..compare import AnswerError
from ..encoding import decode
from ..vectorization import loop_message, static_vectorization_problems
from .fixtures import build_case

__all__ = ["verdict"]


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


def verdict(answers, name, record, sources=None, exclude=(), defined_as=None):
    """Judge the kernel's ``record`` of one function's hidden tests: ``(passed, feedback)``.

    ``sources``: the code cells the student wrote, read here (not in the kernel) for loops in disguise and
    tampering with the line counter (``ffnn.vectorization.static_vectorization_problems``; ``exclude``: the other graded
    functions; ``defined_as``: the name the function is defined under in ``sources``, when not ``name``)."""
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
        stored_case = spec["cases"][number - 1]
        try:
            checker.judge(name, number, case, outcome)
        except AnswerError:
            if _passes_directly(checker, name, number, case, stored_case, direct[number - 1]):
                continue
            # now that it failed, run the catalogue's mistakes on this case so the feedback can name one
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
        message = loop_message(name, lines)
        if message:
            return False, message
        problems = static_vectorization_problems(sources, name, exclude, defined_as) if sources else []
        if problems:
            return False, problems[0]
    return True, ""
