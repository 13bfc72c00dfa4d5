"""Notebook 2's catalogue of mistakes, ``DEEP_MISTAKES``: the L-layer network (ReLU hidden layers, sigmoid output,
caches ``((A_prev, W, b), (Z, A))``). The table is ``deep.toml``: each row names a mistake, says what a student
reads, and which function of this module makes it, with which options.

The functions that make the mistakes call the notebook's collaborators as ``deep.X``, looked up when they run, so
the catalogue's tests can put a notebook's own functions there.
"""

from __future__ import annotations

import numpy as np

from .. import deep
from .common import Mistake, predicted_labels, read_table, textbook_sigmoid, training_loop
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


def _relu_np_max(Z):
    return np.max(Z, 0)


def _relu_indicator(Z):
    return (Z > 0).astype(float)


def _relu_backward_no_dA(dA, Z):
    return (Z > 0).astype(float)


def _relu_backward_derivative_at_zero(dA, Z):
    return dA * (Z >= 0)


def _relu_backward_relu_of_dA(dA, Z):
    return np.maximum(0, dA)


def _relu_backward_times_Z(dA, Z):
    return dA * np.maximum(0, Z)


def _sigmoid_sign(Z):
    return 1.0 / (1.0 + np.exp(Z))


def _sigmoid_no_reciprocal(Z):
    return 1.0 + np.exp(-Z)


def _sigmoid_backward_no_dA(dA, A):
    return A * (1 - A)


def _sigmoid_backward_g_instead_of_g_prime(dA, A):
    return dA * A


def _sigmoid_backward_sigmoid_again(dA, A):
    return dA * textbook_sigmoid(A) * (1 - textbook_sigmoid(A))


def _sigmoid_backward_one_minus_only(dA, A):
    return dA * (1 - A)


def _as_deep(mistake: Mistake) -> Mistake:
    """A mistake of notebook 1's compute_cost(A2, Y) as notebook 2's compute_cost(AL, Y)."""
    def variant(make):
        return lambda AL, Y: make(AL, Y)
    return Mistake(mistake.name, mistake.message.replace("A2", "AL"), tuple(map(variant, mistake.variants)))


# compute_cost and update_parameters are notebook 1's, and so are their mistakes
DEEP_MISTAKES = {"compute_cost": [_as_deep(m) for m in TWO_LAYER_MISTAKES["compute_cost"]],
                 "update_parameters": TWO_LAYER_MISTAKES["update_parameters"]} | read_table("deep.toml", globals())
