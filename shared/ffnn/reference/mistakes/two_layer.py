"""Notebook 1's catalogue of mistakes, ``TWO_LAYER_MISTAKES``: the two-layer network (tanh hidden layer, sigmoid
output, per-layer convention). The table is ``two_layer.toml``: each row names a mistake, says what a student reads,
and which function of this module makes it, with which options.

The functions that make the mistakes call the notebook's collaborators as ``two_layer.X``, looked up when they run,
so the catalogue's tests can put a notebook's own functions there.
"""

from __future__ import annotations

import numpy as np

from .. import two_layer
from .common import predicted_labels, read_table, textbook_sigmoid, training_loop


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


ACTIVATION = {"tanh": np.tanh, "sigmoid": textbook_sigmoid}
LOGARITHM = {"ln": np.log, "log10": np.log10}


def _forward2(X, parameters, *, hidden="tanh", output="sigmoid", bias=True, product="W X"):
    W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
    if product == "W.T X":
        Z1 = W1.T @ X + (b1 if bias else 0)
    elif product == "elementwise":
        Z1 = W1 * X + (b1 if bias else 0)
    else:
        Z1 = W1 @ X + (b1 if bias else 0)
    A1 = ACTIVATION[hidden](Z1)
    Z2 = W2 @ A1 + (b2 if bias else 0)
    A2 = ACTIVATION[output](Z2)
    return A2, [((X, W1, b1), (Z1, A1)), ((A1, W2, b2), (Z2, A2))]


def _cost2(A2, Y, *, mean=True, sign=-1.0, negative_term=True, log="ln"):
    log = LOGARITHM[log]
    terms = Y * log(A2) + ((1 - Y) * log(1 - A2) if negative_term else 0)
    return float(sign * np.sum(terms) / (Y.shape[1] if mean else 1))


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


TWO_LAYER_MISTAKES = read_table("two_layer.toml", globals())
