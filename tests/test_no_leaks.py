"""No student-facing file released with notebook k shows a working answer to a graded function of notebook k or of
a later one. Everything a release ships is read: the student notebook (every cell and output) and the bundle's
package files, exactly as `build_bundle` packs them."""

from __future__ import annotations

import ast
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))

import course  # noqa: E402
import release  # noqa: E402
from ffnn.check import Checker  # noqa: E402
from ffnn.compare import AnswerError  # noqa: E402
from ffnn.reference.fixtures import SUITES  # noqa: E402
from ffnn.standins import STANDINS  # noqa: E402

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_names(assignment) -> set:
    """The functions defined in the answer cells of an assignment's source notebook: the ones it grades, and the
    ones its carry-over cells (grade_id "carry_<function>") ask the student to paste from the earlier notebook that
    graded them. A carried answer is forbidden in the carrying notebook's release too: it ships only the stub."""
    notebook = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
    names = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and _nbgrader(cell).get("solution"):
            names |= {node.name for node in ast.parse(_python("".join(cell["source"]))).body
                      if isinstance(node, ast.FunctionDef)}
    return names


def _python(source):
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def definitions(source) -> dict:
    """Names a piece of Python binds at any depth (def, assignment, import ... as), each with its node."""
    found = {}
    for node in ast.walk(ast.parse(_python(source))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                found[(alias.asname or alias.name).split(".")[0]] = node
    return found


def _is_stub(function) -> bool:
    body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return len(body) == 1 and isinstance(body[0], ast.Raise) and "NotImplementedError" in ast.unparse(body[0])


def notebook_leaks(text, forbidden) -> list:
    """Where a student notebook defines, imports or prints a name of ``forbidden`` other than as a stub."""
    problems = []
    for number, cell in enumerate(json.loads(text)["cells"]):
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            for name, node in definitions(source).items():
                if name in forbidden and not (_nbgrader(cell).get("solution") and isinstance(node, ast.FunctionDef)
                                              and _is_stub(node)):
                    problems.append(f"cell {number} binds {name} ({type(node).__name__}, line {node.lineno})")
        shown = source + "".join(json.dumps(output) for output in cell.get("outputs", []))
        if cell["cell_type"] == "markdown" or cell.get("outputs"):
            for name in sorted(forbidden):
                if re.search(rf"def\s+{name}\s*\(|{name}\s*=\s*lambda", shown):
                    problems.append(f"cell {number} shows a definition of {name}")
    return problems


def package_leaks(relative, text, forbidden) -> list:
    """Graded names bound by a package file (ffnn/standins.py is judged separately: it must not be correct)."""
    if relative == "ffnn/standins.py":
        return []
    return [f"{relative} binds {name} (line {node.lineno})" for name, node in definitions(text).items()
            if name in forbidden]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_release_shows_an_answer_of_its_own_or_a_later_notebook(assignment, tmp_path):
    later = ASSIGNMENTS[ASSIGNMENTS.index(assignment):]
    forbidden = set().union(*(graded_names(a) for a in later))
    assert forbidden, "no graded functions found: the scan would pass vacuously"
    bundle = release.build_bundle(assignment, tmp_path)
    problems, scanned = [], 0
    with zipfile.ZipFile(bundle) as archive:
        for name in archive.namelist():
            relative = name.split("/", 1)[1]
            if name.endswith(".ipynb"):
                problems += [f"{name}: {p}" for p in notebook_leaks(archive.read(name).decode(), forbidden)]
                scanned += 1
            elif name.endswith(".py"):
                problems += package_leaks(relative, archive.read(name).decode(), forbidden)
                scanned += 1
    assert scanned >= 5, f"only {scanned} files scanned in {bundle}"
    assert not problems, "\n".join(problems)


def test_each_bundle_ships_the_provided_modules_of_its_notebook_only(tmp_path):
    """ffnn/provided/ holds answers of earlier notebooks: each module ships from the notebook its SHIPPED_FROM
    names on (notebooks 1-3 get none, notebook 4 the activations and the network, notebook 5 also the tasks)."""
    shipped = {}
    for assignment in ASSIGNMENTS:
        with zipfile.ZipFile(release.build_bundle(assignment, tmp_path / assignment)) as archive:
            shipped[assignment] = sorted(n.rsplit("/", 1)[1] for n in archive.namelist()
                                         if "/ffnn/provided/" in n and not n.endswith("__init__.py"))
    assert shipped == {"01_two_layer_network": [], "02_l_layer_network": [], "03_activations": [],
                       "04_costs": ["activations.py", "network.py"],
                       "05_capstone": ["activations.py", "network.py", "tasks.py"]}, shipped


def test_the_scan_finds_a_provided_answer_and_an_imported_one():
    """The scan itself: a provided definition, an import alias and a printed definition are found; a stub is not."""
    notebook = {"cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True}}, "outputs": [],
         "source": "def relu(Z):\n    \"\"\"doc\"\"\"\n    raise NotImplementedError()\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "def relu_backward(dA, Z):\n    return dA\n"},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "from somewhere import tanh as sigmoid\n"},
        {"cell_type": "code", "metadata": {}, "source": "print(text)\n",
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "def softmax(Z):\n    return Z\n"}]}]}
    problems = notebook_leaks(json.dumps(notebook), {"relu", "relu_backward", "sigmoid", "softmax"})
    assert len(problems) == 3 and not any("binds relu " in p for p in problems), problems


def test_carried_answers_count_as_answers_of_the_carrying_notebook():
    """numerical_gradient, graded in notebook 3, is carried into notebook 4 (a carry_ cell): the scan forbids it
    in notebook 4's release, except as the stub."""
    carried = {}
    for assignment in ASSIGNMENTS:
        notebook = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
        carried[assignment] = {_nbgrader(c)["grade_id"][len("carry_"):] for c in notebook["cells"]
                               if _nbgrader(c).get("grade_id", "").startswith("carry_")}
    assert any(carried.values()), "no carry-over cell found: this test checks nothing"
    for assignment, names in carried.items():
        assert names <= graded_names(assignment), (assignment, names - graded_names(assignment))


def test_the_standins_in_the_student_package_are_not_answers():
    """ffnn/standins.py defines graded names on purpose (pseudo-random outputs of the right shapes for the hidden
    tests): none of them passes the visible checks of any notebook that grades that name."""
    checkers = {suite: Checker(suite) for suite in SUITES}
    judged = 0
    for functions in STANDINS.values():
        for name, function in functions.items():
            for suite, checker in checkers.items():
                if name in checker.functions:
                    with pytest.raises(AnswerError):
                        checker(function, name, verbose=False)
                    judged += 1
    assert judged >= 15, judged


def _solution_lines(source):
    """The lines of a solution worth hiding: code with some substance (not a return of names, not an unpacking)."""
    body = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
    lines = []
    for line in body.splitlines():
        code = line.split("#", 1)[0].strip()
        if "=" in code and not code.startswith("return"):
            code = code.split("=", 1)[1].strip()  # what is computed, whatever the student names it
        if code.startswith("return "):
            code = code[len("return "):]
        interface = (re.fullmatch(r"[\w.]+\([\w\s,=\"']*\)", code)  # a call with names only: an interface
                     or (re.fullmatch(r"[\w\s,\[\]()\"']*", code)  # names in tuples and lists: a layout,
                         and not re.search(r"\w\s*\(", code))          # as long as nothing is called
                     or code.startswith("print("))
        if len(code) >= 12 and any(ch in code for ch in "(*@/+-") and not interface:
            lines.append(re.sub(r"\s+", "", code))
    return lines


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_prose_hint_or_docstring_hands_over_a_line_of_the_solution(assignment):
    """Hints teach the idea, the shapes and the tools; no markdown cell and no docstring of an answer cell contains
    a computing line of that notebook's solutions (whitespace ignored)."""
    notebook = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
    answers = [c for c in notebook["cells"] if c["cell_type"] == "code" and _nbgrader(c).get("solution")]
    lines = {line for cell in answers for line in _solution_lines("".join(cell["source"]))}
    assert len(lines) >= 5, lines
    texts = [("markdown", "".join(c["source"])) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    for cell in answers:
        head = "".join(cell["source"]).split("### BEGIN SOLUTION")[0]
        if not head.lstrip().startswith("def "):
            continue  # a prediction: no docstring
        tree = ast.parse(_python(head + "\n    pass"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and ast.get_docstring(node):
                texts.append((f"docstring of {node.name}", ast.get_docstring(node)))
    found = [f"{where}: {line}" for where, text in texts for line in lines
             if line in re.sub(r"\s+", "", text)]
    assert not found, "\n".join(found)
