"""Notebook 2's catalogue of mistakes, ``DEEP_MISTAKES``: the L-layer network (ReLU hidden layers, sigmoid output,
caches ``((A_prev, W, b), (Z, A))``). Each table row names a mistake, says what a student reads, and makes it.

The functions that make the mistakes call the notebook's collaborators as ``deep.X``, looked up when they run, so
the catalogue's tests can put a notebook's own functions there.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .. import deep
from .common import Mistake, mistake, predicted_labels, textbook_sigmoid, training_loop
from .two_layer import TWO_LAYER_MISTAKES


def _layer_shapes(layer_dims, m, *, transposed_W=False, b_1d=False, Z_prev=False):
    shapes = {"A0": (layer_dims[0], m)}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        shapes[f"W{l}"] = (n_prev, n) if transposed_W else (n, n_prev)
        shapes[f"b{l}"] = (n,) if b_1d else (n, 1)
        shapes[f"Z{l}"] = (n_prev, m) if Z_prev else (n, m)
        shapes[f"A{l}"] = (n, m)
    return shapes


def _init_deep(layer_dims, seed=0, scale="he", *, rule="sqrt(2/n[l-1])", legacy=False):
    if scale != "he":
        return deep.initialize_parameters_deep(layer_dims, seed, scale)
    rng = np.random.default_rng(seed)
    if legacy:
        np.random.seed(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        s = {"sqrt(2/n[l-1])": np.sqrt(2 / n_prev), "1": 1.0, "sqrt(1/n[l-1])": np.sqrt(1 / n_prev),
             "sqrt(2/n[l])": np.sqrt(2 / n), "0.01": 0.01}[rule]
        draw = np.random.randn(n, n_prev) if legacy else rng.standard_normal((n, n_prev))
        parameters[f"W{l}"] = draw * s
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def _linear_forward(A_prev, W, b, *, bias=True, product="@"):
    if product == "W.T":
        Z = W.T @ A_prev
    elif product == "elementwise":
        Z = W * A_prev
    else:
        Z = W @ A_prev
    Z = Z + b if bias else Z
    return Z, (A_prev, W, b)


def _g(name):
    return {"relu": lambda Z: np.maximum(0, Z), "sigmoid": textbook_sigmoid}[name]


def _linear_activation_forward(A_prev, W, b, activation, *, swap=False, bias=True):
    used = {"relu": "sigmoid", "sigmoid": "relu"}[activation] if swap else activation
    Z, linear_cache = _linear_forward(A_prev, W, b, bias=bias)
    A = _g(used)(Z)
    return A, (linear_cache, (Z, A))


def _L_forward(X, parameters, *, hidden="relu", output="sigmoid", skip_last=False):
    L = len(parameters) // 2
    caches, A = [], X
    last = L - 1 if skip_last else L
    for l in range(1, last + 1):
        name = output if l == L else hidden
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = W @ A + b
        A_new = _g(name)(Z)
        caches.append(((A, W, b), (Z, A_new)))
        A = A_new
    return A, caches


def _linear_backward(dZ, cache, *, scale="1/m", transpose_W=True, product="@", db_axis=1, keepdims=True,
                     dW_order="dZ A.T", scale_dA=False):
    A_prev, W, _ = cache
    m = dZ.shape[1]
    s = {"1/m": 1.0 / m, "1": 1.0}[scale]
    if dW_order == "dZ A.T":
        dW = dZ @ A_prev.T * s
    else:
        dW = A_prev @ dZ.T * s
    db = np.sum(dZ, axis=db_axis, keepdims=keepdims) * s
    Wt = W.T if transpose_W else W
    dA_prev = Wt @ dZ if product == "@" else np.dot(Wt, dZ)
    if scale_dA:
        dA_prev = dA_prev / m
    return dA_prev, dW, db


def _activation_backward(dA, Z, A, activation, *, rule="correct"):
    if activation == "relu":
        # "at_Z" is no mistake for ReLU (its derivative is defined on Z); it only shows on sigmoid layers.
        rules = {"correct": dA * (Z > 0), "at_Z": dA * (Z > 0), "no_dA": (Z > 0) * 1.0, "g": dA * A,
                 "swap": dA * A * (1 - A)}
    else:
        rules = {"correct": dA * A * (1 - A), "at_Z": dA * Z * (1 - Z), "g": dA * A, "no_dA": A * (1 - A),
                 "swap": dA * (Z > 0)}
    return rules[rule]


def _linear_activation_backward(dA, cache, activation, *, rule="correct", scale="1/m"):
    linear_cache, (Z, A) = cache
    dZ = _activation_backward(dA, Z, A, activation, rule=rule)
    return _linear_backward(dZ, linear_cache, scale=scale)


def _L_backward(AL, Y, caches, *, seed_sign=1.0, seed_scale="1", output="sigmoid", hidden="relu"):
    m = AL.shape[1]
    grads = {}
    L = len(caches)
    dA = seed_sign * (-(Y / AL) + (1 - Y) / (1 - AL))
    if seed_scale == "1/m":
        dA = dA / m
    for l in range(L, 0, -1):
        name = output if l == L else hidden
        linear_cache, (Z, A) = caches[l - 1]
        dZ = _activation_backward(dA, Z, A, name)
        dA, grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(dZ, linear_cache)
    return grads


def _L_layer_model(X, Y, layer_dims, learning_rate=0.0075, num_iterations=3000, seed=0, print_cost=False, *,
                   fixed_seed=False, record_after=False):
    parameters = deep.initialize_parameters_deep(layer_dims, 0 if fixed_seed else seed)
    return training_loop(deep.L_model_forward, deep.compute_cost,
                         lambda AL, caches, _: deep.L_model_backward(AL, Y, caches),
                         deep.update_parameters, parameters, X, Y, num_iterations, learning_rate, record_after)


def _predict_deep(parameters, X, **how):
    return predicted_labels(deep.L_model_forward(X, parameters)[0], **how)


DEEP_MISTAKES = {
    "layer_shapes": [
        mistake("W_transposed", "W[l] has shape (n[l], n[l-1]): one row per unit of layer l, one column per "
                "input from layer l-1.", partial(_layer_shapes, transposed_W=True)),
        mistake("b_1d", "b[l] is a column of shape (n[l], 1), broadcast over the m examples.",
                partial(_layer_shapes, b_1d=True)),
        mistake("Z_prev", "Z[l] = W[l] A[l-1] + b[l] has one row per unit of layer l: shape (n[l], m).",
                partial(_layer_shapes, Z_prev=True)),
    ],
    "initialize_parameters_deep": [
        mistake("no_scale", "He initialization multiplies the standard normal draws by sqrt(2 / n[l-1]).",
                partial(_init_deep, rule="1")),
        mistake("xavier", "He initialization uses sqrt(2 / n[l-1]), not sqrt(1 / n[l-1]).",
                partial(_init_deep, rule="sqrt(1/n[l-1])")),
        mistake("fan_out", "the He scale uses the number of INPUTS to the layer, n[l-1], not n[l].",
                partial(_init_deep, rule="sqrt(2/n[l])")),
        mistake("small", "with scale='he' the weights are He-scaled, sqrt(2 / n[l-1]), not 0.01.",
                partial(_init_deep, rule="0.01")),
        mistake("legacy_rng", "use rng = np.random.default_rng(seed) and rng.standard_normal(shape), not the "
                "global np.random.randn.", partial(_init_deep, legacy=True)),
    ],
    "linear_forward": [
        mistake("no_bias", "Z = W A_prev + b: the bias is missing (eq. 1).", partial(_linear_forward, bias=False)),
        mistake("W_transposed", "Z = W @ A_prev: W is (n[l], n[l-1]) and A_prev is (n[l-1], m), no transpose "
                "(eq. 1).", partial(_linear_forward, product="W.T")),
        mistake("elementwise", "use the matrix product W @ A_prev, not W * A_prev (eq. 1).",
                partial(_linear_forward, product="elementwise")),
    ],
    "linear_activation_forward": [
        mistake("swapped", "the activation argument chooses g: 'relu' gives max(0, Z) (eq. 7), 'sigmoid' gives "
                "1/(1 + exp(-Z)) (eq. 9).", partial(_linear_activation_forward, swap=True)),
        mistake("no_bias", "Z = W A_prev + b: the bias is missing (eq. 1).",
                partial(_linear_activation_forward, bias=False)),
    ],
    "L_model_forward": [
        mistake("sigmoid_everywhere", "layers 1..L-1 use ReLU; only layer L uses sigmoid.",
                partial(_L_forward, hidden="sigmoid")),
        mistake("relu_output", "the output layer L uses sigmoid, so AL holds probabilities.",
                partial(_L_forward, output="relu")),
        mistake("missing_layer", "the loop must run over all L layers (range(1, L + 1) with 1-based names).",
                partial(_L_forward, skip_last=True)),
    ],
    "compute_cost": [Mistake(m.name, m.message.replace("A2", "AL"), tuple(
        (lambda variant: lambda AL, Y: variant(AL, Y))(v) for v in m.variants))
        for m in TWO_LAYER_MISTAKES["compute_cost"]],
    "linear_backward": [
        mistake("forgot_1_over_m", "forgot the 1/m in dW and db: dW = (1/m) dZ A_prev^T, db = (1/m) Σ_axis1 dZ "
                "(eqs. 4', 5').", partial(_linear_backward, scale="1")),
        mistake("W_not_transposed", "dA_prev = W^T dZ needs W.T (eq. 6).",
                partial(_linear_backward, transpose_W=False), partial(_linear_backward, transpose_W=False,
                                                                      product="dot")),
        mistake("db_keepdims", "db keeps its column shape: np.sum(dZ, axis=1, keepdims=True) / m (eq. 5').",
                partial(_linear_backward, keepdims=False)),
        mistake("db_axis", "db sums over the examples, the columns: axis=1, not axis=0 (eq. 5').",
                partial(_linear_backward, db_axis=0)),
        mistake("dW_transposed", "dW = (1/m) dZ A_prev^T has W's shape (n[l], n[l-1]); A_prev @ dZ.T is its "
                "transpose (eq. 4').", partial(_linear_backward, dW_order="A dZ.T")),
        mistake("dA_scaled", "only dW and db get the 1/m; dA_prev = W^T dZ has none (eq. 6).",
                partial(_linear_backward, scale_dA=True)),
    ],
    "linear_activation_backward": [
        mistake("sigmoid_at_Z", "sigmoid'(Z) = A (1 - A) with A = sigmoid(Z) from the cache; Z (1 - Z) evaluates "
                "the formula at the wrong point (eq. 10).", partial(_linear_activation_backward, rule="at_Z")),
        mistake("g_instead_of_g_prime", "multiply dA by the derivative g'(Z), not by the activation A = g(Z) "
                "(eq. 3).", partial(_linear_activation_backward, rule="g")),
        mistake("no_dA", "dZ = dA ⊙ g'(Z): the upstream gradient dA is missing (eq. 3).",
                partial(_linear_activation_backward, rule="no_dA")),
        mistake("swapped", "the derivative must match the activation: I(Z > 0) for 'relu' (eq. 8), A (1 - A) for "
                "'sigmoid' (eq. 10).", partial(_linear_activation_backward, rule="swap")),
        mistake("forgot_1_over_m", "linear_backward divides dW and db by m (eqs. 4', 5').",
                partial(_linear_activation_backward, scale="1")),
    ],
    "L_model_backward": [
        mistake("seed_sign", "the seed is dAL = -(Y/AL) + (1-Y)/(1-AL): its sign is flipped.",
                partial(_L_backward, seed_sign=-1.0)),
        mistake("seed_1_over_m", "in this notebook the seed is per example, without 1/m; linear_backward already "
                "divides by m, so the 1/m was applied twice.", partial(_L_backward, seed_scale="1/m")),
        mistake("relu_output", "layer L is a sigmoid layer: use the sigmoid backward for it, ReLU for the others.",
                partial(_L_backward, output="relu")),
        mistake("sigmoid_everywhere", "layers 1..L-1 are ReLU layers: their backward is dA ⊙ I(Z > 0).",
                partial(_L_backward, hidden="sigmoid")),
    ],
    "update_parameters": TWO_LAYER_MISTAKES["update_parameters"],
    "L_layer_model": [
        mistake("cost_after_update", "record the cost of each iteration's forward pass, before the update.",
                partial(_L_layer_model, record_after=True)),
        mistake("seed_ignored", "pass seed on to initialize_parameters_deep(layer_dims, seed).",
                partial(_L_layer_model, fixed_seed=True)),
    ],
    "predict": [
        mistake("probabilities", "predict returns labels 0/1 ((AL > 0.5)), not the probabilities AL.",
                partial(_predict_deep, probabilities=True)),
        mistake("flat", "predictions keep the shape (1, m).", partial(_predict_deep, flat=True)),
    ],
    # the activations and their backward steps, graded in notebook 2 (derived in depth in notebook 3)
    "relu": [
        mistake("np_max", "np.max(Z, 0) takes the largest entry along axis 0; the element-wise maximum with 0 is "
                "np.maximum(0, Z) (eq. 7).", lambda Z: np.max(Z, 0)),
        mistake("indicator", "ReLU returns Z where Z > 0 and 0 elsewhere, not the indicator I(Z > 0) (eq. 7).",
                lambda Z: (Z > 0).astype(float)),
    ],
    "relu_backward": [
        mistake("no_dA", "dZ = dA ⊙ I(Z > 0): multiply the upstream gradient dA by the indicator (eq. 8).",
                lambda dA, Z: (Z > 0).astype(float)),
        mistake("derivative_at_zero", "by this course's convention the ReLU derivative at Z == 0 is 0: use Z > 0, "
                "not Z >= 0 (eq. 8).", lambda dA, Z: dA * (Z >= 0)),
        mistake("relu_of_dA", "dZ = dA ⊙ I(Z > 0) depends on the sign of Z, not of dA (eq. 8).",
                lambda dA, Z: np.maximum(0, dA)),
        mistake("times_Z", "the ReLU derivative is the indicator I(Z > 0), not Z itself (eq. 8).",
                lambda dA, Z: dA * np.maximum(0, Z)),
    ],
    "sigmoid": [
        mistake("sign", "sigmoid(Z) = 1 / (1 + exp(-Z)): the minus sign is missing (eq. 9).",
                lambda Z: 1.0 / (1.0 + np.exp(Z))),
        mistake("no_reciprocal", "sigmoid(Z) = 1 / (1 + exp(-Z)), a reciprocal (eq. 9).", lambda Z: 1.0 + np.exp(-Z)),
    ],
    "sigmoid_backward": [
        mistake("no_dA", "dZ = dA ⊙ A ⊙ (1 - A): the upstream gradient dA is missing (eq. 10).",
                lambda dA, A: A * (1 - A)),
        mistake("g_instead_of_g_prime", "multiply by sigmoid'(Z) = A (1 - A), not by sigmoid(Z) = A (eq. 10).",
                lambda dA, A: dA * A),
        mistake("sigmoid_again", "the argument is already A = sigmoid(Z): use A (1 - A), without applying sigmoid "
                "to A again (eq. 10).", lambda dA, A: dA * textbook_sigmoid(A) * (1 - textbook_sigmoid(A))),
        mistake("one_minus_only", "sigmoid'(Z) = A ⊙ (1 - A) (eq. 10): a factor is missing.",
                lambda dA, A: dA * (1 - A)),
    ],
}
