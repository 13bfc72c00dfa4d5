"""The checker: every catalogued mistake is named, correct alternatives pass, generic hints are right."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ffnn.check import Checker
from ffnn.compare import AnswerError, assert_close, compare
from ffnn.reference import two_layer
from ffnn.reference.fixtures import SUITES, reference_function
from ffnn.reference.local_grading import grade
from ffnn.reference.mistakes import CATALOGUE

CASES = [(suite, function, mistake)
         for suite in SUITES for function, mistakes in CATALOGUE[suite].items() for mistake in mistakes]


@pytest.fixture(scope="module")
def checkers():
    return {suite: Checker(suite) for suite in SUITES}


def test_fixtures_are_in_sync_with_the_reference(tmp_path):
    """The committed fixtures are exactly what the reference computes now."""
    result = subprocess.run([sys.executable, "-m", "ffnn.reference.fixtures", "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("suite", SUITES)
def test_reference_passes_every_case(suite, checkers):
    checker = checkers[suite]
    assert checker.functions, suite
    for name in checker.functions:
        # the reference is the one function allowed to be the reference
        assert checker(reference_function(suite, name), name, verbose=False, independent=False)


@pytest.mark.parametrize("suite,function,mistake", CASES, ids=[f"{s}.{f}.{m.name}" for s, f, m in CASES])
def test_each_catalogued_mistake_is_named(suite, function, mistake, checkers):
    for variant in mistake.variants:
        with np.errstate(all="ignore"), pytest.raises(AnswerError) as raised:
            checkers[suite](variant, function, verbose=False)
        assert mistake.message in str(raised.value)


def test_unanswered_stub_says_what_to_do(checkers):
    def backward_propagation(parameters, caches, X, Y):
        raise NotImplementedError()

    with pytest.raises(AnswerError, match=r"replace `raise NotImplementedError\(\)` with your code"):
        checkers["two_layer"](backward_propagation)


def backward_with_the_old_parameter_name(parameters, cache, X, Y):
    """Notebook 1's backward step as it was written before the course's one cache layout: ``cache``, not ``caches``."""
    return two_layer.backward_propagation(parameters, cache, X, Y)


def test_a_renamed_parameter_is_named_in_the_feedback(checkers):
    with pytest.raises(AnswerError) as raised:
        checkers["two_layer"](backward_with_the_old_parameter_name, "backward_propagation")
    message = str(raised.value)
    assert "parameters must be named as in the exercise, (parameters, caches, X, Y)" in message, message
    assert "yours are (parameters, cache, X, Y)" in message, message


def test_success_prints_one_line(checkers, capsys):
    checkers["deep"](reference_function("deep", "relu"), "relu", independent=False)
    assert capsys.readouterr().out.strip() == "relu: all 2 checks passed."


# Correct alternatives: every mathematically right route passes ----------------------------------------------------

def backward_with_tanh_of_Z(parameters, caches, X, Y):
    """Everything from the caches, by index (W2 too), and tanh' recomputed from Z1."""
    m = X.shape[1]
    Z1, A1, W2, A2 = caches[0][1][0], caches[0][1][1], caches[1][0][1], caches[1][1][1]
    dZ2 = A2 - Y
    dZ1 = np.dot(W2.T, dZ2) * (1 - np.tanh(Z1) ** 2)
    return {"dW1": np.dot(dZ1, X.T) / m, "db1": dZ1.sum(axis=1, keepdims=True) / m,
            "dW2": np.dot(dZ2, A1.T) / m, "db2": dZ2.sum(axis=1, keepdims=True) / m}


def backward_with_seed_convention(parameters, caches, X, Y):
    """1/m in dZ2 (the in-depth part of the notes) instead of in every dW and db."""
    m = X.shape[1]
    (_, (_, A1)), (_, (_, A2)) = caches
    dZ2 = (A2 - Y) / m
    dZ1 = parameters["W2"].T @ dZ2 * (1 - A1 * A1)
    return {"dW1": dZ1 @ X.T, "db1": np.sum(dZ1, axis=1, keepdims=True),
            "dW2": dZ2 @ A1.T, "db2": np.sum(dZ2, axis=1, keepdims=True)}


def tanh_backward_via_identity(dA, A):
    return dA * (1 - A) * (1 + A)


def softmax_via_logsumexp(Z):
    shifted = Z - np.max(Z, axis=0)
    return np.exp(shifted - np.log(np.sum(np.exp(shifted), axis=0)))


def softmax_backward_by_columns_einsum(dA, A):
    return A * dA - A * np.einsum("ij,ij->j", dA, A)


def relu_with_where(Z):
    return np.where(Z > 0, Z, 0.0)


def compute_cost_with_dot(A2, Y):
    m = Y.shape[1]
    return float(-(np.dot(Y, np.log(A2).T) + np.dot(1 - Y, np.log(1 - A2).T)).item() / m)


def binary_from_logits_by_cases(Z, Y):
    # log(1 + e^z) written piecewise, another stable route
    softplus = np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))
    return float(np.mean(softplus - Y * Z) * Z.shape[0])


def gradient_check_through_theta(cost_of, parameters, grads, eps=1e-7):
    """Notebook 5: one loop over the entries of theta, each probe rebuilt as a dict (the notebook's own route)."""
    keys = list(parameters)
    shapes = [parameters[k].shape for k in keys]
    theta = np.concatenate([parameters[k].ravel() for k in keys]).astype(np.float64)

    def as_dict(vector):
        pieces = np.split(vector, np.cumsum([int(np.prod(s)) for s in shapes])[:-1])
        return {k: piece.reshape(shape) for k, piece, shape in zip(keys, pieces, shapes)}

    estimate = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = eps
        estimate[i] = (cost_of(as_dict(theta + step)) - cost_of(as_dict(theta - step))) / 2 / eps
    numerical = as_dict(estimate)

    def relative(a, b):
        return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))

    errors = {f"d{k}": float(relative(grads[f"d{k}"], numerical[k])) for k in keys}
    analytic = np.concatenate([grads[f"d{k}"].ravel() for k in keys])
    return errors, float(relative(analytic, estimate))


def mini_batches_by_index(X, Y, batch_size, seed):
    order = np.random.default_rng(seed).permutation(X.shape[1])
    return [(X[:, order[k:k + batch_size]], Y[:, order[k:k + batch_size]])
            for k in range(0, X.shape[1], batch_size)]


def vector_to_parameters_with_split(theta, layer_dims):
    shapes = []
    for l in range(1, len(layer_dims)):
        shapes += [(f"W{l}", (layer_dims[l], layer_dims[l - 1])), (f"b{l}", (layer_dims[l], 1))]
    pieces = np.split(theta.ravel(), np.cumsum([r * c for _, (r, c) in shapes])[:-1])
    return {key: piece.reshape(shape) for (key, shape), piece in zip(shapes, pieces)}


def epoch_updating_copies(parameters, mini_batches, cost_and_grads, learning_rate):
    parameters = {k: v.copy() for k, v in parameters.items()}
    costs = []
    for X_batch, Y_batch in mini_batches:
        cost, grads = cost_and_grads(parameters, X_batch, Y_batch)
        costs.append(cost)
        for key in parameters:
            parameters[key] -= learning_rate * grads["d" + key]
    return parameters, costs


def l2_cost_with_frobenius_norms(parameters, lambd, m):
    weights = [v for k, v in parameters.items() if k[0] == "W"]
    return lambd / m / 2 * sum(np.linalg.norm(W, "fro") ** 2 for W in weights)


def choose_by_loops(accuracy, learning_rates, hidden_sizes):
    best = None
    for i, rate in enumerate(learning_rates):
        for j, size in enumerate(hidden_sizes):
            if best is None or accuracy["validation"][i, j] > best[0]:
                best = (accuracy["validation"][i, j], rate, size)
    return best[1], best[2]


# A table, one correct route per row: its rows share one shape on purpose (a duplicate-code finder pairs them).
ALTERNATIVES = [("two_layer", "backward_propagation", backward_with_tanh_of_Z),
                ("two_layer", "backward_propagation", backward_with_seed_convention),
                ("two_layer", "compute_cost", compute_cost_with_dot),
                ("activations", "tanh_backward", tanh_backward_via_identity),
                ("activations", "softmax", softmax_via_logsumexp),
                ("activations", "softmax_backward", softmax_backward_by_columns_einsum),
                ("deep", "relu", relu_with_where),
                ("costs", "binary_cross_entropy_from_logits", binary_from_logits_by_cases),
                ("capstone", "gradient_check", gradient_check_through_theta),
                ("capstone", "random_mini_batches", mini_batches_by_index),
                ("capstone", "vector_to_parameters", vector_to_parameters_with_split),
                ("capstone", "minibatch_epoch", epoch_updating_copies),
                ("capstone", "l2_cost", l2_cost_with_frobenius_norms),
                ("capstone", "choose_hyperparameters", choose_by_loops)]


@pytest.mark.parametrize("suite,function,alternative", ALTERNATIVES, ids=[a[2].__name__ for a in ALTERNATIVES])
def test_correct_alternatives_pass(suite, function, alternative, checkers):
    assert checkers[suite](alternative, function, verbose=False)


def test_two_mistakes_at_once_still_get_specific_feedback(checkers):
    def backward_propagation(parameters, caches, X, Y):
        grads = two_layer.backward_propagation(parameters, caches, X, Y)
        return {**grads, "dW1": grads["dW1"] * X.shape[1], "db2": grads["db2"].ravel()}

    with pytest.raises(AnswerError) as raised:
        checkers["two_layer"](backward_propagation)
    text = str(raised.value)
    assert "grads['dW1']" in text and "forgot the 1/m factor" in text


# compare(): generic hints -------------------------------------------------------------------------------------------

def test_compare_reports_shape_transpose_and_keepdims():
    expected = np.arange(6.0).reshape(2, 3)
    report = compare(expected.T, expected, name="dW")
    assert not report and "expected shape (2, 3), got (3, 2)" in report.text() and "transpose" in report.text()
    report = compare(np.ones(4), np.ones((4, 1)), name="db")
    assert "keepdims=True" in report.text()


def test_compare_reports_first_mismatch_and_errors():
    expected = np.zeros((2, 3))
    got = expected.copy()
    got[1, 2] = 0.5
    text = compare(got, expected, name="A").text()
    assert "1 of 6 entries differ" in text and "index (1, 2)" in text and "max absolute error 0.5" in text


def test_compare_reports_nan_and_inf():
    got = np.array([[1.0, np.nan, np.inf]])
    text = compare(got, np.ones((1, 3)), name="A").text()
    assert "contains NaN at index (0, 1)" in text and "2 non-finite" in text


def test_compare_reports_factors_and_signs():
    expected = np.array([[0.5, -1.0, 2.0]])
    assert "m = 4 times too large" in compare(expected * 4, expected, m=4).text()
    assert "applied twice" in compare(expected / 4, expected, m=4).text()
    assert "wrong sign" in compare(-expected, expected).text()


def test_compare_types():
    assert "Python number" in compare(np.array([[0.25]]), 0.25, name="cost").text()
    assert "got a list" in compare([1.0, 2.0], np.array([1.0, 2.0])).text()
    assert "missing key(s) ['db2']" in compare({"dW2": 1.0}, {"dW2": 1.0, "db2": 2.0}).text()
    assert compare({"a": (1, np.ones(2))}, {"a": (1, np.ones(2))})
    with pytest.raises(AnswerError, match="expected 3 items, got 2"):
        assert_close((1, 2), (1, 2, 3))


def test_compare_accepts_equal_values_of_other_numeric_dtypes():
    assert compare(np.array([[True, False]]), np.array([[1, 0]]))
    assert compare(np.array([[1.0, 0.0]]), np.array([[1, 0]]))
    assert not compare(np.array([[1, 1]]), np.array([[1, 0]]))


def test_wrong_number_of_outputs(checkers):
    def forward_propagation(X, parameters):
        return two_layer.forward_propagation(X, parameters)[0]

    with pytest.raises(AnswerError, match=r"must return 2 values \(A2, caches\), got one ndarray"):
        checkers["two_layer"](forward_propagation)


def test_warnings_in_student_code_are_reported_not_printed(checkers, capfd):
    def softmax(Z):
        E = np.exp(Z)
        return E / E.sum(axis=0, keepdims=True)

    with pytest.raises(AnswerError) as raised:
        checkers["activations"](softmax)
    assert "overflow" in str(raised.value) and "subtract each column's maximum" in str(raised.value)
    assert capfd.readouterr().err == ""


def test_unknown_suite_and_function():
    with pytest.raises(FileNotFoundError, match="available"):
        Checker("no_such_notebook")
    with pytest.raises(KeyError, match="has no cases for 'nope'"):
        Checker("costs")(lambda A, Y: 0.0, "nope")


def test_a_failed_check_shows_its_message_not_the_checkers_traceback(tmp_path):
    """In a real kernel (what the lab and Validate show), a wrong answer's error output is the checker's message:
    the named mistake, and no frame of the course package (ffnn/check.py, compare.py, ...)."""
    import nbformat

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grader"))
    import course

    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import numpy as np\nfrom ffnn.check import Checker\ncheck = Checker('two_layer')"),
        nbformat.v4.new_code_cell("def compute_cost(A2, Y):\n"
                                  "    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))"),
        nbformat.v4.new_code_cell("assert check(compute_cost)")])
    path = tmp_path / "wrong.ipynb"
    nbformat.write(notebook, path)
    ran = course.execute_allowing_errors(path, timeout=120)
    (error,) = [output for output in ran.cells[2].outputs if output.output_type == "error"]
    shown = "\n".join(error.traceback)
    assert shown.startswith("AnswerError: compute_cost: wrong result in case 1 of 2"), shown
    assert "Likely mistake" in shown and "AVERAGE over the m examples" in shown, shown
    assert "ffnn/" not in shown and "Traceback" not in shown, shown


def compute_cost_by_example(A2, Y):
    """Correct numbers, but a Python loop over the m examples."""
    total = 0.0
    for j in range(Y.shape[1]):
        total -= Y[0, j] * np.log(A2[0, j]) + (1 - Y[0, j]) * np.log(1 - A2[0, j])
    return float(total / Y.shape[1])


def test_the_visible_check_fails_a_loop_over_examples_as_the_grader_does(checkers):
    """What Validate says agrees with the grader: correct numbers from a loop over examples are not 'all passed'."""
    with pytest.raises(AnswerError, match="compute_cost is not vectorized over the examples: it ran"):
        checkers["two_layer"](compute_cost_by_example, "compute_cost", verbose=False)
    with pytest.raises(AnswerError, match="not vectorized"):
        grade("two_layer", compute_cost_by_example, "compute_cost", seed=1)


def test_the_visible_check_reads_the_code_for_loops_in_disguise(checkers, tmp_path):
    source = tmp_path / "answer.py"
    source.write_text("import numpy as np\n\ndef relu(Z):\n    return np.vectorize(np.maximum)(Z, 0.0)\n")
    namespace = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    with pytest.raises(AnswerError, match="np.vectorize"):
        checkers["deep"](namespace["relu"], "relu", verbose=False)



def test_the_visible_check_refuses_a_delegation_to_the_reference_as_the_grader_does(checkers):
    """A self-study clone has ffnn.reference importable; an answer that calls it passes no visible check either."""
    def compute_cost(A2, Y):
        from ffnn.reference import two_layer as answers
        return answers.compute_cost(A2, Y)
    with pytest.raises(AnswerError, match=r"compute_cost calls the reference implementation"):
        checkers["two_layer"](compute_cost, verbose=False)
    with pytest.raises(AnswerError, match=r"compute_cost calls the reference implementation"):
        grade("two_layer", compute_cost, seed=2)
