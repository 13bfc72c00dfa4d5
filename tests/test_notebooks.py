"""The notebooks: format, student versions in sync, nbval, nbgrader's Validator. (Graded by plain nbgrader:
test_nbgrader_autograde.py.)"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "grader"))
import course  # noqa: E402

ASSIGNMENTS = course.ASSIGNMENTS


def cells_of(path):
    return nbformat.read(path, as_version=4).cells


def nbgrader_meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_every_assignment_has_a_source_and_a_student_version():
    assert ASSIGNMENTS, "no assignments listed in grader/course.py"
    for assignment in ASSIGNMENTS:
        assert course.source_notebook(assignment).exists()
        assert course.release_notebook(assignment).exists(), f"run grader/course.py generate {assignment}"


# Format of the source notebooks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_follows_the_conventions(assignment):
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    ids = [nbgrader_meta(c).get("grade_id") for c in nb.cells if nbgrader_meta(c)]
    assert len(ids) == len(set(ids)), "duplicate grade_id"
    answers = [c for c in nb.cells if nbgrader_meta(c).get("solution")]
    tests = [c for c in nb.cells if nbgrader_meta(c).get("grade")]
    assert answers and tests
    for cell in answers:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, nbgrader_meta(cell)
    for cell in tests:
        meta = nbgrader_meta(cell)
        assert meta.get("locked") and meta.get("points", 0) > 0, meta
        tree = ast.parse(cell.source)
        assert isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant), \
            f"{meta['grade_id']} must start with a one-line docstring"
        assert isinstance(tree.body[-1], ast.Assert), f"{meta['grade_id']}: the last statement must be an assert"
        assert not any(isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)
                       for node in tree.body), f"{meta['grade_id']}: a bare expression would count as partial credit"
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"
        hidden = cell.source.split("### BEGIN HIDDEN TESTS")[1]
        assert "assert hidden_tests(" in hidden or "assert hidden_prediction(" in hidden, \
            f"{meta['grade_id']}: hidden tests go through ffnn.grading or ffnn.predictions"
    # hints are collapsed and progressive: each group is Hint 1, 2, 3 (idea, shapes, tools), in <details>
    groups = [re.findall(r"<details><summary>Hint (\d)", c.source) for c in nb.cells if c.cell_type == "markdown"]
    groups = [g for g in groups if g]
    assert len(groups) >= 3 and all(g == ["1", "2", "3"] for g in groups), groups
    assert not [c for c in nb.cells if c.cell_type == "markdown" and re.search(r"^\s*\*?\*?Hint\b", c.source, re.M)], \
        "a hint outside <details>"
    predictions = [c for c in tests if "assert hidden_prediction(" in c.source]
    assert len(predictions) >= 2, f"{assignment}: {len(predictions)} predict-then-run questions, at least 2 wanted"
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert "ffnn.reference" not in cell.source, \
            f"{nbgrader_meta(cell).get('grade_id')}: the reference is not in the grading sandbox"
        outputs = cell.get("outputs", [])
        assert not [o for o in outputs if o.get("name") == "stderr"], f"stderr in {nbgrader_meta(cell)}"
        assert not [o for o in outputs if o.output_type == "error"], f"error in {nbgrader_meta(cell)}"
        if any("image/png" in o.get("data", {}) for o in outputs):
            last = cell.source.strip().splitlines()[-1].strip()
            assert last == "plt.show()", f"plot cell {nbgrader_meta(cell).get('grade_id')} must end with plt.show()"
        for output in outputs:
            if output.output_type == "execute_result":
                assert "<Figure size" not in json.dumps(output.get("data", {})), "a figure's repr leaked"


def is_carry(cell):
    """A carry-over cell: the student pastes an answer graded in an earlier notebook (grade_id "carry_<function>")."""
    return nbgrader_meta(cell).get("grade_id", "").startswith("carry_")


def carried(assignment) -> list:
    """The carry-over cells of an assignment's source notebook."""
    return [c for c in cells_of(course.source_notebook(assignment)) if is_carry(c)]


CARRYING = [assignment for assignment in ASSIGNMENTS if carried(assignment)]


#: Graded functions whose final vectorized equation the prose does not write out: it derives the per-entry or
#: per-example form and names the tools (in collapsed hints), and the student vectorizes it.
DERIVED = {
    "01_two_layer_network": ["compute_cost", "backward_propagation", "predict"],
    "02_l_layer_network": ["relu", "sigmoid", "relu_backward", "sigmoid_backward", "compute_cost", "predict"],
    "03_activations": ["sigmoid_graph_backward", "tanh_graph_backward", "tanh_backward"],
    "04_costs": ["binary_cross_entropy", "binary_cross_entropy_seed", "categorical_cross_entropy",
                 "multilabel_cross_entropy", "mean_squared_error_seed", "mean_squared_error_sigmoid_dZ"],
    "05_capstone": ["gradient_check", "l2_cost", "l2_backward"],
}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_at_least_a_third_of_the_graded_functions_are_derived_by_the_student(assignment):
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    graded = []
    for number, cell in enumerate(nb.cells):
        if nbgrader_meta(cell).get("solution") and cell.source.lstrip().startswith("def ") and not is_carry(cell):
            graded.append((ast.parse(cell.source.split("### BEGIN SOLUTION")[0] + "\n    pass").body[0].name, number))
    names = [name for name, _ in graded]
    assert set(DERIVED[assignment]) <= set(names), set(DERIVED[assignment]) - set(names)
    assert 3 * len(DERIVED[assignment]) >= len(names), (len(DERIVED[assignment]), len(names))
    for name, number in graded:
        if name in DERIVED[assignment]:
            before = nb.cells[number - 1]
            assert before.cell_type == "markdown" and "<details><summary>Hint 1" in before.source, \
                f"{name}: the prose before its answer cell has no hints"


@pytest.mark.parametrize("assignment", CARRYING)
def test_a_carried_answer_is_an_earlier_notebooks_graded_function(assignment):
    """A carry_<function> cell is an ungraded, unlocked answer cell that defines exactly <function>, which an
    earlier notebook grades in its answer_<function> cell; no test cell of this notebook names it."""
    earlier = ASSIGNMENTS[:ASSIGNMENTS.index(assignment)]
    graded_before = {nbgrader_meta(c)["grade_id"]: c for a in earlier for c in cells_of(course.source_notebook(a))
                     if nbgrader_meta(c).get("grade_id", "").startswith("answer_")}
    tests = [c.source for c in cells_of(course.source_notebook(assignment)) if nbgrader_meta(c).get("grade")]
    for cell in carried(assignment):
        meta = nbgrader_meta(cell)
        name = meta["grade_id"][len("carry_"):]
        assert meta.get("solution") and not meta.get("grade") and not meta.get("locked"), meta
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source, meta
        tree = ast.parse(cell.source)
        assert [type(node).__name__ for node in tree.body] == ["FunctionDef"] and tree.body[0].name == name, \
            f"{meta['grade_id']} must define {name} and nothing else"
        assert f"answer_{name}" in graded_before, f"{name} is graded in no notebook before {assignment}"
        original = ast.parse(graded_before[f"answer_{name}"].source).body[0]
        assert ast.dump(tree.body[0].args) == ast.dump(original.args), f"{name} takes other arguments than it did"
        assert not [t for t in tests if re.search(rf"\b{name}\b", t)], f"a test cell of {assignment} uses {name}"


@pytest.mark.parametrize("assignment", CARRYING)
def test_a_carried_answer_left_unanswered_costs_no_points(assignment, tmp_path):
    """The solution with every carry-over cell as released (the stub): run top to bottom past errors, as nbgrader
    grades, every graded test cell passes; what fails is provided code that calls the carried function, with
    NotImplementedError."""
    source = nbformat.read(course.source_notebook(assignment), as_version=4)
    released = {nbgrader_meta(c).get("grade_id"): c for c in cells_of(course.release_notebook(assignment))}
    stubbed = []
    for cell in source.cells:
        if is_carry(cell):
            cell.source = released[nbgrader_meta(cell)["grade_id"]].source
            assert "raise NotImplementedError()" in cell.source
            stubbed.append(nbgrader_meta(cell)["grade_id"][len("carry_"):])
    path = tmp_path / f"{assignment}.ipynb"
    nbformat.write(source, path)
    failed = {}
    for cell in course.execute_allowing_errors(path).cells:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            failed[nbgrader_meta(cell).get("grade_id")] = (nbgrader_meta(cell), errors[0])
    assert failed, "no cell called the carried function: the carry-over cell is useless"
    for grade_id, (meta, error) in failed.items():
        assert meta.get("locked") and not meta.get("grade") and not meta.get("solution"), \
            f"{grade_id} failed, but only provided code may fail: {error.ename}: {error.evalue}"
        assert error.ename == "NotImplementedError", f"{grade_id}: {error.ename}: {error.evalue}"
        assert any(name in "".join(cell.source for cell in source.cells
                                   if nbgrader_meta(cell).get("grade_id") == grade_id) for name in stubbed)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_has_recorded_outputs(assignment):
    code = [c for c in cells_of(course.source_notebook(assignment)) if c.cell_type == "code" and c.source.strip()]
    assert all(c.execution_count for c in code), "outputs are not recorded: run grader/course.py record"
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), "recorded out of order or partially"


# Student versions ----------------------------------------------------------------------------------------------------

def test_student_versions_are_generated_and_in_sync(tmp_path):
    course.generate(ASSIGNMENTS, release_dir=tmp_path)
    for assignment in ASSIGNMENTS:
        fresh = json.loads(course.release_notebook(assignment, tmp_path).read_text())
        committed = json.loads(course.release_notebook(assignment).read_text())
        assert fresh == committed, (f"notebooks/{assignment} is not what nbgrader generates from solutions/: run "
                                    f"grader/course.py generate {assignment}")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_has_stubs_and_no_solutions_or_hidden_tests(assignment):
    text = course.release_notebook(assignment).read_text()
    assert "### BEGIN SOLUTION" not in text and "### BEGIN HIDDEN TESTS" not in text
    assert "ffnn.reference" not in text
    assert "raise NotImplementedError()" in text
    nb = nbformat.read(course.release_notebook(assignment), as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "student versions ship no outputs"


# nbval on the source notebooks ------------------------------------------------------------------------------------

def run_nbval(paths, cwd):
    """nbval on ``paths`` as CI runs it: the course's seeds and thread counts, the sanitize file, and printed
    numbers compared up to rounding (tests/nbval_rounding.py), since they were recorded on another CPU."""
    env = course.notebook_environment()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "tests"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "-p", "nbval_rounding",
         "-p", "no:cacheprovider", "-o", "addopts=", "-o", "filterwarnings=", "-q", *map(str, paths)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_source_notebooks_reproduce_their_outputs_under_nbval(tmp_path):
    result = run_nbval([course.source_notebook(a) for a in ASSIGNMENTS], tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


# nbgrader's Validator -----------------------------------------------------------------------------------------------

# That each source notebook passes all its tests is checked where it is graded: nbval above (its recorded outputs,
# which hold no error, are reproduced) and full marks from the real grader (the canary of every `make autograde`,
# test_nbgrader_autograde.py for plain nbgrader).


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_student_version_fails_every_graded_test_and_nothing_before(assignment, tmp_path):
    student = tmp_path / f"{assignment}.ipynb"
    shutil.copy(course.release_notebook(assignment), student)
    results = course.validate(student)
    failed = {cell["source"].split("\n", 1)[0] for cell in results.get("failed", [])}
    tests = [c for c in cells_of(student) if nbgrader_meta(c).get("grade")]
    assert len(results.get("failed", [])) == len(tests), (len(results.get("failed", [])), len(tests))
    for cell in tests:
        assert cell.source.split("\n", 1)[0] in failed
    for cell in results["failed"]:
        assert "replace `raise NotImplementedError()` with your code" in cell["error"], cell["error"][-600:]
        assert "ffnn/" not in cell["error"] and "Traceback" not in cell["error"], cell["error"][-600:]
    # that nothing fails before the first answer cell when a student runs it: tests/browser (Run All in JupyterLab)
