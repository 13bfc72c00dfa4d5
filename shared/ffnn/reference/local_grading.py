"""The hidden tests where there is no grader (an instructor's or CI's kernel: nbval, Validate in a clone with the
reference): the grader's own three steps, run in this process, judged by the grader's own verdict.

    from ffnn.reference.local_grading import grade
    assert grade("two_layer", backward_propagation)      # what ``ffnn.grading.hidden_tests`` does here

1. *cases*: ``ffnn.reference.cases.build`` draws the run's random cases and their answers;
2. *record*: ``ffnn.record.record_function`` runs the function on the cases, as the sandboxed kernel does (the
   record goes through JSON, as the kernel's file does);
3. *verdict*: ``ffnn.reference.verdict.verdict`` judges the record, with the function's own source read for loops
   in disguise.

One check only this process can make: that the function does not call the reference implementation (a grading
sandbox has no reference to call). Raises AnswerError with the verdict's feedback, or returns True.
"""

from __future__ import annotations

import inspect
import json
import os
import textwrap

from ..compare import AnswerError
from ..record import record_function
from ..vectorization import calls_into, delegation_message
from .cases import build, split
from .fixtures import COLLABORATORS
from .verdict import verdict

__all__ = ["grade", "REFERENCE_DIRECTORY"]

REFERENCE_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


def _source(function) -> list[str] | None:
    """The function's own code, for the verdict's static reading (None when Python cannot find it)."""
    try:
        return [textwrap.dedent(inspect.getsource(function))]
    except (OSError, TypeError):
        return None


def grade(suite, function, name=None, *, seed=None, independent=True):
    """The hidden tests of one graded function, judged here; raises AnswerError with feedback, else True.

    ``seed`` fixes the drawn cases (None: new ones each call, as each grading run has). ``independent=False`` skips
    the no-delegation check (for testing with the catalogue's own mistakes, which live next to the reference)."""
    name = name or function.__name__
    cases, answers = split(build(suite, [name], seed=seed))
    cases = json.loads(json.dumps(cases))  # what the kernel reads from the cases file
    if independent:
        # record_function lives outside the reference, so only what the answer calls from there counts; the
        # notebook's own collaborators (run once with the answer) answer for their own calls in their own cells
        namespace = getattr(function, "__globals__", {})
        own = tuple(namespace[helper] for helper in COLLABORATORS.get(suite, {}).get(name, [])
                    if callable(namespace.get(helper)))
        record, offenders = calls_into(record_function, {"document": cases, "suite": suite, "function": function,
                                                         "name": name}, REFERENCE_DIRECTORY, allowed=own)
        if offenders:
            raise AnswerError(delegation_message(name, offenders))
    else:
        record = record_function(cases, suite, function, name)
    passed, feedback = verdict(answers, name, json.loads(json.dumps(record)), _source(function),
                                defined_as=getattr(function, "__name__", name))
    if not passed:
        raise AnswerError(feedback)
    return True
