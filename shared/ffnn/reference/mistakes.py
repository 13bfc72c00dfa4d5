"""The catalogue of known mistakes: for each graded function, functions that make one typical mistake each.

The fixture writer runs every mistake on the same inputs as the correct function and stores what it returns (or
the error it raises), so the student-facing checker can say "Likely mistake: forgot the 1/m factor" when a
student's output matches. The tests feed each mistake to the checker and require that it is named.

Each ``Mistake`` has a short ``name``, the ``message`` a student reads, and one or more ``variants`` (the same
mistake written the ways students write it, e.g. with ``@`` or ``np.dot``, whose error messages differ).

One thing, at about 800 lines: the catalogue, one table per suite (``TWO_LAYER_MISTAKES``, ``DEEP_MISTAKES``,
``ACTIVATIONS_MISTAKES``, ``COSTS_MISTAKES``; ``CATALOGUE`` by suite name), each table after the small functions
that make its mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from . import deep, two_layer
from .descent import gradient_descent

__all__ = ["Mistake", "CATALOGUE", "mistakes_for"]


@dataclass(frozen=True)
class Mistake:
    name: str
    message: str
    variants: tuple[Callable, ...]


def mistake(name, message, *variants):
    return Mistake(name, message, tuple(variants))


def _sigmoid(Z):
    # The textbook form; inputs in the fixtures are moderate, so it does not overflow there.
    return 1.0 / (1.0 + np.exp(-Z))


# Shared by notebooks 1 and 2: the training loop and the prediction, with a mistake switched on --------------------
# (the steps are passed in as looked up when the mistake runs: the catalogue's tests put a notebook's own there)

def _descent(forward, cost, backward, update, parameters, X, Y, num_iterations, learning_rate, record_after):
    """Gradient descent as nn_model and L_layer_model run it; ``record_after``: each cost recorded after the
    update instead of before it (the catalogued mistake: costs[0] is then not the initial parameters' cost)."""
    def cost_and_grads(parameters):
        A, caches = forward(X, parameters)
        return cost(A, Y), backward(A, caches, parameters)

    parameters, costs = gradient_descent(parameters, cost_and_grads, update, learning_rate, num_iterations)
    if record_after and costs:
        # after update i comes the cost that iteration i + 1 records; after the last, the final parameters' cost
        costs = costs[1:] + [cost(forward(X, parameters)[0], Y)]
    return parameters, costs


def _predict(notebook, parameters, X, *, probabilities=False, flat=False):
    """Labels from the output layer of ``notebook``'s network ('two_layer' or 'deep'), or (mistakes) the
    probabilities themselves, or a flattened row."""
    forward = two_layer.forward_propagation if notebook == "two_layer" else deep.L_model_forward
    A, _ = forward(X, parameters)
    if probabilities:
        return A
    labels = (A > 0.5).astype(int)
    return labels.reshape(-1) if flat else labels


# Notebook 1: the two-layer network -----------------------------------------------------------------------------

def _layer_sizes_from_columns(X, Y, n_h):
    return X.shape[1], n_h, Y.shape[1]


def _init2(n_x, n_h, n_y, seed=0, *, scale=0.01, legacy=False, order="W1 first", zeros=False, b_1d=False,
           transposed=False):
    if legacy:
        np.random.seed(seed)
        W1, W2 = np.random.randn(n_h, n_x) * scale, np.random.randn(n_y, n_h) * scale
    else:
        rng = np.random.default_rng(seed)
        if order == "W1 first":
            W1 = rng.standard_normal((n_h, n_x)) * scale
            W2 = rng.standard_normal((n_y, n_h)) * scale
        else:
            W2 = rng.standard_normal((n_y, n_h)) * scale
            W1 = rng.standard_normal((n_h, n_x)) * scale
    if zeros:
        W1, W2 = np.zeros_like(W1), np.zeros_like(W2)
    if transposed:
        W1, W2 = W1.reshape(n_x, n_h), W2.reshape(n_h, n_y)
    b1, b2 = (np.zeros(n_h), np.zeros(n_y)) if b_1d else (np.zeros((n_h, 1)), np.zeros((n_y, 1)))
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}


def _forward2(X, parameters, *, hidden=np.tanh, output=_sigmoid, bias=True, product="W X"):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    if product == "W.T X":
        Z1 = W1.T @ X + (b1 if bias else 0)
    elif product == "elementwise":
        Z1 = W1 * X + (b1 if bias else 0)
    else:
        Z1 = W1 @ X + (b1 if bias else 0)
    A1 = hidden(Z1)
    Z2 = W2 @ A1 + (b2 if bias else 0)
    A2 = output(Z2)
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]


def _cost2(A2, Y, *, mean=True, sign=-1.0, negative_term=True, log=np.log, as_array=False):
    m = Y.shape[1]
    terms = Y * log(A2) + ((1 - Y) * log(1 - A2) if negative_term else 0)
    total = np.sum(terms, axis=1, keepdims=True) if as_array else np.sum(terms)
    J = sign * total / (m if mean else 1)
    return J if as_array else float(J)


def _backward2(parameters, caches, X, Y, *, scale="1/m", transpose_W2=True, product="@", derivative="1 - A1**2",
               sign=1.0, db_axis=1, keepdims=True, dW_order="dZ X.T"):
    m = X.shape[1]
    (_, (Z1, A1)), (_, (_, A2)) = caches
    W2 = parameters["W2"]
    s = {"1/m": 1.0 / m, "1": 1.0, "1/m twice": 1.0 / m ** 2}[scale]
    dZ2 = sign * (A2 - Y)
    g_prime = {"1 - A1**2": 1 - A1 ** 2, "1 - Z1**2": 1 - Z1 ** 2, "A1": A1, "1 - A1": 1 - A1,
               "A1 * (1 - A1)": A1 * (1 - A1), "none": 1.0}[derivative]
    W = W2.T if transpose_W2 else W2
    back = W @ dZ2 if product == "@" else np.dot(W, dZ2)
    dZ1 = back * g_prime
    if dW_order == "dZ X.T":
        dW2, dW1 = dZ2 @ A1.T * s, dZ1 @ X.T * s
    else:
        dW2, dW1 = A1 @ dZ2.T * s, X @ dZ1.T * s
    db2 = np.sum(dZ2, axis=db_axis, keepdims=keepdims) * s
    db1 = np.sum(dZ1, axis=db_axis, keepdims=keepdims) * s
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def _update(parameters, grads, learning_rate, *, sign=-1.0, use_rate=True, skip=""):
    updated = {}
    for key, value in parameters.items():
        if key.startswith(skip) and skip:
            updated[key] = value
        else:
            updated[key] = value + sign * (learning_rate if use_rate else 1.0) * grads["d" + key]
    return updated


def _nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0, print_cost=False, *,
              record_after=False, fixed_seed=False):
    parameters = two_layer.initialize_parameters(X.shape[0], n_h, Y.shape[0], 0 if fixed_seed else seed)
    return _descent(two_layer.forward_propagation, two_layer.compute_cost,
                    lambda A2, caches, parameters: two_layer.backward_propagation(parameters, caches, X, Y),
                    two_layer.update_parameters, parameters, X, Y, num_iterations, learning_rate, record_after)


TWO_LAYER_MISTAKES = {
    "layer_sizes": [
        mistake("columns", "n_x and n_y are the numbers of ROWS of X and Y (X.shape[0], Y.shape[0]); the columns "
                "are the m examples.", _layer_sizes_from_columns),
    ],
    "initialize_parameters": [
        mistake("zeros", "weights initialized to zero: every hidden unit then computes the same thing forever "
                "(symmetry). Draw W1 and W2 with rng.standard_normal(...) * 0.01.", partial(_init2, zeros=True)),
        mistake("no_scale", "the weights are missing the factor 0.01 (small random initialization).",
                partial(_init2, scale=1.0)),
        mistake("legacy_rng", "used the global np.random.randn; use the generator rng = np.random.default_rng(seed) "
                "and rng.standard_normal(shape).", partial(_init2, legacy=True)),
        mistake("order", "W2 was drawn before W1; draw W1 first, then W2, from the same generator.",
                partial(_init2, order="W2 first")),
        mistake("b_1d", "biases must be columns of shape (n_h, 1) and (n_y, 1), not 1-D arrays.",
                partial(_init2, b_1d=True)),
        mistake("transposed", "W1 must have shape (n_h, n_x) and W2 shape (n_y, n_h): rows are the units of the "
                "layer, columns the inputs to it.", partial(_init2, transposed=True)),
    ],
    "forward_propagation": [
        mistake("sigmoid_hidden", "the hidden layer uses tanh (eq. 11), not sigmoid; sigmoid is for the output.",
                partial(_forward2, hidden=_sigmoid)),
        mistake("tanh_output", "the output layer uses sigmoid (eq. 9) so that A2 is a probability, not tanh.",
                partial(_forward2, output=np.tanh)),
        mistake("no_bias", "the biases are missing: Z1 = W1 X + b1 and Z2 = W2 A1 + b2 (eq. 1).",
                partial(_forward2, bias=False)),
        mistake("W_transposed", "Z1 = W1 @ X: W1 is (n_h, n_x) and X is (n_x, m), so no transpose is needed (eq. 1).",
                partial(_forward2, product="W.T X")),
        mistake("elementwise", "use the matrix product W1 @ X (or np.dot), not the element-wise W1 * X (eq. 1).",
                partial(_forward2, product="elementwise")),
    ],
    "compute_cost": [
        mistake("no_mean", "the cost is the AVERAGE over the m examples: divide the sum by m (eq. 16).",
                partial(_cost2, mean=False)),
        mistake("sign", "the cost has a minus sign in front: J = -(1/m) Σ [...] is positive (eq. 16).",
                partial(_cost2, sign=1.0)),
        mistake("missing_term", "the (1 - Y) log(1 - A2) term is missing: it is what penalizes a wrong A2 when "
                "y = 0 (eq. 16).", partial(_cost2, negative_term=False)),
        mistake("log10", "use the natural logarithm np.log, not np.log10.", partial(_cost2, log=np.log10)),
    ],
    "backward_propagation": [
        mistake("forgot_1_over_m", "forgot the 1/m factor in dW and db: dW2 = (1/m) dZ2 A1^T, db2 = (1/m) Σ dZ2 "
                "(eqs. 4', 5').", partial(_backward2, scale="1")),
        mistake("1_over_m_twice", "the 1/m is applied twice: with dZ2 = A2 - Y (per-layer convention) only dW and "
                "db get 1/m; with dZ2 = (A2 - Y)/m they get none.", partial(_backward2, scale="1/m twice")),
        mistake("W_not_transposed", "back-propagating through layer 2 needs W2.T: dZ1 = W2^T dZ2 ⊙ g'(Z1) (eqs. 3, "
                "6).", partial(_backward2, transpose_W2=False), partial(_backward2, transpose_W2=False,
                                                                        product="dot")),
        mistake("derivative_at_Z", "tanh'(Z1) = 1 - tanh(Z1)² = 1 - A1²: square A1 (or np.tanh(Z1)), not Z1 "
                "(eq. 12).", partial(_backward2, derivative="1 - Z1**2")),
        mistake("g_instead_of_g_prime", "multiplied by the activation A1 = g(Z1) instead of its derivative "
                "g'(Z1) = 1 - A1² (eqs. 3, 12).", partial(_backward2, derivative="A1")),
        mistake("tanh_prime_unsquared", "tanh'(Z1) = 1 - A1², with A1 squared (eq. 12), not 1 - A1.",
                partial(_backward2, derivative="1 - A1")),
        mistake("sigmoid_prime", "the hidden layer is tanh, so its derivative is 1 - A1², not the sigmoid's "
                "A1 (1 - A1) (eq. 12).", partial(_backward2, derivative="A1 * (1 - A1)")),
        mistake("no_derivative", "dZ1 = W2^T dZ2 ⊙ g'(Z1): the factor g'(Z1) = 1 - A1² is missing (eq. 3).",
                partial(_backward2, derivative="none")),
        mistake("sign", "the sign is flipped: dZ2 = A2 - Y, not Y - A2 (eq. 22).", partial(_backward2, sign=-1.0)),
        mistake("db_keepdims", "db must keep its column shape: np.sum(dZ, axis=1, keepdims=True) (eq. 5').",
                partial(_backward2, keepdims=False)),
        mistake("db_axis", "db sums over the examples, which are the columns: axis=1, not axis=0 (eq. 5').",
                partial(_backward2, db_axis=0)),
        mistake("dW_transposed", "dW1 = (1/m) dZ1 X^T has W1's shape (n_h, n_x); X @ dZ1.T is its transpose "
                "(eq. 4').", partial(_backward2, dW_order="X dZ.T")),
    ],
    "update_parameters": [
        mistake("ascent", "gradient DESCENT subtracts: W = W - learning_rate * dW.", partial(_update, sign=1.0)),
        mistake("no_rate", "the step is learning_rate * dW: the learning rate is missing.",
                partial(_update, use_rate=False)),
        mistake("only_W", "the biases must be updated too: b = b - learning_rate * db.", partial(_update, skip="b")),
    ],
    "nn_model": [
        mistake("cost_after_update", "record the cost of the forward pass of each iteration, before the update, "
                "so costs[0] is the cost of the initial parameters.", partial(_nn_model, record_after=True)),
        mistake("seed_ignored", "pass seed on to initialize_parameters(n_x, n_h, n_y, seed).",
                partial(_nn_model, fixed_seed=True)),
    ],
    "predict": [
        mistake("probabilities", "predict returns class labels 0/1 ((A2 > 0.5)), not the probabilities A2.",
                partial(_predict, "two_layer", probabilities=True)),
        mistake("flat", "predictions keep the shape (1, m) of Y.", partial(_predict, "two_layer", flat=True)),
    ],
}


# Notebook 2: the L-layer network -------------------------------------------------------------------------------

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
    return {"relu": lambda Z: np.maximum(0, Z), "sigmoid": _sigmoid}[name]


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
    return _descent(deep.L_model_forward, deep.compute_cost, lambda AL, caches, _: deep.L_model_backward(AL, Y, caches),
                    deep.update_parameters, parameters, X, Y, num_iterations, learning_rate, record_after)


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
                partial(_predict, "deep", probabilities=True)),
        mistake("flat", "predictions keep the shape (1, m).", partial(_predict, "deep", flat=True)),
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
                "to A again (eq. 10).", lambda dA, A: dA * _sigmoid(A) * (1 - _sigmoid(A))),
        mistake("one_minus_only", "sigmoid'(Z) = A ⊙ (1 - A) (eq. 10): a factor is missing.",
                lambda dA, A: dA * (1 - A)),
    ],
}


# Notebook 3: activations ----------------------------------------------------------------------------------------

def _softmax(Z, *, axis=0, stable=True, normalize=True):
    E = np.exp(Z - Z.max(axis=axis, keepdims=True)) if stable else np.exp(Z)
    return E / E.sum(axis=axis, keepdims=True) if normalize else E


def _softmax_jacobian(a, *, variant):
    a = np.asarray(a).reshape(-1)
    return {"no_diag": -np.outer(a, a), "sign": np.outer(a, a) - np.diag(a), "diagonal_only": np.diag(a * (1 - a)),
            "outer_only": np.outer(a, a)}[variant]


def _softmax_backward(dA, A, *, variant):
    return {"axis1": A * (dA - np.sum(dA * A, axis=1, keepdims=True)),
            "diagonal_only": dA * A * (1 - A),
            "no_sum": A * dA,
            "sum_without_A": A * (dA - np.sum(dA, axis=0, keepdims=True))}[variant]


def _numerical_gradient(f, X, dOut, eps=1e-6, *, scheme="centred", contract=True, denominator="2 eps"):
    G = np.zeros_like(X, dtype=float)
    X = X.astype(float)
    for index in np.ndindex(X.shape):
        plus, minus = X.copy(), X.copy()
        plus[index] += eps
        minus[index] -= eps
        weight = dOut if contract else 1.0
        f_plus = np.sum(f(plus) * weight)
        f_minus = np.sum(f(minus) * weight) if scheme == "centred" else np.sum(f(X) * weight)
        G[index] = (f_plus - f_minus) / ({"2 eps": 2 * eps, "eps": eps}[denominator] if scheme == "centred"
                                         else eps)
    return G


def _sigmoid_walk(Z, *, mistake):
    u1 = -Z
    u2 = np.exp(u1)
    u3 = 1.0 + u2
    b4 = np.ones_like(Z, dtype=float)
    b3 = b4 * (1.0 / u3 ** 2 if mistake == "reciprocal_sign" else -1.0 / u3 ** 2)
    b2 = b3
    b1 = {"exp_of_u0": b2 * np.exp(Z), "not_chained": u2}.get(mistake, b2 * u2)
    b0 = b1 if mistake == "last_sign" else -b1
    return {"u0": b0, "u1": b1, "u2": b2, "u3": b3, "u4": b4}


def _tanh_walk(Z, *, mistake):
    u1 = -Z
    u2, u3 = np.exp(Z), np.exp(u1)
    u4, u5 = u2 - u3, u2 + u3
    u6 = 1.0 / u5
    b7 = np.ones_like(Z, dtype=float)
    b6 = b7 * u4
    b5 = b6 * (1.0 / u5 ** 2 if mistake == "reciprocal_sign" else -1.0 / u5 ** 2)
    b4 = b7 * u6
    b3 = {"one_path_u3": -b4, "difference_sign": b4 + b5}.get(mistake, -b4 + b5)
    b2 = b4 if mistake == "one_path_u2" else b4 + b5
    b1 = b3 * u3
    b0 = b2 * u2 if mistake == "one_path_u0" else -b1 + b2 * u2
    return {"u0": b0, "u1": b1, "u2": b2, "u3": b3, "u4": b4, "u5": b5, "u6": b6, "u7": b7}


ACTIVATIONS_MISTAKES = {
    "sigmoid_graph_backward": [
        mistake("reciprocal_sign", "the local derivative of u4 = 1/u3 is -1/u3² (it falls as u3 grows): check the "
                "sign of ∂a/∂u3.", partial(_sigmoid_walk, mistake="reciprocal_sign")),
        mistake("exp_of_u0", "u2 = exp(u1), so ∂u2/∂u1 = exp(u1) = exp(-z), not exp(z).",
                partial(_sigmoid_walk, mistake="exp_of_u0")),
        mistake("not_chained", "each derivative is the NEXT node's derivative times the local one: "
                "∂a/∂u1 = (∂a/∂u2)(∂u2/∂u1), not the local derivative alone.",
                partial(_sigmoid_walk, mistake="not_chained")),
        mistake("last_sign", "u1 = -u0, so the last step multiplies by ∂u1/∂u0 = -1.",
                partial(_sigmoid_walk, mistake="last_sign")),
    ],
    "tanh_graph_backward": [
        mistake("reciprocal_sign", "the local derivative of u6 = 1/u5 is -1/u5²: check the sign of ∂a/∂u5.",
                partial(_tanh_walk, mistake="reciprocal_sign")),
        mistake("one_path_u3", "u3 feeds both u4 = u2 - u3 and u5 = u2 + u3: ∂a/∂u3 adds the contributions of both "
                "paths.", partial(_tanh_walk, mistake="one_path_u3")),
        mistake("difference_sign", "u4 = u2 - u3, so ∂u4/∂u3 = -1: the path through u4 enters ∂a/∂u3 with a minus "
                "sign.", partial(_tanh_walk, mistake="difference_sign")),
        mistake("one_path_u2", "u2 feeds both u4 and u5: ∂a/∂u2 adds the contributions of both paths.",
                partial(_tanh_walk, mistake="one_path_u2")),
        mistake("one_path_u0", "z = u0 feeds both u1 = -u0 and u2 = exp(u0): ∂a/∂u0 adds both paths.",
                partial(_tanh_walk, mistake="one_path_u0")),
    ],
    "tanh": [
        mistake("sigmoid", "tanh is (exp(Z) - exp(-Z)) / (exp(Z) + exp(-Z)) (eq. 11), not the sigmoid.",
                lambda Z: _sigmoid(Z)),
    ],
    "tanh_backward": [
        mistake("unsquared", "tanh'(Z) = 1 - A², with A squared (eq. 12), not 1 - A.", lambda dA, A: dA * (1 - A)),
        mistake("tanh_again", "the argument is already A = tanh(Z): 1 - A**2, without applying tanh to A again "
                "(eq. 12).", lambda dA, A: dA * (1 - np.tanh(A) ** 2)),
        mistake("no_dA", "dZ = dA ⊙ (1 - A²): the upstream gradient dA is missing (eq. 12).",
                lambda dA, A: 1 - A ** 2),
        mistake("sign", "tanh'(Z) = 1 - A², not A² - 1 (eq. 12).", lambda dA, A: dA * (A ** 2 - 1)),
    ],
    "softmax": [
        mistake("axis1", "softmax normalizes each COLUMN (one example): sum over axis=0, not axis=1 (eq. 13).",
                partial(_softmax, axis=1)),
        mistake("unstable", "exp overflows for large Z: subtract each column's maximum first, "
                "Z - Z.max(axis=0, keepdims=True); the result is unchanged (eq. 13).", partial(_softmax, stable=False)),
        mistake("unnormalized", "divide exp(Z) by its column sums so that every column sums to 1 (eq. 13).",
                partial(_softmax, normalize=False)),
    ],
    "softmax_jacobian": [
        mistake("no_diag", "the Jacobian is diag(a) - a a^T: the diagonal term diag(a) is missing (eq. 15).",
                partial(_softmax_jacobian, variant="no_diag")),
        mistake("sign", "the Jacobian is diag(a) - a a^T, not a a^T - diag(a) (eq. 15).",
                partial(_softmax_jacobian, variant="sign")),
        mistake("diagonal_only", "softmax is not element-wise: ∂a_p/∂z_j = -a_p a_j for p ≠ j, so the Jacobian "
                "has off-diagonal entries (eq. 15).", partial(_softmax_jacobian, variant="diagonal_only")),
        mistake("outer_only", "the Jacobian is diag(a) - a a^T (eq. 15).",
                partial(_softmax_jacobian, variant="outer_only")),
        mistake("column_not_flattened", "np.diag of a 2-D column (n, 1) extracts its diagonal (one number) instead "
                "of building an n x n matrix: flatten a first, e.g. a = a.reshape(-1) (eq. 15).",
                lambda a: np.diag(np.asarray(a)) - np.asarray(a).reshape(-1, 1) @ np.asarray(a).reshape(1, -1)),
    ],
    "softmax_backward": [
        mistake("axis1", "the sum runs over the units of each example, the column: axis=0 (eq. 14).",
                partial(_softmax_backward, variant="axis1")),
        mistake("diagonal_only", "treated softmax as element-wise like sigmoid: each z_j also changes the other "
                "outputs, hence the term Σ_axis0 dA ⊙ A (eq. 14).", partial(_softmax_backward, variant="diagonal_only")),
        mistake("no_sum", "dZ = A ⊙ (dA - Σ_axis0 dA ⊙ A): the subtracted column sum is missing (eq. 14).",
                partial(_softmax_backward, variant="no_sum")),
        mistake("sum_without_A", "the subtracted term is Σ_axis0 (dA ⊙ A), weighted by A (eq. 14).",
                partial(_softmax_backward, variant="sum_without_A")),
    ],
    "numerical_gradient": [
        mistake("one_sided", "use centred differences, (f(X + eps) - f(X - eps)) / (2 eps): the one-sided "
                "difference has an error of order eps (eq. 25).", partial(_numerical_gradient, scheme="forward")),
        mistake("no_dOut", "contract with the upstream gradient: differentiate sum(f(X) * dOut), not sum(f(X)) "
                "(eq. 25).", partial(_numerical_gradient, contract=False)),
        mistake("half_step", "a centred difference spans 2 eps: divide by 2 * eps (eq. 25).",
                partial(_numerical_gradient, denominator="eps")),
    ],
}


# Notebook 4: costs and seeds -----------------------------------------------------------------------------------

def _bce(A, Y, *, mean=True, sign=-1.0, negative_term=True, divide_by="m", log=np.log):
    terms = Y * log(A) + ((1 - Y) * log(1 - A) if negative_term else 0)
    count = {"m": Y.shape[1], "size": Y.size, "1": 1}[divide_by if mean else "1"]
    return float(sign * np.sum(terms) / count)


def _bce_seed(A, Y, *, scale="1/m", sign=1.0, negative_term=True):
    m = A.shape[1]
    seed = ((1 - Y) / (1 - A) if negative_term else 0) - Y / A
    return sign * seed * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _cce(A, Y, *, mean=True, sign=-1.0, divide_by="m"):
    count = {"m": Y.shape[1], "size": Y.size}[divide_by] if mean else 1
    return float(sign * np.sum(Y * np.log(A)) / count)


def _cce_seed(A, Y, *, scale="1/m", sign=-1.0):
    m = A.shape[1]
    return sign * (Y / A) * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _fused(A, Y, *, scale="1/m", sign=1.0):
    m = A.shape[1]
    return sign * (A - Y) * {"1/m": 1.0 / m, "1": 1.0}[scale]


def _bce_logits(Z, Y, *, variant):
    m = Z.shape[1]
    if variant == "log_one_plus_exp":
        return float(np.sum(np.log(1 + np.exp(Z)) - Y * Z) / m)
    if variant == "mean_over_all":
        return float(np.mean(np.logaddexp(0, Z) - Y * Z))
    if variant == "naive":
        A = _sigmoid(Z)
        return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)
    if variant == "sign":
        return float(-np.sum(np.logaddexp(0, Z) - Y * Z) / m)
    return float(np.sum(np.logaddexp(0, Z) - Y * Z))


def _cce_logits(Z, Y, *, variant):
    m = Z.shape[1]
    if variant == "unstable":
        log_a = Z - np.log(np.sum(np.exp(Z), axis=0, keepdims=True))
    else:
        log_a = Z - Z.max(axis=0, keepdims=True)  # the log of the denominator is missing
        log_a = log_a if variant == "no_logsumexp" else log_a - np.log(np.sum(np.exp(log_a), axis=0, keepdims=True))
    return float(-np.sum(Y * log_a) / (m if variant != "no_mean" else 1))


COSTS_MISTAKES = {
    "mean_squared_error_seed": [
        mistake("no_1_over_m", "J averages over the m examples: the seed carries 1/m (seed convention).",
                lambda A, Y: A - Y),
        mistake("no_half", "d/da of ½ (a - y)² is (a - y): the ½ of (30) cancels the 2 of the square.",
                lambda A, Y: 2 * (A - Y) / A.shape[1]),
        mistake("sign", "d/da of ½ (a - y)² is a - y, not y - a.", lambda A, Y: (Y - A) / A.shape[1]),
    ],
    "mean_squared_error_sigmoid_dZ": [
        mistake("fused_shortcut", "(A - Y)/m is (22), which holds only for the matched pairs; the squared error with "
                "a sigmoid is not one: chain the seed through the sigmoid's backward step (10).",
                lambda A, Y: (A - Y) / A.shape[1]),
        mistake("no_1_over_m", "the 1/m of the seed is missing.", lambda A, Y: (A - Y) * A * (1 - A)),
        mistake("sigmoid_again", "A is already sigmoid(Z): the derivative is A (1 - A), without applying the sigmoid "
                "again.", lambda A, Y: (A - Y) * _sigmoid(A) * (1 - _sigmoid(A)) / A.shape[1]),
        mistake("no_seed", "dZ = dA ⊙ sigmoid'(Z): the seed (A - Y)/m is a factor, not just the derivative.",
                lambda A, Y: A * (1 - A) / A.shape[1]),
    ],
    "binary_cross_entropy": [
        mistake("no_mean", "divide the sum by m: the cost is an average over the examples (eq. 16).",
                partial(_bce, mean=False)),
        mistake("sign", "J = -(1/m) Σ [...]: the minus sign makes the cost positive (eq. 16).", partial(_bce, sign=1.0)),
        mistake("missing_term", "the (1 - Y) log(1 - A) term is missing (eq. 16).",
                partial(_bce, negative_term=False)),
        mistake("log10", "use the natural logarithm np.log, not np.log10 (eq. 16).", partial(_bce, log=np.log10)),
    ],
    "binary_cross_entropy_seed": [
        mistake("forgot_1_over_m", "in this notebook the seed carries the 1/m of the cost: dA = (1/m)((1-Y)/(1-A) "
                "- Y/A) (eq. 17).", partial(_bce_seed, scale="1")),
        mistake("sign", "dJ/dA = (1/m)((1-Y)/(1-A) - Y/A): the sign is flipped (eq. 17).",
                partial(_bce_seed, sign=-1.0)),
        mistake("missing_term", "the (1-Y)/(1-A) term is missing (eq. 17).", partial(_bce_seed, negative_term=False)),
    ],
    "categorical_cross_entropy": [
        mistake("no_mean", "divide by m (eq. 18).", partial(_cce, mean=False)),
        mistake("sign", "J = -(1/m) Σ Y ⊙ log(A) is positive (eq. 18).", partial(_cce, sign=1.0)),
        mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (18) sums over the classes and "
                "divides by m only.", partial(_cce, divide_by="size")),
    ],
    "categorical_cross_entropy_seed": [
        mistake("forgot_1_over_m", "the seed carries the 1/m: dA = -(1/m) Y / A (eq. 19).",
                partial(_cce_seed, scale="1")),
        mistake("sign", "dA = -(1/m) Y / A has a minus sign (eq. 19).", partial(_cce_seed, sign=1.0)),
    ],
    "multilabel_cross_entropy": [
        mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (20) sums over the labels and "
                "divides by m only.", partial(_bce, divide_by="size")),
        mistake("sign", "J = -(1/m) Σ [...] is positive (eq. 20).", partial(_bce, sign=1.0)),
        mistake("missing_term", "the (1 - Y) log(1 - A) term is missing (eq. 20).",
                partial(_bce, negative_term=False)),
    ],
    "multilabel_cross_entropy_seed": [
        mistake("forgot_1_over_m", "the seed carries the 1/m (eq. 21).", partial(_bce_seed, scale="1")),
        mistake("sign", "dA = (1/m)((1-Y)/(1-A) - Y/A): the sign is flipped (eq. 21).", partial(_bce_seed, sign=-1.0)),
        mistake("missing_term", "the (1-Y)/(1-A) term is missing (eq. 21).", partial(_bce_seed, negative_term=False)),
    ],
    "output_layer_dZ": [
        mistake("forgot_1_over_m", "dZ[L] = (A - Y) / m: the 1/m is missing (eq. 22).", partial(_fused, scale="1")),
        mistake("sign", "dZ[L] = (A - Y)/m, not (Y - A)/m (eq. 22).", partial(_fused, sign=-1.0)),
    ],
    "binary_cross_entropy_from_logits": [
        mistake("naive", "computing sigmoid(Z) and then log(A) gives log(0) = -inf once Z is large: use "
                "softplus(Z) - Y ⊙ Z with np.logaddexp(0, Z) (eq. 23).", partial(_bce_logits, variant="naive")),
        mistake("sign", "J = (1/m) Σ [softplus(Z) - Y ⊙ Z] (eq. 23): the sign is flipped.",
                partial(_bce_logits, variant="sign")),
        mistake("no_mean", "divide by m (eq. 23).", partial(_bce_logits, variant="no_mean")),
    ],
    "categorical_cross_entropy_from_logits": [
        mistake("unstable", "np.exp(Z) overflows for large Z: subtract each column's maximum before the "
                "log-sum-exp (eq. 24).", partial(_cce_logits, variant="unstable")),
        mistake("no_logsumexp", "log softmax(Z) = Z - logsumexp(Z): the log of the column sum is missing (eq. 24).",
                partial(_cce_logits, variant="no_logsumexp")),
        mistake("no_mean", "divide by m (eq. 24).", partial(_cce_logits, variant="no_mean")),
    ],
}
COSTS_MISTAKES["binary_cross_entropy_from_logits"].append(
    mistake("log_one_plus_exp", "np.log(1 + np.exp(Z)) overflows to inf once Z is large (about 710): write "
            "softplus(Z) as np.logaddexp(0, Z), which never overflows (eq. 23).",
            partial(_bce_logits, variant="log_one_plus_exp")))
COSTS_MISTAKES["multilabel_cross_entropy_from_logits"] = COSTS_MISTAKES["binary_cross_entropy_from_logits"] + [
    mistake("mean_over_all", "np.mean over all entries divides by n[L]·m; eq. (23) sums over the labels and "
            "divides by m only.", partial(_bce_logits, variant="mean_over_all"))]

CATALOGUE = {"two_layer": TWO_LAYER_MISTAKES, "deep": DEEP_MISTAKES, "activations": ACTIVATIONS_MISTAKES,
             "costs": COSTS_MISTAKES}


def mistakes_for(suite: str, function: str) -> list[Mistake]:
    """The catalogued mistakes of one graded function (an empty list when none are catalogued)."""
    return CATALOGUE.get(suite, {}).get(function, [])

