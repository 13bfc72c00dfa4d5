"""Notebook 5's catalogue of mistakes, ``CAPSTONE_MISTAKES``: the parameter vector, the whole-network gradient
check, mini-batches, one epoch, L2 regularization and the choice of hyperparameters. Each table row names a
mistake, says what a student reads, and which function of this module makes it, with which options (the table is
``capstone.toml``).
"""

from __future__ import annotations

import numpy as np

from ...gradient_check import relative_error
from ..capstone import layer_keys
from .common import read_table


def _to_vector(parameters, *, order="C", keys="layer by layer", column=True):
    keys = _weights_first(parameters) if keys == "weights first" else layer_keys(parameters)
    pieces = [np.asarray(parameters[k]).reshape(-1, order=order) for k in keys]
    theta = np.concatenate(pieces)
    return theta.reshape(-1, 1) if column else theta


def _weights_first(parameters):
    keys = layer_keys(parameters)
    return keys[0::2] + keys[1::2]


def _to_parameters(theta, layer_dims, *, order="C", weights_first=False):
    shapes = {}
    for l in range(1, len(layer_dims)):
        shapes[f"W{l}"], shapes[f"b{l}"] = (layer_dims[l], layer_dims[l - 1]), (layer_dims[l], 1)
    keys = list(shapes)
    if weights_first:
        keys = keys[0::2] + keys[1::2]
    parameters, start = {}, 0
    for key in keys:
        count = shapes[key][0] * shapes[key][1]
        parameters[key] = np.asarray(theta)[start:start + count].reshape(shapes[key], order=order).copy()
        start += count
    return {key: parameters[key] for key in shapes}


def _gradient_check(cost_of, parameters, grads, eps=1e-7, *, dtype="float64", one_sided=False, divisor=2.0,
                    restore=True, overall="vector"):
    keys = layer_keys(parameters)
    probe = {k: np.array(parameters[k], dtype=dtype) for k in keys}
    numerical = {}
    for key in keys:
        estimate = np.zeros(probe[key].shape)
        for index in np.ndindex(probe[key].shape):
            original = probe[key][index]
            probe[key][index] = original + eps
            plus = cost_of(probe)
            probe[key][index] = original if one_sided else original - eps
            minus = cost_of(probe)
            if restore:
                probe[key][index] = original
            estimate[index] = (plus - minus) / ((1.0 if one_sided else divisor) * eps)
        numerical[f"d{key}"] = estimate
    errors = {f"d{k}": relative_error(grads[f"d{k}"], numerical[f"d{k}"]) for k in keys}
    if overall == "mean":
        return errors, float(np.mean(list(errors.values())))
    return errors, relative_error(np.concatenate([np.ravel(grads[f"d{k}"]) for k in keys]),
                                  np.concatenate([np.ravel(numerical[f"d{k}"]) for k in keys]))


def _mini_batches(X, Y, batch_size, seed, *, shuffle="together", keep_last=True):
    m = X.shape[1]
    rng = np.random.default_rng(seed)
    if shuffle == "together":
        order_x = order_y = rng.permutation(m)
    elif shuffle == "apart":
        order_x, order_y = rng.permutation(m), rng.permutation(m)
    elif shuffle == "legacy":
        order_x = order_y = np.random.RandomState(seed).permutation(m)  # np.random.seed + np.random.permutation
    else:
        order_x = order_y = np.arange(m)
    X, Y = X[:, order_x], Y[:, order_y]
    end = m if keep_last else m - m % batch_size
    return [(X[:, k:k + batch_size], Y[:, k:k + batch_size]) for k in range(0, end, batch_size)]


def _epoch(parameters, mini_batches, cost_and_grads, learning_rate, *, stale=False, cost_after=False, sign=-1.0):
    start, costs = parameters, []
    for X_batch, Y_batch in mini_batches:
        cost, grads = cost_and_grads(start if stale else parameters, X_batch, Y_batch)
        parameters = {k: v + sign * learning_rate * grads[f"d{k}"] for k, v in parameters.items()}
        if cost_after:
            cost, _ = cost_and_grads(parameters, X_batch, Y_batch)
        costs.append(float(cost))
    return parameters, costs


def _l2_cost(parameters, lambd, m, *, scale="1/2m", biases=False, squared=True):
    keys = [k for k in parameters if k.startswith("W") or (biases and k.startswith("b"))]
    total = sum(np.sum(np.square(parameters[k])) if squared else np.linalg.norm(parameters[k]) for k in keys)
    return float(lambd * total * {"1/2m": 1 / (2 * m), "1/2": 0.5, "1/m": 1 / m}[scale])


def _l2_backward(grads, parameters, lambd, m, *, scale="1/m", biases=False, keep_data=True):
    factor = lambd * {"1/m": 1 / m, "1": 1.0, "1/2m": 1 / (2 * m)}[scale]
    regularized = dict(grads)
    for key, value in parameters.items():
        if key.startswith("W") or biases:
            regularized[f"d{key}"] = (grads[f"d{key}"] if keep_data else 0) + factor * value
    return regularized


def _choose(accuracy, learning_rates, hidden_sizes, *, grid="validation", best="argmax", divisor="columns"):
    values = np.asarray(accuracy[grid])
    k = int(getattr(np, best)(values))
    width = values.shape[1] if divisor == "columns" else values.shape[0]
    return learning_rates[k // width], hidden_sizes[k % width]


CAPSTONE_MISTAKES = read_table("capstone.toml", globals())
