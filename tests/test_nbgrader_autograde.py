"""Plain `nbgrader autograde`, typed in the repository's root (what the formgrader's Autograde button runs too),
grades with the course's safe steps: every notebook's solution, blank version and a catalogued mistake, and the
hostile submissions that used to defeat it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from test_notebooks import ASSIGNMENTS, ROOT, course, nbgrader_meta

# Plain `nbgrader autograde` -------------------------------------------------------------------------------------------------

#: One catalogued mistake per notebook, as a student would write it: (answer cell, wrong source, test cell).
MISTAKES = {
    "01_two_layer_network": ("answer_backward_propagation", '''
def backward_propagation(parameters, caches, X, Y):
    """Forgets the 1/m of dW and db."""
    (_, (_, A1)), (_, (_, A2)) = caches
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
    "05_capstone": ("answer_l2_backward", '''
def l2_backward(grads, parameters, lambd, m):
    """Penalizes the biases too."""
    return {key: grads[key] + lambd / m * parameters[key[1:]] for key in grads}
''', "test_l2_backward", "the biases are not penalized"),
}


#: A wrong prediction whose author also replaced the visible check (notebook 2): the grader's verdict, made outside
#: the kernel, still fails it, and only it.
PATCHED_PREDICTION = ("02_l_layer_network", "answer_predict_parameter_count", '''
import ffnn.predictions
ffnn.predictions.check_prediction = check_prediction = lambda *args, **kwargs: True
predicted_parameter_count = 64 * 32 + 32 * 16 + 16 * 8 + 8   # forgets the biases
''', "test_predict_parameter_count")


def _submit(nb, destination, answer=None, carried_as_released=False):
    """Write a submission: ``nb`` without its provided demonstrations (nothing graded depends on them; nbval runs
    them), with ``answer`` = (grade_id, code) put in when given, and with its carry-over
    cells (an earlier notebook's answer, pasted by the student; graded there) left as released when asked."""
    import corpus
    nb = corpus.without_demonstrations(nb)
    if answer is not None:
        grade_id, code = answer
        next(c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id).source = code.strip()
    if carried_as_released:
        released = {nbgrader_meta(c).get("grade_id"): c.source for c in
                    nbformat.read(course.release_notebook(destination.parent.name), as_version=4).cells}
        for cell in nb.cells:
            if nbgrader_meta(cell).get("grade_id", "").startswith("carry_"):
                cell.source = released[nbgrader_meta(cell)["grade_id"]]
    destination.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, destination)


#: The notebook-1 submissions that attacked nbgrader's own Execute step (the formgrader's Autograde button ran it
#: with the instructor's rights), the kernel breaker and the forged metadata: graded here by plain nbgrader.
HOSTILE = ["attacks-files", "monkeypatch", "monkeypatch-correct", "exits-at-the-end", "reads-secrets",
           "breaks-messaging", "forged-metadata"]


def _nbgrader(arguments, env, cwd=ROOT):
    """Plain `nbgrader ...` typed in the repository's root: nbgrader finds the course's nbgrader_config.py there."""
    return subprocess.Popen([sys.executable, "-m", "nbgrader", *arguments], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def autograded(tmp_path_factory):
    """Every assignment graded by plain `nbgrader autograde` in the repository's root (so with the course's
    configuration: sandboxed execution, hidden tests judged outside the kernel), two assignments at a time, each
    with a gradebook of its own: for notebooks 2-5 the blank student version and the solution with one catalogued
    mistake (so every other cell shows the solution's full marks) with any carry-over cell left unanswered (notebook 1's are in make autograde's corpus,
    tests/test_grading_workflow.py), for notebook 1 the hostile submissions. Returns
    ({(assignment, student): {cell: (score, max)}}, roots, {student: corpus expectation})."""
    import corpus
    from test_grading_workflow import package_digest
    package_before = package_digest()
    roots, scores, outputs = {}, {}, {}
    hostile = {}
    pending = list(ASSIGNMENTS)
    running = {}
    while pending or running:
        while pending and len(running) < 2:
            assignment = pending.pop(0)
            root = tmp_path_factory.mktemp(f"nbgrader-{assignment}")
            roots[assignment] = root
            env = {**course.notebook_environment(), "FFNN_RELEASE": str(root / "release"),
                   "FFNN_SUBMITTED": str(root / "submitted"), "FFNN_AUTOGRADED": str(root / "autograded"),
                   "FFNN_FEEDBACK": str(root / "feedback"), "FFNN_GRADEBOOK_URL": f"sqlite:///{root}/gradebook.db"}
            submitted = root / "submitted"
            if assignment == corpus.ASSIGNMENT:  # its full, blank and mistaken versions are in make autograde's corpus
                hostile = corpus.build(submitted, gradebook_path=str(root / "gradebook.db"), only=HOSTILE,
                                       light=True)
            else:
                def source():
                    return nbformat.read(course.source_notebook(assignment), as_version=4)
                _submit(nbformat.read(course.release_notebook(assignment), as_version=4),
                        submitted / "blank" / assignment / f"{assignment}.ipynb")
                answer, code, _, _ = MISTAKES[assignment]
                # with the carry-over cells unanswered too: they cost nothing (only the catalogued mistake does)
                _submit(source(), submitted / "mistake" / assignment / f"{assignment}.ipynb", (answer, code),
                        carried_as_released=True)
                if assignment == PATCHED_PREDICTION[0]:
                    _submit(source(), submitted / "patched-prediction" / assignment / f"{assignment}.ipynb",
                            PATCHED_PREDICTION[1:3])
            script = (f"{sys.executable} -m nbgrader generate_assignment {assignment} --force && "
                      f"{sys.executable} -m nbgrader autograde {assignment} --force")
            running[assignment] = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env, text=True,
                                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for assignment, process in list(running.items()):
            if process.poll() is None:
                continue
            outputs[assignment] = process.stdout.read()
            del running[assignment]
            assert process.returncode == 0, outputs[assignment][-4000:]
        time.sleep(0.2)
    from nbgrader.api import Gradebook
    for assignment, root in roots.items():
        with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
            for submission in gradebook.find_assignment(assignment).submissions:
                notebook = submission.notebooks[0]
                scores[assignment, submission.student.id] = {grade.name: (grade.score, grade.max_score)
                                                             for grade in notebook.grades}
    return scores, roots, hostile, (package_before, package_digest())


@pytest.mark.parametrize("assignment", ASSIGNMENTS[1:])
def test_autograde_solution_scores_full_marks_on_every_cell_but_the_mistakes(assignment, autograded):
    """The graded part of the solution (no demonstrations, as the canary grades it: grader/canary.py), with one
    catalogued mistake: every other test cell has full marks."""
    scores = autograded[0]
    _, _, test_cell, _ = MISTAKES[assignment]
    cells = scores[assignment, "mistake"]
    others = {name: grade for name, grade in cells.items() if name != test_cell}
    assert len(others) >= 5 and all(score == maximum > 0 for score, maximum in others.values()), cells


@pytest.mark.parametrize("assignment", ASSIGNMENTS[1:])
def test_autograde_blank_student_version_scores_zero(assignment, autograded):
    scores = autograded[0]
    assert sum(score for score, _ in scores[assignment, "blank"].values()) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS[1:])
def test_autograde_one_mistake_loses_exactly_its_cell(assignment, autograded):
    scores, roots = autograded[:2]
    root = roots[assignment]
    _, _, test_cell, message = MISTAKES[assignment]
    cells = scores[assignment, "mistake"]
    lost = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert lost == {test_cell}, lost
    assert cells[test_cell][0] == 0
    graded = nbformat.read(root / "autograded" / "mistake" / assignment / f"{assignment}.ipynb", as_version=4)
    cell = next(c for c in graded.cells if nbgrader_meta(c).get("grade_id") == test_cell)
    assert message in json.dumps(cell.outputs), "the feedback does not name the mistake"


def test_a_wrong_prediction_fails_even_with_the_visible_check_replaced(autograded):
    scores, roots = autograded[:2]
    assignment, _, _, test_cell = PATCHED_PREDICTION
    cells = scores[assignment, "patched-prediction"]
    lost = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert lost == {test_cell}, lost
    graded = nbformat.read(roots[assignment] / "autograded" / "patched-prediction" / assignment / f"{assignment}.ipynb",
                           as_version=4)
    cell = next(c for c in graded.cells if nbgrader_meta(c).get("grade_id") == test_cell)
    shown = json.dumps(cell.outputs)
    assert "Think again" in shown and "2753" not in shown, shown


@pytest.mark.parametrize("student", HOSTILE)
def test_plain_nbgrader_autograde_grades_hostile_submissions_as_intended(student, autograded):
    """Under plain `nbgrader autograde` (what the formgrader's button runs), with the course's configuration, each
    hostile submission loses exactly the cells it deserves to lose, as under `make autograde`."""
    import corpus
    scores, roots, hostile, _ = autograded
    cells = scores[corpus.ASSIGNMENT, student]
    lost = {name for name, (score, maximum) in cells.items() if score < maximum}
    assert lost == hostile[student].lost, (lost, cells)
    graded = nbformat.read(roots[corpus.ASSIGNMENT] / "autograded" / student / corpus.ASSIGNMENT /
                           f"{corpus.ASSIGNMENT}.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in graded.cells])
    for text in hostile[student].leaks + hostile[student].output_leaks:
        assert text not in outputs, f"leaked into the autograded outputs: {text!r}"


def test_plain_nbgrader_autograde_keeps_the_gradebook_the_package_and_the_graders_home(autograded):
    """The submission that deletes the gradebook ran before the others, and every later grade is there; nothing
    wrote to the course package or to an IPython startup folder outside the sandbox."""
    import corpus
    scores, roots, _, (package_before, package_after) = autograded
    assert (roots[corpus.ASSIGNMENT] / "gradebook.db").is_file()
    assert {student for assignment, student in scores if assignment == corpus.ASSIGNMENT} >= set(HOSTILE)
    assert package_before == package_after, "a submission changed the course package"
    for home in {Path.home(), Path("/root")}:
        assert not (home / corpus.STARTUP_FILE).exists()


def test_plain_nbgrader_autograde_refuses_where_it_cannot_sandbox(tmp_path):
    """On a machine without bubblewrap (here: a PATH without it), plain `nbgrader autograde` refuses with a message
    naming `make autograde`, runs no student code and records no grade."""
    assignment = ASSIGNMENTS[0]
    submitted = tmp_path / "submitted" / "eve" / assignment
    submitted.mkdir(parents=True)
    marker = tmp_path / "student-code-ran"
    nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    nb.cells.insert(1, nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('ran')"))
    nbformat.write(nb, submitted / f"{assignment}.ipynb")
    env = {**course.notebook_environment(), "FFNN_RELEASE": str(tmp_path / "release"),
           "FFNN_SUBMITTED": str(tmp_path / "submitted"), "FFNN_AUTOGRADED": str(tmp_path / "autograded"),
           "FFNN_GRADEBOOK_URL": f"sqlite:///{tmp_path}/gradebook.db", "PATH": str(Path(sys.executable).parent)}
    for command in (["generate_assignment", assignment, "--force"], ["autograde", assignment, "--force"]):
        result = _nbgrader(command, env)
        output = result.communicate(timeout=600)[0]
    assert result.returncode != 0, output[-3000:]
    assert "'bwrap' is missing" in output and "make autograde" in output, output[-3000:]
    assert not marker.exists(), "student code ran although grading was refused"
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{tmp_path}/gradebook.db") as gradebook:
        submissions = gradebook.find_assignment(assignment).submissions
        assert all(grade.auto_score is None for s in submissions for n in s.notebooks for grade in n.grades)
