"""Every catalogued mistake and every correct alternative, through the path real grading takes.

The autograder does not judge in the kernel: the kernel runs ``ffnn.grading.hidden_tests`` on the cases of the
grading run and records what the student's function returned; ``ffnn.reference.verdict`` judges the record
outside. Here each catalogued mistake is submitted that way, written as a notebook function would be (its
collaborators looked up by name in the notebook's namespace, so the kernel's stand-ins replace them), and must fail
with its own message; each correct alternative must pass.
"""

import json
import types

import numpy as np
import pytest

from ffnn import grading
from ffnn.reference.mistakes import deep as deep_mistakes, two_layer as two_layer_mistakes
from ffnn.reference.cases import build, split
from ffnn.reference.verdict import verdict
from ffnn.reference.fixtures import COLLABORATORS, REFERENCE, SUITES, reference_function
from ffnn.reference.mistakes import CATALOGUE

MISTAKES = [(suite, name, mistake) for suite in SUITES for name, ms in CATALOGUE[suite].items() for mistake in ms]


class _Notebook(types.SimpleNamespace):
    """A reference module as a notebook sees it: names defined in the notebook win over the module's."""

    def __init__(self, namespace, module):
        super().__init__()
        object.__setattr__(self, "_namespace", namespace)
        object.__setattr__(self, "_module", module)

    def __getattribute__(self, attribute):
        namespace = object.__getattribute__(self, "_namespace")
        if attribute in namespace:
            return namespace[attribute]
        return getattr(object.__getattribute__(self, "_module"), attribute)


def as_notebook_function(suite, name, implementation, monkeypatch):
    """``implementation`` behind a function named ``name`` defined in a fresh 'notebook' namespace."""
    namespace = {"np": np, "__implementation": implementation}
    for helper in COLLABORATORS.get(suite, {}).get(name, []):
        namespace[helper] = reference_function(suite, helper)
    exec(f"def {name}(*args, **kwargs):\n    return __implementation(*args, **kwargs)\n", namespace)
    # notebook 1's and 2's catalogues make their mistakes calling the collaborators as two_layer.X and deep.X
    for catalogue, module_name in ((two_layer_mistakes, "two_layer"), (deep_mistakes, "deep")):
        monkeypatch.setattr(catalogue, module_name, _Notebook(namespace, REFERENCE[module_name]))
    return namespace[name]


def graded(suite, name, function, tmp_path, monkeypatch, seed):
    cases, answers = split(build(suite, [name], seed=seed))
    (tmp_path / "cases.json").write_text(json.dumps({suite: cases}))
    with monkeypatch.context() as kernel:
        kernel.setenv("FFNN_HIDDEN_CASES", str(tmp_path / "cases.json"))
        kernel.setenv("FFNN_HIDDEN_OUTPUT", str(tmp_path))
        student = as_notebook_function(suite, name, function, kernel)
        assert grading.hidden_tests(suite, student, name) is True
    record = json.loads(grading.output_path(tmp_path, suite, name).read_text())
    return verdict(answers, name, record)


@pytest.mark.parametrize("suite,name,mistake", MISTAKES, ids=[f"{s}.{n}.{m.name}" for s, n, m in MISTAKES])
def test_each_catalogued_mistake_fails_and_is_named(suite, name, mistake, tmp_path, monkeypatch):
    passed, message = graded(suite, name, mistake.variants[0], tmp_path, monkeypatch, seed=7)
    assert not passed, f"{suite}.{name}: the mistake {mistake.name!r} passed the hidden tests"
    assert mistake.message in message, message


@pytest.mark.parametrize("suite,name", [(s, n) for s in SUITES for n in CATALOGUE[s]],
                         ids=[f"{s}.{n}" for s in SUITES for n in CATALOGUE[s]])
def test_the_reference_written_in_a_notebook_passes(suite, name, tmp_path, monkeypatch):
    assert graded(suite, name, reference_function(suite, name), tmp_path, monkeypatch, seed=7) == (True, "")


def test_correct_alternatives_pass(tmp_path, monkeypatch):
    from test_check import ALTERNATIVES
    for suite, name, alternative in ALTERNATIVES + DEEP_ALTERNATIVES:
        assert graded(suite, name, alternative, tmp_path, monkeypatch, seed=11) == (True, ""), alternative.__name__


# Notebook 2: other correct routes -----------------------------------------------------------------------------------

def linear_backward_with_dot(dZ, cache):
    A_prev, W, _ = cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, dZ.sum(axis=1).reshape(-1, 1) / m


def L_model_backward_with_divide(AL, Y, caches):
    from ffnn.reference import deep
    grads = {}
    L = len(caches)
    dA = np.divide(1 - Y, 1 - AL) - np.divide(Y, AL)
    for l in reversed(range(1, L + 1)):
        dA, grads["dW" + str(l)], grads["db" + str(l)] = deep.linear_activation_backward(
            dA, caches[l - 1], "sigmoid" if l == L else "relu")
    return grads


def initialize_parameters_deep_by_zip(layer_dims, seed=0, scale="he"):
    rng = np.random.default_rng(seed)
    parameters = {}
    for l, (n_prev, n) in enumerate(zip(layer_dims[:-1], layer_dims[1:]), start=1):
        std = np.sqrt(2.0 / n_prev) if scale == "he" else scale
        parameters[f"W{l}"] = std * rng.standard_normal((n, n_prev))
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


DEEP_ALTERNATIVES = [("deep", "linear_backward", linear_backward_with_dot),
                     ("deep", "L_model_backward", L_model_backward_with_divide),
                     ("deep", "initialize_parameters_deep", initialize_parameters_deep_by_zip)]
