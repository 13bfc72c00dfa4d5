"""Is an answer vectorized, and is it the student's own? Judged the same way by the visible tests, the hidden
tests and the grader.

- ``count_user_lines`` / ``loop_message`` / ``assert_vectorized``: a vectorized function runs as many lines of
  Python for ``VECTORIZATION_SIZES[1]`` examples as for ``VECTORIZATION_SIZES[0]``; a loop over the examples does not.
- ``static_vectorization_problems`` / ``source_vectorization_problem``: loops that counting lines cannot see
  (``np.vectorize``, ``map``, ...) and tampering with the line counter, from the answer's source.
- ``calls_into`` / ``assert_independent``: an answer that calls the reference solutions.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import textwrap
import warnings

import numpy as np

from .compare import AnswerError

__all__ = ["VECTORIZATION_SIZES", "count_user_lines", "loop_message", "assert_vectorized",
           "static_vectorization_problems", "source_vectorization_problem", "calls_into", "delegation_message",
           "assert_independent"]


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
