"""The notebooks: format, student versions in sync, nbval, nbgrader's Validator, and a real autograde."""

from __future__ import annotations

import ast
import json
import os
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
        assert "assert hidden_tests(" in hidden, f"{meta['grade_id']}: hidden tests go through ffnn.grading"
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

def test_source_notebooks_reproduce_their_outputs_under_nbval(tmp_path):
    paths = [str(course.source_notebook(a)) for a in ASSIGNMENTS]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "--nbval-current-env", "--nbval-cell-timeout=300",
         "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"), "-p", "no:cacheprovider",
         "-o", "addopts=", "-o", "filterwarnings=", "-q", *paths],
        cwd=tmp_path, env=course.notebook_environment(), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout


# nbgrader's Validator -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_passes_all_its_tests(assignment):
    results = course.validate(course.source_notebook(assignment))
    assert not any(results.values()), json.dumps(results, indent=1)[:4000]


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
    # run it as a student would: nothing fails before the first answer cell
    run = course.execute_allowing_errors(student)
    first_answer = next(i for i, c in enumerate(run.cells) if nbgrader_meta(c).get("solution"))
    for cell in run.cells[:first_answer]:
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error" or o.get("name") == "stderr"]
        assert not errors, (nbgrader_meta(cell).get("grade_id"), errors)


# A real autograde -------------------------------------------------------------------------------------------------

#: One catalogued mistake per notebook, as a student would write it: (answer cell, wrong source, test cell).
MISTAKES = {
    "01_two_layer_network": ("answer_backward_propagation", '''
def backward_propagation(parameters, cache, X, Y):
    """Forgets the 1/m of dW and db."""
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T
    db2 = np.sum(dZ2, axis=1, keepdims=True)
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1 ** 2)
    dW1 = dZ1 @ X.T
    db1 = np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
''', "test_backward_propagation", "forgot the 1/m factor"),
    "02_l_layer_network": ("answer_linear_backward", '''
def linear_backward(dZ, cache):
    """Uses W instead of W.T for dA_prev."""
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W @ dZ
    return dA_prev, dW, db
''', "test_linear_backward", "needs W.T"),
    "03_activations": ("answer_tanh_backward", '''
def tanh_backward(dA, A):
    """Forgets to square A."""
    return dA * (1 - A)
''', "test_tanh_backward", "with A squared"),
    "04_costs": ("answer_categorical_cross_entropy_seed", '''
def categorical_cross_entropy_seed(A, Y):
    """Forgets the 1/m of the seed."""
    return -Y / A
''', "test_categorical_cross_entropy_seed", "the seed carries the 1/m"),
}


def _with_answer(source_path, grade_id, code, destination):
    nb = nbformat.read(source_path, as_version=4)
    cell = next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id)
    cell.source = code.strip()
    nbformat.write(nb, destination)


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """A temporary course: every assignment submitted as the full solution, the blank student version, and one
    catalogued mistake; autograded with nbgrader in-process. Returns {(assignment, student): {cell: score}}."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(ROOT / "solutions", root / "source")
    grader = course.api(**{"CourseDirectory.root": str(root), "CourseDirectory.source_directory": "source",
                           "CourseDirectory.release_directory": "release",
                           "CourseDirectory.submitted_directory": "submitted",
                           "CourseDirectory.autograded_directory": "autograded",
                           "CourseDirectory.feedback_directory": "feedback",
                           "CourseDirectory.db_url": f"sqlite:///{root}/gradebook.db"})
    scores = {}
    with course._environment(course.notebook_environment()):
        for assignment in ASSIGNMENTS:
            result = grader.generate_assignment(assignment)
            assert result["success"], result.get("error")
            submissions = {"full": root / "source" / assignment / f"{assignment}.ipynb",
                           "blank": root / "release" / assignment / f"{assignment}.ipynb"}
            for student, path in submissions.items():
                target = root / "submitted" / student / assignment
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target / path.name)
            answer, code, _, _ = MISTAKES[assignment]
            target = root / "submitted" / "mistake" / assignment
            target.mkdir(parents=True, exist_ok=True)
            _with_answer(submissions["full"], answer, code, target / f"{assignment}.ipynb")
            for student in ("full", "blank", "mistake"):
                result = grader.autograde(assignment, student)
                assert result["success"], result.get("error") or result.get("log")
        from nbgrader.api import Gradebook
        with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
            for assignment in ASSIGNMENTS:
                for student in ("full", "blank", "mistake"):
                    submission = gradebook.find_submission_notebook(assignment, assignment, student)
                    scores[assignment, student] = {grade.name: (grade.score, grade.max_score)
                                                   for grade in submission.grades}
    return scores, root


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_full_solution_scores_full_marks(assignment, autograded):
    scores, _ = autograded
    cells = scores[assignment, "full"]
    assert cells and all(score == maximum for score, maximum in cells.values()), cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_blank_student_version_scores_zero(assignment, autograded):
    scores, _ = autograded
    assert sum(score for score, _ in scores[assignment, "blank"].values()) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograde_one_mistake_loses_exactly_its_cell(assignment, autograded):
    scores, root = autograded
    _, _, test_cell, message = MISTAKES[assignment]
    cells = scores[assignment, "mistake"]
    lost = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert lost == {test_cell}, lost
    assert cells[test_cell][0] == 0
    graded = nbformat.read(root / "autograded" / "mistake" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in graded.cells if nbgrader_meta(c).get("grade_id") == test_cell)
    assert message in json.dumps(cell.outputs), "the feedback does not name the mistake"
