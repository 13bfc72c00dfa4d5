"""Notebook 1's catalogue of mistakes, ``TWO_LAYER_MISTAKES``: the two-layer network (tanh hidden layer, sigmoid
output, per-layer convention). Each table row names a mistake, says what a student reads, and makes it.

The functions that make the mistakes call the notebook's collaborators as ``two_layer.X``, looked up when they run,
so the catalogue's tests can put a notebook's own functions there.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .. import two_layer
from .common import mistake, predicted_labels, textbook_sigmoid, training_loop


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


def _forward2(X, parameters, *, hidden=np.tanh, output=textbook_sigmoid, bias=True, product="W X"):
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
    return training_loop(two_layer.forward_propagation, two_layer.compute_cost,
                         lambda A2, caches, parameters: two_layer.backward_propagation(parameters, caches, X, Y),
                         two_layer.update_parameters, parameters, X, Y, num_iterations, learning_rate, record_after)


def _predict2(parameters, X, **how):
    return predicted_labels(two_layer.forward_propagation(X, parameters)[0], **how)


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
                partial(_forward2, hidden=textbook_sigmoid)),
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
                partial(_predict2, probabilities=True)),
        mistake("flat", "predictions keep the shape (1, m) of Y.", partial(_predict2, flat=True)),
    ],
}
