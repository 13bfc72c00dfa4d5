"""Writes the checker's fixtures, ``shared/ffnn/fixtures/<suite>.json``, by running the reference.

One thing, at about 480 lines: the visible tests' cases, written from the reference (inputs per function,
expected outputs, recorded collaborator calls, the catalogue's outputs, the vectorization inputs).

    python -m ffnn.reference.fixtures            # rewrite the files
    python -m ffnn.reference.fixtures --check    # exit 1 if the committed files differ from a fresh run

``--check`` compares structure exactly and floats up to a relative 1e-9 (``ffnn.recorded``): the files are
written on one CPU and checked on others, whose BLAS results differ in the last bits.

Every input is drawn from a seeded generator, every expected output is computed by the reference function on
those inputs, and every catalogued mistake (mistakes/) is run on the same inputs. Shapes are chosen so that
mistakes show: m differs from every layer size (1/m and wrong-axis mistakes), one case per function has square
weights (so ``W`` instead of ``W.T`` gives wrong numbers instead of an error), ReLU inputs include exact zeros.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import inspect
import json
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np

from .. import data
from ..check import FIXTURES
from ..compare import compare
from ..encoding import TEST_FUNCTIONS, encode
from ..vectorization import VECTORIZATION_SIZES
from ..metrics import one_hot
from ..recorded import differences
from . import activations, capstone, costs, deep, gradcheck, two_layer
from .mistakes import mistakes_for

SUITES = ("two_layer", "deep", "activations", "costs", "capstone")


def _rng(seed):
    return np.random.default_rng(seed)


def _params(dims, seed, scale=0.5):
    rng = _rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * scale
        parameters[f"b{l}"] = rng.standard_normal((dims[l], 1)) * scale
    return parameters


def _binary(shape, seed):
    rng = _rng(seed)
    Y = (rng.uniform(size=shape) > 0.5).astype(float)
    Y.flat[0], Y.flat[-1] = 0.0, 1.0  # both classes present
    return Y


def _probabilities(shape, seed):
    return _rng(seed).uniform(0.05, 0.95, size=shape)


def _normal(shape, seed, scale=1.0):
    return _rng(seed).standard_normal(shape) * scale


def _case(label, m_examples, **args):
    """One case: ``m_examples`` (or None) lets the checker recognize "off by a factor m" mistakes."""
    return {"label": label, "m": m_examples, "args": args}


def _cost_cases(prediction, seeds):
    """compute_cost's cases in notebooks 1 (``A2``) and 2 (``AL``): m = 5 and m = 8, one seed each."""
    return (["cost"], [_case(f"m = {m}", m, **{prediction: _probabilities((1, m), seed), "Y": _binary((1, m), seed)})
                       for m, seed in zip((5, 8), seeds)])


# The cases of each function --------------------------------------------------------------------------------------

def _two_layer_cases():
    X1, X2 = _normal((2, 5), 1), _normal((3, 4), 2)
    p1, p2, p3 = _params([2, 4, 1], 3), _params([3, 3, 1], 4), _params([3, 3, 3], 5)
    _, caches1 = two_layer.forward_propagation(X1, p1)
    _, caches3 = two_layer.forward_propagation(X2, p3)
    Xf, Yf = data.flower(m=12, seed=3)
    grads1 = {f"d{k}": _normal(v.shape, 10 + i) for i, (k, v) in enumerate(p1.items())}
    return {
        "layer_sizes": (["n_x", "n_h", "n_y"], [
            _case("X (2, 7), Y (1, 7), n_h = 4", 7, X=_normal((2, 7), 6), Y=_binary((1, 7), 6), n_h=4),
            _case("X (5, 3), Y (2, 3), n_h = 6", 3, X=_normal((5, 3), 7), Y=_binary((2, 3), 7), n_h=6)]),
        "initialize_parameters": (["parameters"], [
            _case("n_x = 2, n_h = 4, n_y = 1, seed = 1", None, n_x=2, n_h=4, n_y=1, seed=1),
            _case("n_x = 3, n_h = 5, n_y = 2, seed = 7", None, n_x=3, n_h=5, n_y=2, seed=7)]),
        "forward_propagation": (["A2", "caches"], [
            _case("n_x = 2, n_h = 4, m = 5", 5, X=X1, parameters=p1),
            _case("n_x = 3, n_h = 3, m = 4 (square W1)", 4, X=X2, parameters=p2)]),
        "compute_cost": _cost_cases("A2", seeds=(8, 9)),
        "backward_propagation": (["grads"], [
            _case("n_x = 2, n_h = 4, n_y = 1, m = 5", 5, parameters=p1, caches=caches1, X=X1, Y=_binary((1, 5), 11)),
            _case("n_x = 3, n_h = 3, n_y = 3, m = 4 (square W2)", 4, parameters=p3, caches=caches3, X=X2,
                  Y=_binary((3, 4), 12))]),
        "update_parameters": (["parameters"], [
            _case("n_x = 2, n_h = 4, n_y = 1, learning_rate = 0.5", None, parameters=p1, grads=grads1,
                  learning_rate=0.5)]),
        "nn_model": (["parameters", "costs"], [
            _case("flower data, m = 12, n_h = 3, 6 iterations, seed = 2", 12, X=Xf, Y=Yf, n_h=3, num_iterations=6,
                  learning_rate=1.2, seed=2)]),
        "predict": (["predictions"], [
            _case("n_x = 2, n_h = 4, m = 10", 10, parameters=_params([2, 4, 1], 13, scale=2.0),
                  X=_normal((2, 10), 13))]),
    }


def _deep_cases():
    dims1, dims2 = [4, 5, 3, 1], [3, 3, 1]
    X1, X2 = _normal((4, 6), 21), _normal((3, 5), 22)
    p1, p2 = _params(dims1, 23), _params(dims2, 24)
    AL1, caches1 = deep.L_model_forward(X1, p1)
    AL2, caches2 = deep.L_model_forward(X2, p2)
    A_prev, W, b = _normal((3, 5), 25), _normal((2, 3), 26), _normal((2, 1), 27)
    A_sq, W_sq, b_sq = _normal((3, 5), 28), _normal((3, 3), 29), _normal((3, 1), 30)
    _, cache_relu = deep.linear_activation_forward(A_prev, W, b, "relu")
    _, cache_sigmoid = deep.linear_activation_forward(A_prev, W, b, "sigmoid")
    Xf, Yf = data.flower(m=12, seed=4)
    grads1 = {f"d{k}": _normal(v.shape, 40 + i) for i, (k, v) in enumerate(p1.items())}
    Z_zeros = _normal((3, 5), 51)
    Z_zeros[0, 1] = Z_zeros[2, 3] = Z_zeros[1, 4] = 0.0
    Z_sig = _normal((3, 4), 52, scale=3.0)
    return {
        "layer_shapes": (["shapes"], [
            _case("layer_dims = [5, 4, 3, 1], m = 10", 10, layer_dims=[5, 4, 3, 1], m=10),
            _case("layer_dims = [2, 3, 3], m = 7", 7, layer_dims=[2, 3, 3], m=7)]),
        "initialize_parameters_deep": (["parameters"], [
            _case("layer_dims = [5, 4, 3, 1], seed = 3", None, layer_dims=[5, 4, 3, 1], seed=3),
            _case("layer_dims = [3, 3, 2], seed = 0, scale = 0.01", None, layer_dims=[3, 3, 2], seed=0, scale=0.01)]),
        "linear_forward": (["Z", "cache"], [
            _case("A_prev (3, 5), W (2, 3)", 5, A_prev=A_prev, W=W, b=b),
            _case("A_prev (3, 5), W (3, 3) (square)", 5, A_prev=A_sq, W=W_sq, b=b_sq)]),
        "relu": (["A"], [
            _case("Z (3, 5) with exact zeros", 5, Z=Z_zeros),
            _case("Z (2, 6)", 6, Z=_normal((2, 6), 54))]),
        "relu_backward": (["dZ"], [
            _case("dA, Z (3, 5), Z has exact zeros", 5, dA=_normal((3, 5), 55), Z=Z_zeros)]),
        "sigmoid": (["A"], [
            _case("Z (3, 4)", 4, Z=Z_sig),
            _case("Z (2, 3), |Z| up to 30", 3, Z=np.array([[-30.0, 0.0, 30.0], [-2.0, 0.5, 7.0]]))]),
        "sigmoid_backward": (["dZ"], [
            _case("dA, A (3, 4)", 4, dA=_normal((3, 4), 56), A=activations.sigmoid(Z_sig))]),
        "linear_activation_forward": (["A", "cache"], [
            _case("relu, A_prev (3, 5), W (2, 3)", 5, A_prev=A_prev, W=W, b=b, activation="relu"),
            _case("sigmoid, A_prev (3, 5), W (2, 3)", 5, A_prev=A_prev, W=W, b=b, activation="sigmoid")]),
        "L_model_forward": (["AL", "caches"], [
            _case("layer_dims = [4, 5, 3, 1], m = 6", 6, X=X1, parameters=p1),
            _case("layer_dims = [3, 3, 1], m = 5", 5, X=X2, parameters=p2)]),
        "compute_cost": _cost_cases("AL", seeds=(31, 32)),
        "linear_backward": (["dA_prev", "dW", "db"], [
            _case("dZ (2, 5), W (2, 3)", 5, dZ=_normal((2, 5), 33), cache=(A_prev, W, b)),
            _case("dZ (3, 5), W (3, 3) (square)", 5, dZ=_normal((3, 5), 34), cache=(A_sq, W_sq, b_sq))]),
        "linear_activation_backward": (["dA_prev", "dW", "db"], [
            _case("relu, dA (2, 5)", 5, dA=_normal((2, 5), 35), cache=cache_relu, activation="relu"),
            _case("sigmoid, dA (2, 5)", 5, dA=_normal((2, 5), 36), cache=cache_sigmoid, activation="sigmoid")]),
        "L_model_backward": (["grads"], [
            _case("layer_dims = [4, 5, 3, 1], m = 6", 6, AL=AL1, Y=_binary((1, 6), 37), caches=caches1),
            _case("layer_dims = [3, 3, 1], m = 5", 5, AL=AL2, Y=_binary((1, 5), 38), caches=caches2)]),
        "update_parameters": (["parameters"], [
            _case("layer_dims = [4, 5, 3, 1], learning_rate = 0.1", None, parameters=p1, grads=grads1,
                  learning_rate=0.1)]),
        "L_layer_model": (["parameters", "costs"], [
            _case("flower data, m = 12, layer_dims = [2, 4, 3, 1], 6 iterations", 12, X=Xf, Y=Yf,
                  layer_dims=[2, 4, 3, 1], learning_rate=0.05, num_iterations=6, seed=5)]),
        "predict": (["predictions"], [
            _case("layer_dims = [4, 5, 1], m = 10", 10, parameters=_params([4, 5, 1], 39, scale=2.0),
                  X=_normal((4, 10), 39))]),
    }


def _activations_cases():
    Z_sig = _normal((3, 4), 52, scale=3.0)
    Z_soft = _normal((4, 5), 53, scale=2.0)
    Z_big = np.array([[1000.0, -1000.0, 5.0], [1001.0, -998.0, 3.0], [999.0, -999.0, 800.0]])
    A_soft = activations.softmax(Z_soft)
    return {
        "sigmoid_graph_backward": (["bars"], [
            _case("Z (3, 4)", 4, Z=_normal((3, 4), 81, scale=2.0)),
            _case("Z (1, 7) from -6 to 6", 7, Z=np.linspace(-6.0, 6.0, 7).reshape(1, -1))]),
        "tanh": (["A"], [_case("Z (3, 4)", 4, Z=Z_sig)]),
        "tanh_graph_backward": (["bars"], [
            _case("Z (3, 4)", 4, Z=_normal((3, 4), 82, scale=1.5)),
            _case("Z (1, 7) from -3 to 3", 7, Z=np.linspace(-3.0, 3.0, 7).reshape(1, -1))]),
        "tanh_backward": (["dZ"], [
            _case("dA, A (3, 4)", 4, dA=_normal((3, 4), 57), A=activations.tanh(Z_sig * 0.3))]),
        "softmax": (["A"], [
            _case("Z (4, 5)", 5, Z=Z_soft),
            _case("Z (3, 3) with entries near ±1000", 3, Z=Z_big)]),
        "softmax_jacobian": (["J"], [
            _case("a of shape (4,)", None, a=A_soft[:, 0].copy()),
            _case("a of shape (3, 1)", None, a=activations.softmax(_normal((3, 1), 58)))]),
        "softmax_backward": (["dZ"], [
            _case("dA, A (4, 5)", 5, dA=_normal((4, 5), 59), A=A_soft)]),
        "numerical_gradient": (["G"], [
            _case("f(X) = X**3, X (2, 3), eps = 1e-4", None, f=TEST_FUNCTIONS["cube"], X=_normal((2, 3), 60),
                  dOut=_normal((2, 3), 61), eps=1e-4),
            _case("f(X) = column sums of X**2, X (3, 2), dOut (1, 2)", None, f=TEST_FUNCTIONS["row_sums"],
                  X=_normal((3, 2), 62), dOut=_normal((1, 2), 63), eps=1e-4),
            _case("f(X) = X @ X, X (2, 2)", None, f=TEST_FUNCTIONS["matrix_square"], X=_normal((2, 2), 64),
                  dOut=_normal((2, 2), 65), eps=1e-4)]),
    }


def _costs_cases():
    A_soft = activations.softmax(_normal((4, 6), 71, scale=1.5))
    Y_soft = one_hot(_rng(72).integers(0, 4, 6), 4)
    Z_extreme = np.array([[-800.0, 800.0, 3.0, -2.0]])
    Z_extreme_multi = np.array([[-800.0, 800.0, 1.0], [700.0, -3.0, -750.0]])
    Z_cat_extreme = np.array([[900.0, -900.0, 1.0, 0.0], [-900.0, 900.0, 2.0, 0.5], [0.0, 0.0, -1.0, 800.0]])
    return {
        "binary_cross_entropy": (["J"], [
            _case("A, Y (1, 6)", 6, A=_probabilities((1, 6), 73), Y=_binary((1, 6), 73))]),
        "binary_cross_entropy_seed": (["dA"], [
            _case("A, Y (1, 6)", 6, A=_probabilities((1, 6), 74), Y=_binary((1, 6), 74))]),
        "categorical_cross_entropy": (["J"], [_case("A, Y (4, 6), one-hot Y", 6, A=A_soft, Y=Y_soft)]),
        "categorical_cross_entropy_seed": (["dA"], [_case("A, Y (4, 6), one-hot Y", 6, A=A_soft, Y=Y_soft)]),
        "multilabel_cross_entropy": (["J"], [
            _case("A, Y (3, 5)", 5, A=_probabilities((3, 5), 75), Y=_binary((3, 5), 75))]),
        "multilabel_cross_entropy_seed": (["dA"], [
            _case("A, Y (3, 5)", 5, A=_probabilities((3, 5), 76), Y=_binary((3, 5), 76))]),
        "output_layer_dZ": (["dZ"], [
            _case("A, Y (3, 5)", 5, A=_probabilities((3, 5), 77), Y=_binary((3, 5), 77))]),
        "mean_squared_error_seed": (["dA"], [
            _case("A, Y (3, 5)", 5, A=_probabilities((3, 5), 83), Y=_binary((3, 5), 83))]),
        "mean_squared_error_sigmoid_dZ": (["dZ"], [
            _case("A, Y (3, 5)", 5, A=_probabilities((3, 5), 84), Y=_binary((3, 5), 84)),
            _case("A, Y (1, 6)", 6, A=_probabilities((1, 6), 85), Y=_binary((1, 6), 85))]),
        "binary_cross_entropy_from_logits": (["J"], [
            _case("Z, Y (1, 6)", 6, Z=_normal((1, 6), 78, 3.0), Y=_binary((1, 6), 78)),
            _case("Z with entries ±800", 4, Z=Z_extreme, Y=np.array([[1.0, 0.0, 1.0, 0.0]]))]),
        "categorical_cross_entropy_from_logits": (["J"], [
            _case("Z, Y (4, 6)", 6, Z=_normal((4, 6), 79, 2.0), Y=Y_soft),
            _case("Z (3, 4) with entries ±900", 4, Z=Z_cat_extreme, Y=one_hot([1, 0, 2, 2], 3))]),
        "multilabel_cross_entropy_from_logits": (["J"], [
            _case("Z, Y (3, 5)", 5, Z=_normal((3, 5), 80, 3.0), Y=_binary((3, 5), 80)),
            _case("Z (2, 3) with entries up to ±800", 3, Z=Z_extreme_multi, Y=np.array([[1.0, 0, 1], [1, 0, 0]]))]),
    }


def sin_square_gradients(parameters, wrong=()):
    """The exact gradient of TEST_FUNCTIONS["sin_square_and_total"], with the keys in ``wrong`` off by 10%."""
    total = sum(np.sum(p) for p in parameters.values())
    return {f"d{k}": (np.cos(p) * p ** 2 + 2 * np.sin(p) * p + total) * (1.1 if k in wrong else 1.0)
            for k, p in parameters.items()}


def _capstone_cases():
    p1, p2 = _params([3, 2, 1], 90), _params([2, 3, 3, 2], 91)
    X7, Y7 = _normal((2, 7), 92), _binary((1, 7), 92)
    start = {"W1": _normal((2, 1), 93), "b1": _normal((1, 1), 94)}
    batches = capstone.random_mini_batches(X7, Y7, 3, seed=5)
    grid = {"train": np.array([[0.80, 0.92, 0.99], [0.85, 0.95, 1.00]]),
            "validation": np.array([[0.78, 0.84, 0.80], [0.88, 0.86, 0.81]])}
    cost_of = TEST_FUNCTIONS["sin_square_and_total"]
    return {
        "parameters_to_vector": (["theta"], [
            _case("layer_dims [3, 2, 1]", None, parameters=p1),
            _case("layer_dims [2, 3, 3, 2]", None, parameters=p2)]),
        "vector_to_parameters": (["parameters"], [
            _case("layer_dims [3, 2, 1], theta (11, 1)", None, theta=_normal((11, 1), 95), layer_dims=[3, 2, 1]),
            _case("layer_dims [2, 3, 3, 2], theta (29, 1)", None, theta=_normal((29, 1), 96),
                  layer_dims=[2, 3, 3, 2])]),
        "gradient_check": (["errors", "overall"], [
            _case("J = Σ sin(p) p² + ½ (Σ p)², layer_dims [3, 2, 1], exact grads, eps = 1e-5", None,
                  cost_of=cost_of, parameters=p1, grads=sin_square_gradients(p1), eps=1e-5),
            _case("J = Σ sin(p) p² + ½ (Σ p)², layer_dims [2, 3, 3, 2], dW2 10% too large, eps = 1e-5", None,
                  cost_of=cost_of, parameters=p2, grads=sin_square_gradients(p2, wrong=("W2",)), eps=1e-5)]),
        "random_mini_batches": (["mini_batches"], [
            _case("X (2, 7), Y (1, 7), batch_size = 3, seed = 5", 7, X=X7, Y=Y7, batch_size=3, seed=5),
            _case("X (3, 8), Y (2, 8), batch_size = 4, seed = 1", 8, X=_normal((3, 8), 97), Y=_binary((2, 8), 97),
                  batch_size=4, seed=1)]),
        "minibatch_epoch": (["parameters", "costs"], [
            _case("three mini-batches of X (2, 7), learning_rate = 0.5", None, parameters=start,
                  mini_batches=batches, cost_and_grads=TEST_FUNCTIONS["centroid"], learning_rate=0.5)]),
        "l2_cost": (["J_L2"], [
            _case("layer_dims [3, 2, 1], lambd = 0.7, m = 5", 5, parameters=p1, lambd=0.7, m=5),
            _case("layer_dims [2, 3, 3, 2], lambd = 2.0, m = 9", 9, parameters=p2, lambd=2.0, m=9)]),
        "l2_backward": (["grads"], [
            _case("layer_dims [3, 2, 1], lambd = 0.7, m = 5", 5, grads=sin_square_gradients(p1), parameters=p1,
                  lambd=0.7, m=5)]),
        "choose_hyperparameters": (["learning_rate", "n_h"], [
            _case("a 2 × 3 grid: learning rates 0.01, 0.1; hidden sizes 4, 16, 64", None, accuracy=grid,
                  learning_rates=[0.01, 0.1], hidden_sizes=[4, 16, 64])]),
    }


#: Graded functions that call other graded functions of their notebook (by those names, via the notebook's
#: globals). The checker replaces those collaborators by replays of the reference's recorded calls, and the
#: grader by the reference functions, so each mistake costs the points of its own function only.
COLLABORATORS = {
    "two_layer": {
        "nn_model": ["layer_sizes", "initialize_parameters", "forward_propagation", "compute_cost",
                     "backward_propagation", "update_parameters"],
        "predict": ["forward_propagation"],
    },
    "deep": {
        "linear_activation_forward": ["linear_forward", "relu", "sigmoid"],
        "L_model_forward": ["linear_activation_forward"],
        "linear_activation_backward": ["linear_backward", "relu_backward", "sigmoid_backward"],
        "L_model_backward": ["linear_activation_backward"],
        "L_layer_model": ["initialize_parameters_deep", "L_model_forward", "compute_cost", "L_model_backward",
                          "update_parameters"],
        "predict": ["L_model_forward"],
    },
}

CASES = {"two_layer": _two_layer_cases, "deep": _deep_cases, "activations": _activations_cases,
         "costs": _costs_cases, "capstone": _capstone_cases}
REFERENCE = {"two_layer": two_layer, "deep": deep, "activations": activations, "costs": costs, "capstone": capstone}


def reference_function(suite, name):
    """The reference implementation of a graded function."""
    if suite == "activations" and name == "numerical_gradient":
        return gradcheck.numerical_gradient
    return getattr(REFERENCE[suite], name)


def _quietly(function, args):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return function(**copy.deepcopy(args))


def collaborator_parameters(suite, name):
    """The parameter list of a collaborator, as stored for the checker's stand-ins."""
    parameters = []
    for parameter in inspect.signature(reference_function(suite, name)).parameters.values():
        entry = {"name": parameter.name}
        if parameter.default is not inspect.Parameter.empty:
            entry["default"] = encode(parameter.default)
        parameters.append(entry)
    return parameters


@contextlib.contextmanager
def recording(suite, names):
    """Record every call the reference makes to ``names`` (module-level functions of the suite's module)."""
    module = REFERENCE[suite]
    calls = {name: [] for name in names}
    originals = {name: getattr(module, name) for name in names}

    def recorder(name):
        original = originals[name]
        signature = inspect.signature(original)

        def record(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            arguments = copy.deepcopy(dict(bound.arguments))
            output = original(*args, **kwargs)
            calls[name].append({"args": arguments, "output": copy.deepcopy(output)})
            return output
        return record

    for name in names:
        setattr(module, name, recorder(name))
    try:
        yield calls
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


def _run_mistake(mistake, args):
    output, errors = None, []
    for variant in mistake.variants:
        try:
            result = _quietly(variant, args)
        except Exception as error:  # noqa: BLE001 - the error itself is what the checker recognizes
            errors.append(f"{type(error).__name__}: {error}")
        else:
            output = result if output is None else output
    return output, errors


@contextlib.contextmanager
def standing_in(suite, names):
    """Replace ``names`` of the suite's module by their stand-ins (ffnn.standins) while the block runs."""
    from ..standins import standins_for
    module = REFERENCE[suite]
    originals = {name: getattr(module, name) for name in names}
    for name, function in standins_for(suite, names).items():
        setattr(module, name, function)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(module, name, original)


def build_case(suite, name, case, mistakes=True, standins=False):
    """One stored case: its inputs, the reference's output and collaborator calls, and (unless ``mistakes`` is
    False) every catalogued mistake's output or error on the same inputs. Returns ``(stored, shown)`` with the
    names of the mistakes it shows.

    ``standins``: collaborators are replaced by ffnn.standins (hidden tests) instead of being recorded and
    replayed (visible tests, whose fixtures are public anyway)."""
    reference = reference_function(suite, name)
    helpers = COLLABORATORS.get(suite, {}).get(name, [])
    context = standing_in(suite, helpers) if standins else contextlib.nullcontext()
    with context:
        stored, shown = _build_case(suite, name, case, reference, [] if standins else helpers, mistakes)
    return stored, shown


def _build_case(suite, name, case, reference, helpers, mistakes):
    with recording(suite, helpers) as calls:
        expected = _quietly(reference, case["args"])
    stored_mistakes, shown = [], set()
    for mistake in mistakes_for(suite, name) if mistakes else ():
        output, errors = _run_mistake(mistake, case["args"])
        entry = {"name": mistake.name, "message": mistake.message}
        if output is not None and not compare(output, expected, m=case["m"]):
            entry["output"] = encode(output)
        if errors:
            entry["errors"] = errors
        if "output" in entry or "errors" in entry:
            stored_mistakes.append(entry)
            shown.add(mistake.name)
    stored = {"label": case["label"], "m": case["m"], "args": encode(case["args"]), "expected": encode(expected)}
    if mistakes:
        stored["mistakes"] = stored_mistakes
    if helpers:
        stored["calls"] = {helper: encode(calls[helper]) for helper in helpers if calls[helper]}
    return stored, shown


def function_spec(suite, name, outputs, stored_cases):
    """The stored description of one function: outputs' names, cases and (if any) collaborators' signatures."""
    spec = {"outputs": outputs, "cases": stored_cases}
    helpers = COLLABORATORS.get(suite, {}).get(name, [])
    if helpers:
        spec["collaborators"] = {h: collaborator_parameters(suite, h) for h in helpers}
    return spec


def vectorization_runs(suite, name, sizes=None):
    """Inputs for the vectorization check of a function of the examples: ``VECTORIZATION_SIZES`` examples, every
    other size the same (``sizes``; by default drawn from a seed of the function's name, for the visible check).
    Collaborators are ffnn.standins there, so no answers are stored. [] for a function not of the examples."""
    from .cases import VECTORIZED, Sizes, random_arguments
    if name not in VECTORIZED.get(suite, ()):
        return []
    sizes = sizes or Sizes(_rng(zlib.crc32(f"{suite}.{name}".encode())))
    runs = []
    for m in VECTORIZATION_SIZES:
        arguments, _ = random_arguments(suite, name, _rng(sizes.seed), m=m, sizes=sizes)
        runs.append({"label": f"m = {m}", "m": m, "args": encode(arguments)})
    return runs


def build_suite(suite):
    """The fixture content of one suite, as a JSON-able dict."""
    functions = {}
    for name, (outputs, cases) in CASES[suite]().items():
        stored_cases, shown = [], set()
        for case in cases:
            stored, seen = build_case(suite, name, case)
            stored_cases.append(stored)
            shown |= seen
        hidden = [m.name for m in mistakes_for(suite, name) if m.name not in shown]
        if hidden:
            raise RuntimeError(f"{suite}.{name}: no case shows the mistake(s) {hidden}; add a case that does.")
        functions[name] = function_spec(suite, name, outputs, stored_cases)
        runs = vectorization_runs(suite, name)
        if runs:
            functions[name]["vectorization"] = runs
    return {"suite": suite, "generated_by": "python -m ffnn.reference.fixtures", "functions": functions}


def render(content) -> str:
    return json.dumps(content, separators=(",", ":"), allow_nan=True) + "\n"


def stale_parts(path: Path, content) -> list:
    """What differs between the committed fixture file and a fresh run (``content``), beyond rounding."""
    if not path.exists():
        return ["the file is missing"]
    try:
        committed = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        return [f"not valid JSON ({error})"]
    return differences(committed, json.loads(render(content)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    parser.add_argument("--out", type=Path, default=FIXTURES, help="directory of the fixture files")
    options = parser.parse_args(argv)
    stale = []
    from .predictions import fixture as predictions_fixture
    documents = [(f"{suite}.json", lambda suite=suite: build_suite(suite)) for suite in SUITES]
    documents.append(("predictions.json", predictions_fixture))
    for filename, build in documents:
        content = build()
        text = render(content)
        path = options.out / filename
        if options.check:
            problems = stale_parts(path, content)
            if problems:
                stale.append(f"{path}:\n      " + "\n      ".join(problems))
        else:
            options.out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path} ({len(text) // 1024} KiB)")
    if stale:
        print("stale fixtures (run `python -m ffnn.reference.fixtures`):\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
