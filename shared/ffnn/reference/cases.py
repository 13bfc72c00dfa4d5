"""Step 1 of the hidden tests, *cases*: the inputs drawn for one grading run, and their answers.

    document = build("two_layer", ["backward_propagation"], seed=run_seed)
    cases, answers = split(document)     # cases: inputs only (the sandbox may read them); answers: kept outside

Every case has shapes and seeds drawn afresh (``random_arguments``), the reference's expected output (with the
collaborators replaced by ``ffnn.standins``, and for a function that calls others also with the real ones), and,
for a function of the examples, the inputs of the vectorization check. The next steps are ``ffnn.record`` (in the
kernel: what the student's function returns) and ``ffnn.reference.verdict`` (outside it: the score and the named
mistake).
"""

from __future__ import annotations

import copy

import numpy as np

from .. import data
from ..check import Checker
from ..encoding import TEST_FUNCTIONS
from ..metrics import one_hot
from . import activations
from .capstone import random_mini_batches
from .fixtures import COLLABORATORS, build_case, function_spec, sin_square_gradients, vectorization_runs

__all__ = ["build", "split", "random_arguments", "VECTORIZED", "Sizes"]


# Random arguments ------------------------------------------------------------------------------------------------


def normal(rng, shape, scale=1.0):
    return rng.standard_normal(shape) * scale


def _binary(rng, shape):
    Y = (rng.uniform(size=shape) > 0.5).astype(float)
    Y.flat[0], Y.flat[-1] = 0.0, 1.0
    return Y


def _params(rng, dims, scale=0.5):
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = normal(rng, (dims[l], dims[l - 1]), scale)
        parameters[f"b{l}"] = normal(rng, (dims[l], 1), scale)
    return parameters


def _dims(rng, low=1, high=7, count=1):
    return [int(d) for d in rng.integers(low, high + 1, size=count)]


class Sizes:
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
    X = normal(rng, (n_x, m))
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
        _, caches = two_layer.forward_propagation(X, parameters)
        return {"parameters": parameters, "caches": caches, "X": X, "Y": _binary(rng, (n_y, m))}
    if name == "update_parameters":
        grads = {f"d{k}": normal(rng, v.shape) for k, v in parameters.items()}
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
    A_prev, W, b = normal(rng, (n_prev, m)), normal(rng, (n, n_prev)), normal(rng, (n, 1))
    activation = ["relu", "sigmoid"][sizes.trial % 2]
    if name in ("relu", "sigmoid", "relu_backward", "sigmoid_backward"):
        Z = normal(rng, (n, m), 3.0)
        Z.flat[::5] = 0.0  # exact zeros: the ReLU-at-0 convention is part of the answer
        return {"relu": {"Z": Z}, "sigmoid": {"Z": Z}, "relu_backward": {"dA": normal(rng, (n, m)), "Z": Z},
                "sigmoid_backward": {"dA": normal(rng, (n, m)), "A": activations.sigmoid(Z)}}[name]
    if name == "layer_shapes":
        return {"layer_dims": dims, "m": m}
    if name == "initialize_parameters_deep":
        return {"layer_dims": dims, "seed": sizes.seed}
    if name == "linear_forward":
        return {"A_prev": A_prev, "W": W, "b": b}
    if name == "linear_activation_forward":
        return {"A_prev": A_prev, "W": W, "b": b, "activation": activation}
    if name == "L_model_forward":
        return {"X": normal(rng, (dims[0], m)), "parameters": _params(rng, dims)}
    if name == "compute_cost":
        return {"AL": rng.uniform(0.02, 0.98, (1, m)), "Y": _binary(rng, (1, m))}
    if name == "linear_backward":
        return {"dZ": normal(rng, (n, m)), "cache": (A_prev, W, b)}
    if name == "linear_activation_backward":
        _, cache = deep.linear_activation_forward(A_prev, W, b, activation)
        return {"dA": normal(rng, (n, m)), "cache": cache, "activation": activation}
    if name == "L_model_backward":
        AL, caches = deep.L_model_forward(normal(rng, (dims[0], m)), _params(rng, dims))
        return {"AL": AL, "Y": _binary(rng, (1, m)), "caches": caches}
    if name == "update_parameters":
        parameters = _params(rng, dims)
        grads = {f"d{k}": normal(rng, v.shape) for k, v in parameters.items()}
        return {"parameters": parameters, "grads": grads, "learning_rate": float(rng.uniform(0.01, 1.0))}
    if name == "L_layer_model":
        X, Y = data.flower(m=m, seed=sizes.seed % 1000)
        return {"X": X, "Y": Y, "layer_dims": [2] + dims[1:], "learning_rate": 0.05, "num_iterations": 6,
                "seed": sizes.seed}
    if name == "predict":
        return {"parameters": _params(rng, dims, 2.0), "X": normal(rng, (dims[0], m))}
    raise KeyError(name)


def _activations_arguments(name, sizes, m, rng):
    n = sizes.n_h
    Z = normal(rng, (n, m), 3.0)
    Z.flat[::5] = 0.0  # exact zeros: the ReLU-at-0 convention is part of the answer
    dA = normal(rng, (n, m))
    if name == "tanh":
        return {"Z": Z}
    if name in ("sigmoid_graph_backward", "tanh_graph_backward"):
        return {"Z": normal(rng, (n, m), 2.0)}
    if name == "tanh_backward":
        return {"dA": dA, "A": np.tanh(Z)}
    if name == "softmax":
        big = normal(rng, (sizes.k, m), 3.0)
        big[:, 0] += 900.0  # one column of huge logits: only the stable form survives it
        return {"Z": big}
    if name == "softmax_jacobian":
        column = activations.softmax(normal(rng, (sizes.k, 1)))
        return {"a": column if sizes.trial % 2 else column[:, 0]}  # both accepted shapes, in turn
    if name == "softmax_backward":
        return {"dA": normal(rng, (sizes.k, m)), "A": activations.softmax(normal(rng, (sizes.k, m)))}
    if name == "numerical_gradient":
        shape = (sizes.n_x, min(m, 4))
        return {"f": TEST_FUNCTIONS["sin_times_x_squared"], "X": normal(rng, shape), "dOut": normal(rng, shape),
                "eps": 1e-4}
    raise KeyError(name)


def _costs_arguments(name, sizes, m, rng):
    k = sizes.k
    if name.startswith("binary"):
        rows = 1
    else:
        rows = k
    if name.endswith("_from_logits"):
        Z = normal(rng, (rows, m), 4.0)
        Z[:, 0] = 900.0 * np.sign(normal(rng, (rows,))) + 1.0  # saturated logits in one column
        Y = one_hot(rng.integers(0, rows, m), rows) if name.startswith("categorical") else _binary(rng, (rows, m))
        return {"Z": Z, "Y": Y}
    if name.startswith("categorical"):
        return {"A": activations.softmax(normal(rng, (rows, m), 2.0)), "Y": one_hot(rng.integers(0, rows, m), rows)}
    return {"A": rng.uniform(0.02, 0.98, (rows, m)), "Y": _binary(rng, (rows, m))}


def _capstone_arguments(name, sizes, m, rng):
    dims = sizes.deep[:-1] + [sizes.n_y]
    parameters = _params(rng, dims)
    if name == "parameters_to_vector":
        return {"parameters": parameters}
    if name == "vector_to_parameters":
        size = sum(dims[l] * (dims[l - 1] + 1) for l in range(1, len(dims)))
        return {"theta": normal(rng, (size, 1)), "layer_dims": dims}
    if name == "gradient_check":
        small = _params(rng, dims[:3])  # at most two layers: two costs per entry
        wrong = () if sizes.trial % 2 else (f"W{len(dims[:3]) - 1}",)
        return {"cost_of": TEST_FUNCTIONS["sin_square_and_total"], "parameters": small,
                "grads": sin_square_gradients(small, wrong), "eps": 1e-5}
    X, Y = normal(rng, (sizes.n_x, m)), _binary(rng, (sizes.n_y, m))
    # two to four mini-batches whatever m: a loop over mini-batches is right, a loop over examples is not
    batch_size = max(2, m // int(rng.integers(2, 5)))
    if m % batch_size == 0:
        m -= 1  # a smaller last mini-batch in every case
        X, Y = X[:, :m], Y[:, :m]
    if name == "random_mini_batches":
        return {"X": X, "Y": Y, "batch_size": batch_size, "seed": sizes.seed}
    if name == "minibatch_epoch":
        start = {"W1": normal(rng, (sizes.n_x, 1)), "b1": normal(rng, (sizes.n_y, 1))}
        return {"parameters": start, "mini_batches": random_mini_batches(X, Y, batch_size, sizes.seed),
                "cost_and_grads": TEST_FUNCTIONS["centroid"], "learning_rate": float(rng.uniform(0.1, 0.9))}
    if name == "l2_cost":
        return {"parameters": parameters, "lambd": float(rng.uniform(0.1, 3.0)), "m": m}
    if name == "l2_backward":
        return {"grads": sin_square_gradients(parameters), "parameters": parameters,
                "lambd": float(rng.uniform(0.1, 3.0)), "m": m}
    if name == "choose_hyperparameters":
        rows, columns = sizes.k, sizes.k + 1 + sizes.trial % 2  # never square
        accuracy = {"train": rng.uniform(0.5, 1.0, (rows, columns)),
                    "validation": rng.uniform(0.5, 1.0, (rows, columns))}
        return {"accuracy": accuracy, "learning_rates": [float(v) for v in np.round(np.geomspace(0.01, 1, rows), 4)],
                "hidden_sizes": [int(2 ** (j + 2)) for j in range(columns)]}
    raise KeyError(name)


_ARGUMENTS = {"two_layer": _two_layer_arguments, "deep": _deep_arguments, "activations": _activations_arguments,
              "costs": _costs_arguments, "capstone": _capstone_arguments}


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
    "capstone": {"random_mini_batches"},
}


def random_arguments(suite, name, rng, m=None, sizes=None):
    """Random keyword arguments for one graded function: ``(arguments, m)``."""
    sizes = sizes or Sizes(rng)
    m = m or int(rng.integers(3, 30))
    return _ARGUMENTS[suite](name, sizes, m, rng), m


# The run's document ---------------------------------------------------------------------------------------------


def _outputs_of(suite, name):
    return Checker(suite).data["functions"][name].get("outputs")


def build(suite, names, *, seed, trials=4):
    """Random cases for ``names`` of ``suite``: the full document (answers included)."""
    master = np.random.default_rng(seed)
    functions = {}
    for name in names:
        stored_cases = []
        for trial in range(1, trials + 1):
            rng = np.random.default_rng(master.integers(2**63))
            sizes = Sizes(rng, trial)
            arguments, m = random_arguments(suite, name, rng, sizes=sizes)
            # the mistakes' outputs are computed only for a case that fails (verdict), not for every case
            case = {"label": f"random case {trial} of {trials}, m = {m}", "m": m, "args": arguments}
            stored, _ = build_case(suite, name, case, mistakes=False, standins=True)
            if COLLABORATORS.get(suite, {}).get(name):
                # a function that does its collaborators' work itself (a correct route too) is judged against
                # the reference with the real collaborators; this answer never enters the sandbox either
                direct, _ = build_case(suite, name, case, mistakes=False)
                stored["expected_direct"] = direct["expected"]
            stored_cases.append(stored)
        spec = function_spec(suite, name, _outputs_of(suite, name), stored_cases)
        if "collaborators" in spec:
            # the kernel replaces them by ffnn.standins; no recorded answers go into the sandbox
            spec["standins"] = sorted(spec.pop("collaborators"))
        if name in VECTORIZED.get(suite, ()):
            sizes = Sizes(np.random.default_rng(master.integers(2**63)), trials + 1)
            spec["vectorization"] = vectorization_runs(suite, name, sizes)
        functions[name] = spec
    return {"suite": suite, "functions": functions}


def split(document):
    """``(cases, answers)``: the document without expected outputs and mistakes (for the sandbox), and whole."""
    cases = copy.deepcopy(document)
    for spec in cases["functions"].values():
        for case in spec["cases"]:
            for key in ("expected", "expected_direct", "mistakes"):
                case.pop(key, None)
    return cases, document
