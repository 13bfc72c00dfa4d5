"""Hidden tests: a student's function against the reference on random shapes and seeds, at grading time.

    from ffnn.reference.grading import grade
    assert grade("two_layer", backward_propagation)

``grade`` runs, for one graded function:

1. random cases (shapes and seeds drawn afresh; collaborators replaced by the reference's own functions, so a
   mistake elsewhere in the notebook does not cost these points), compared with the reference by the same
   ``compare`` as the visible tests, naming a catalogued mistake when the output matches one;
2. the function's properties (e.g. a new seed gives new weights, softmax columns sum to 1);
3. for functions of the examples, that it is vectorized: it runs as many Python lines for 64 examples as for 8;
4. that it does not call the reference implementation.

It raises AnswerError (an AssertionError) with specific feedback, or returns True.
"""

from __future__ import annotations

import copy
import os
import warnings

import numpy as np

from .. import data
from ..compare import AnswerError, compare, leaf, named_outputs
from ..encoding import TEST_FUNCTIONS
from ..replay import replaced_globals
from ..vectorization import assert_vectorized, calls_into, delegation_message, source_vectorization_problem
from ..metrics import one_hot
from . import activations
from .fixtures import COLLABORATORS, reference_function
from .mistakes import mistakes_for

__all__ = ["grade", "random_arguments", "REFERENCE_DIRECTORY"]

REFERENCE_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


# Random arguments ------------------------------------------------------------------------------------------------

def _normal(rng, shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _binary(rng, shape):
    Y = (rng.uniform(size=shape) > 0.5).astype(float)
    Y.flat[0], Y.flat[-1] = 0.0, 1.0
    return Y


def _params(rng, dims, scale=0.5):
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = _normal(rng, (dims[l], dims[l - 1]), scale)
        parameters[f"b{l}"] = _normal(rng, (dims[l], 1), scale)
    return parameters


def _dims(rng, low=1, high=7, count=1):
    return [int(d) for d in rng.integers(low, high + 1, size=count)]


class _Sizes:
    """Layer sizes drawn once per trial, so that arguments for several m share them (vectorization check)."""

    def __init__(self, rng, trial=0):
        self.trial = trial  # alternates choices such as the activation from one trial to the next
        self.n_x, self.n_h = _dims(rng, 1, 6, 2)
        self.n_y = _dims(rng, 1, 3)[0]
        self.deep = [self.n_x] + _dims(rng, 1, 6, int(rng.integers(1, 4))) + [1]
        self.k = _dims(rng, 2, 6)[0]
        self.seed = int(rng.integers(2**31))


def _two_layer_arguments(name, sizes, m, rng):
    from . import two_layer
    n_x, n_h, n_y = sizes.n_x, sizes.n_h, sizes.n_y
    X = _normal(rng, (n_x, m))
    parameters = _params(rng, [n_x, n_h, n_y])
    if name == "layer_sizes":
        return {"X": X, "Y": _binary(rng, (n_y, m)), "n_h": n_h}
    if name == "initialize_parameters":
        return {"n_x": n_x, "n_h": n_h, "n_y": n_y, "seed": sizes.seed}
    if name == "forward_propagation":
        return {"X": X, "parameters": parameters}
    if name == "compute_cost":
        return {"A2": rng.uniform(0.02, 0.98, (1, m)), "Y": _binary(rng, (1, m))}
    if name == "backward_propagation":
        _, cache = two_layer.forward_propagation(X, parameters)
        return {"parameters": parameters, "cache": cache, "X": X, "Y": _binary(rng, (n_y, m))}
    if name == "update_parameters":
        grads = {f"d{k}": _normal(rng, v.shape) for k, v in parameters.items()}
        return {"parameters": parameters, "grads": grads, "learning_rate": float(rng.uniform(0.01, 2.0))}
    if name == "nn_model":
        X, Y = data.flower(m=m, seed=sizes.seed % 1000)
        return {"X": X, "Y": Y, "n_h": n_h, "num_iterations": 8, "learning_rate": 1.2, "seed": sizes.seed}
    if name == "predict":
        return {"parameters": _params(rng, [n_x, n_h, 1], 2.0), "X": X}
    raise KeyError(name)


def _deep_arguments(name, sizes, m, rng):
    from . import deep
    dims = sizes.deep
    n, n_prev = sizes.n_h, sizes.n_x
    A_prev, W, b = _normal(rng, (n_prev, m)), _normal(rng, (n, n_prev)), _normal(rng, (n, 1))
    activation = ["relu", "sigmoid"][sizes.trial % 2]
    if name in ("relu", "sigmoid", "relu_backward", "sigmoid_backward"):
        Z = _normal(rng, (n, m), 3.0)
        Z.flat[::5] = 0.0  # exact zeros: the ReLU-at-0 convention is part of the answer
        return {"relu": {"Z": Z}, "sigmoid": {"Z": Z}, "relu_backward": {"dA": _normal(rng, (n, m)), "Z": Z},
                "sigmoid_backward": {"dA": _normal(rng, (n, m)), "A": activations.sigmoid(Z)}}[name]
    if name == "layer_shapes":
        return {"layer_dims": dims, "m": m}
    if name == "initialize_parameters_deep":
        return {"layer_dims": dims, "seed": sizes.seed}
    if name == "linear_forward":
        return {"A_prev": A_prev, "W": W, "b": b}
    if name == "linear_activation_forward":
        return {"A_prev": A_prev, "W": W, "b": b, "activation": activation}
    if name == "L_model_forward":
        return {"X": _normal(rng, (dims[0], m)), "parameters": _params(rng, dims)}
    if name == "compute_cost":
        return {"AL": rng.uniform(0.02, 0.98, (1, m)), "Y": _binary(rng, (1, m))}
    if name == "linear_backward":
        return {"dZ": _normal(rng, (n, m)), "cache": (A_prev, W, b)}
    if name == "linear_activation_backward":
        _, cache = deep.linear_activation_forward(A_prev, W, b, activation)
        return {"dA": _normal(rng, (n, m)), "cache": cache, "activation": activation}
    if name == "L_model_backward":
        AL, caches = deep.L_model_forward(_normal(rng, (dims[0], m)), _params(rng, dims))
        return {"AL": AL, "Y": _binary(rng, (1, m)), "caches": caches}
    if name == "update_parameters":
        parameters = _params(rng, dims)
        grads = {f"d{k}": _normal(rng, v.shape) for k, v in parameters.items()}
        return {"parameters": parameters, "grads": grads, "learning_rate": float(rng.uniform(0.01, 1.0))}
    if name == "L_layer_model":
        X, Y = data.flower(m=m, seed=sizes.seed % 1000)
        return {"X": X, "Y": Y, "layer_dims": [2] + dims[1:], "learning_rate": 0.05, "num_iterations": 6,
                "seed": sizes.seed}
    if name == "predict":
        return {"parameters": _params(rng, dims, 2.0), "X": _normal(rng, (dims[0], m))}
    raise KeyError(name)


def _activations_arguments(name, sizes, m, rng):
    n = sizes.n_h
    Z = _normal(rng, (n, m), 3.0)
    Z.flat[::5] = 0.0  # exact zeros: the ReLU-at-0 convention is part of the answer
    dA = _normal(rng, (n, m))
    if name == "tanh":
        return {"Z": Z}
    if name in ("sigmoid_graph_backward", "tanh_graph_backward"):
        return {"Z": _normal(rng, (n, m), 2.0)}
    if name == "tanh_backward":
        return {"dA": dA, "A": np.tanh(Z)}
    if name == "softmax":
        big = _normal(rng, (sizes.k, m), 3.0)
        big[:, 0] += 900.0  # one column of huge logits: only the stable form survives it
        return {"Z": big}
    if name == "softmax_jacobian":
        column = activations.softmax(_normal(rng, (sizes.k, 1)))
        return {"a": column if sizes.trial % 2 else column[:, 0]}  # both accepted shapes, in turn
    if name == "softmax_backward":
        return {"dA": _normal(rng, (sizes.k, m)), "A": activations.softmax(_normal(rng, (sizes.k, m)))}
    if name == "numerical_gradient":
        shape = (sizes.n_x, min(m, 4))
        return {"f": TEST_FUNCTIONS["sin_times_x_squared"], "X": _normal(rng, shape), "dOut": _normal(rng, shape),
                "eps": 1e-4}
    raise KeyError(name)


def _costs_arguments(name, sizes, m, rng):
    k = sizes.k
    if name.startswith("binary"):
        rows = 1
    else:
        rows = k
    if name.endswith("_from_logits"):
        Z = _normal(rng, (rows, m), 4.0)
        Z[:, 0] = 900.0 * np.sign(_normal(rng, (rows,))) + 1.0  # saturated logits in one column
        Y = one_hot(rng.integers(0, rows, m), rows) if name.startswith("categorical") else _binary(rng, (rows, m))
        return {"Z": Z, "Y": Y}
    if name.startswith("categorical"):
        return {"A": activations.softmax(_normal(rng, (rows, m), 2.0)), "Y": one_hot(rng.integers(0, rows, m), rows)}
    return {"A": rng.uniform(0.02, 0.98, (rows, m)), "Y": _binary(rng, (rows, m))}


_ARGUMENTS = {"two_layer": _two_layer_arguments, "deep": _deep_arguments, "activations": _activations_arguments,
              "costs": _costs_arguments}

#: Functions of the examples, checked for vectorization (a loop over layers or iterations is allowed).
VECTORIZED = {
    "two_layer": {"forward_propagation", "compute_cost", "backward_propagation", "predict"},
    "deep": {"relu", "relu_backward", "sigmoid", "sigmoid_backward", "linear_forward", "linear_activation_forward",
             "L_model_forward", "compute_cost", "linear_backward", "linear_activation_backward", "L_model_backward",
             "predict"},
    "activations": {"sigmoid_graph_backward", "tanh", "tanh_graph_backward", "tanh_backward", "softmax",
                    "softmax_backward"},
    "costs": {"binary_cross_entropy", "binary_cross_entropy_seed", "categorical_cross_entropy",
              "categorical_cross_entropy_seed", "multilabel_cross_entropy", "multilabel_cross_entropy_seed",
              "output_layer_dZ", "mean_squared_error_seed", "mean_squared_error_sigmoid_dZ",
              "binary_cross_entropy_from_logits", "categorical_cross_entropy_from_logits",
              "multilabel_cross_entropy_from_logits"},
}


def random_arguments(suite, name, rng, m=None, sizes=None):
    """Random keyword arguments for one graded function: ``(arguments, m)``."""
    sizes = sizes or _Sizes(rng)
    m = m or int(rng.integers(3, 30))
    return _ARGUMENTS[suite](name, sizes, m, rng), m


# Properties beyond "equals the reference" -----------------------------------------------------------------------

def _property_initialization(function, name, sizes):
    """Same seed, same weights; another seed, other weights; biases zero; weights not all equal."""
    if name == "initialize_parameters":
        arguments = {"n_x": sizes.n_x, "n_h": max(sizes.n_h, 2), "n_y": sizes.n_y}
    else:
        arguments = {"layer_dims": sizes.deep}
    first = function(**arguments, seed=1)
    again = function(**arguments, seed=1)
    other = function(**arguments, seed=2)
    for key in first:
        if key.startswith("W"):
            if not np.array_equal(first[key], again[key]):
                raise AnswerError(f"{name}: the same seed must give the same {key}; use "
                                  f"np.random.default_rng(seed).")
            if np.array_equal(first[key], other[key]):
                raise AnswerError(f"{name}: a different seed must give a different {key}.")
            if first[key].size > 1 and np.all(first[key] == first[key].flat[0]):
                raise AnswerError(f"{name}: all entries of {key} are equal; symmetric weights never break "
                                  f"symmetry.")
        elif np.any(first[key] != 0):
            raise AnswerError(f"{name}: the biases start at zero, but {key} has non-zero entries.")


def _property_softmax(function, name, sizes):
    rng = np.random.default_rng(sizes.seed)
    A = function(Z=_normal(rng, (sizes.k, 9), 50.0))
    if not np.allclose(np.sum(A, axis=0), 1.0):
        raise AnswerError("softmax: every column of A must sum to 1.")


PROPERTIES = {
    ("two_layer", "initialize_parameters"): _property_initialization,
    ("deep", "initialize_parameters_deep"): _property_initialization,
    ("activations", "softmax"): _property_softmax,
}


# Grading ----------------------------------------------------------------------------------------------------------

def _reference_collaborators(suite, name):
    """Wrappers around the reference collaborators of ``name`` (the wrappers' code marks allowed calls)."""
    replacements = {}
    for helper in COLLABORATORS.get(suite, {}).get(name, []):
        reference = reference_function(suite, helper)

        def collaborator(*args, __reference=reference, **kwargs):
            return __reference(*args, **kwargs)
        collaborator.__name__ = helper
        replacements[helper] = collaborator
    return replacements, tuple(replacements.values())


def _outputs(suite, name):
    from ..check import Checker
    return Checker(suite).data["functions"][name].get("outputs")


def _mistake_names(suite, name, arguments, report, outputs, m):
    mine = leaf(report.got, report.parts)
    found = []
    for mistake in mistakes_for(suite, name):
        for variant in mistake.variants:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    theirs = leaf(named_outputs(variant(**copy.deepcopy(arguments)), outputs), report.parts)
            except Exception:  # noqa: BLE001 - a variant that cannot run on these shapes names nothing
                continue
            if compare(mine, theirs, m=m):
                found.append(mistake.message)
                break
    return found


def _mistakes_raising(suite, name, arguments, error):
    """The catalogued mistakes that raise the same error as the student's code on these arguments."""
    signature = f"{type(error).__name__}: {error}"
    found = []
    for mistake in mistakes_for(suite, name):
        for variant in mistake.variants:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    variant(**copy.deepcopy(arguments))
            except Exception as theirs:  # noqa: BLE001 - comparing errors is the point
                if f"{type(theirs).__name__}: {theirs}" == signature:
                    found.append(mistake.message)
                    break
    return found


def grade(suite, function, name=None, *, trials=4, seed=None, vectorized=None, independent=True):
    """Hidden tests of one graded function; raises AnswerError with feedback, returns True when all pass.

    ``independent=False`` skips the no-delegation check (for testing the grader with the catalogue's own
    mistakes, which live next to the reference).
    """
    name = name or function.__name__
    reference = reference_function(suite, name)
    outputs = _outputs(suite, name)
    master = np.random.default_rng(seed)
    replacements, allowed = _reference_collaborators(suite, name)
    for trial in range(1, trials + 1):
        rng = np.random.default_rng(master.integers(2**63))
        sizes = _Sizes(rng, trial)
        arguments, m = random_arguments(suite, name, rng, sizes=sizes)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            expected = reference(**copy.deepcopy(arguments))
            try:
                # callables passed as arguments (numerical_gradient's f) are the test's, not the answer's
                passed = tuple(v for v in arguments.values() if callable(v))
                with replaced_globals(function, replacements):
                    got, offenders = calls_into(function, copy.deepcopy(arguments), REFERENCE_DIRECTORY,
                                                allowed + passed)
            except NotImplementedError:
                raise AnswerError(f"{name} is not implemented yet: replace `raise NotImplementedError()` with your "
                                  f"code.") from None
            except AnswerError:
                raise
            except Exception as error:  # noqa: BLE001 - student code's error becomes feedback
                lines = [f"{name} raised {type(error).__name__}: {error}", f"  on a random case with m = {m}."]
                found = _mistakes_raising(suite, name, arguments, error)
                if found:
                    lines.append(f"Likely mistake: {found[0]}")
                raise AnswerError("\n".join(lines)) from error
        if offenders and independent:
            raise AnswerError(delegation_message(name, offenders))
        report = compare(named_outputs(got, outputs), named_outputs(expected, outputs), m=m,
                         name=outputs[0] if outputs and len(outputs) == 1 else "")
        if not report:
            lines = [f"{name}: wrong result on random case {trial} of {trials} (m = {m}).", *report.lines]
            found = _mistake_names(suite, name, arguments, report, outputs, m)
            if found:
                lines.append(f"Likely mistake: {found[0]}" if len(found) == 1 else
                             "Likely mistake, one of:\n" + "\n".join(f"  - {f}" for f in found))
            raise AnswerError("\n".join(lines))
    sizes = _Sizes(np.random.default_rng(master.integers(2**63)), trials)
    prop = PROPERTIES.get((suite, name))
    if prop is not None:
        prop(function, name, sizes)
    if vectorized if vectorized is not None else name in VECTORIZED.get(suite, ()):
        def make_arguments(m, _sizes=sizes):
            rng = np.random.default_rng(_sizes.seed)
            return random_arguments(suite, name, rng, m=m, sizes=_sizes)[0]
        with replaced_globals(function, replacements):
            assert_vectorized(function, make_arguments, name=name)
        problem = source_vectorization_problem(function, name)
        if problem:
            raise AnswerError(problem)
    return True
