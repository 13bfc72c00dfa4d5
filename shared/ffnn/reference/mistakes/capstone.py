"""Notebook 5's catalogue of mistakes, ``CAPSTONE_MISTAKES``: the parameter vector, the whole-network gradient
check, mini-batches, one epoch, L2 regularization and the choice of hyperparameters. Each table row names a
mistake, says what a student reads, and makes it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ...gradient_check import relative_error
from ..capstone import layer_keys
from .common import mistake


def _to_vector(parameters, *, order="C", keys=None, column=True):
    keys = keys(parameters) if keys else layer_keys(parameters)
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


def _gradient_check(cost_of, parameters, grads, eps=1e-7, *, dtype=np.float64, one_sided=False, divisor=2.0,
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


def _choose(accuracy, learning_rates, hidden_sizes, *, grid="validation", best=np.argmax, divisor="columns"):
    values = np.asarray(accuracy[grid])
    k = int(best(values))
    width = values.shape[1] if divisor == "columns" else values.shape[0]
    return learning_rates[k // width], hidden_sizes[k % width]


CAPSTONE_MISTAKES = {
    "parameters_to_vector": [
        mistake("column_major", "each matrix is read row by row, NumPy's own order (reshape(-1, 1)); column by "
                "column (order='F') puts W's entries elsewhere in theta.", partial(_to_vector, order="F")),
        mistake("weights_then_biases", "theta runs layer by layer, W1, b1, W2, b2, ...; all the weights first and "
                "then all the biases (the keys sorted) is another order.", partial(_to_vector, keys=_weights_first)),
        mistake("one_dimensional", "theta is one column, shape (P, 1): joined 1-D pieces give shape (P,); make "
                "each piece a column first.", partial(_to_vector, column=False)),
    ],
    "vector_to_parameters": [
        mistake("column_major", "theta holds each matrix row by row (NumPy's order): reshape(shape), not "
                "order='F', reads it back.", partial(_to_parameters, order="F")),
        mistake("weights_then_biases", "theta runs layer by layer, W1, b1, W2, b2, ...: b1 comes right after "
                "W1's entries, not after all the weights.", partial(_to_parameters, weights_first=True)),
    ],
    "gradient_check": [
        mistake("float32", "the parameters were checked in float32: with its 7 significant digits, θ ± ε is "
                "rounded and the difference of two costs is mostly rounding. Check in float64.",
                partial(_gradient_check, dtype=np.float32)),
        mistake("one_sided", "(J(θ + ε) − J(θ)) / ε is one-sided, with an error of order ε; the centred "
                "difference (J(θ + ε) − J(θ − ε)) / 2ε of eq. (25) errs by order ε².",
                partial(_gradient_check, one_sided=True)),
        mistake("no_two", "the centred difference divides by 2ε, the distance between θ + ε and θ − ε.",
                partial(_gradient_check, divisor=1.0)),
        mistake("not_restored", "after θ_i ± ε, put θ_i back before moving the next entry: every later "
                "difference was taken at a moved point.", partial(_gradient_check, restore=False)),
        mistake("mean_of_errors", "overall is eq. (26) on all the gradients as one vector, not the mean of the "
                "per-parameter errors (a tiny dW1 next to a large dW2 would hide a wrong dW2).",
                partial(_gradient_check, overall="mean")),
    ],
    "random_mini_batches": [
        mistake("shuffled_apart", "X and Y were shuffled with two different permutations, so the examples lost "
                "their labels: index both with the same permutation.", partial(_mini_batches, shuffle="apart")),
        mistake("last_dropped", "the last, smaller mini-batch (m mod batch_size examples) is missing: every "
                "example is in exactly one mini-batch.", partial(_mini_batches, keep_last=False)),
        mistake("not_shuffled", "the mini-batches follow the stored order of the examples: shuffle the columns "
                "first.", partial(_mini_batches, shuffle="none")),
        mistake("legacy_generator", "the shuffle is np.random.default_rng(seed).permutation(m), as the docstring "
                "says; np.random.seed with np.random.permutation draws another order.",
                partial(_mini_batches, shuffle="legacy")),
    ],
    "minibatch_epoch": [
        mistake("stale_parameters", "every mini-batch's gradient was taken at the epoch's starting parameters: "
                "each one must see the parameters the previous update left.", partial(_epoch, stale=True)),
        mistake("cost_after_update", "each mini-batch's cost is recorded before its update, at the parameters "
                "its gradient was computed at.", partial(_epoch, cost_after=True)),
        mistake("sign", "gradient descent subtracts learning_rate × gradient, eq. (27).", partial(_epoch, sign=1.0)),
    ],
    "l2_cost": [
        mistake("no_1_over_m", "the penalty is (λ / 2m) Σ ||W[l]||²: it carries the 1/m of the cost it is added "
                "to.", partial(_l2_cost, scale="1/2")),
        mistake("biases", "only the weights are penalized; the biases b[l] stay out of the sum.",
                partial(_l2_cost, biases=True)),
        mistake("no_half", "the penalty is (λ / 2m) Σ ||W[l]||²: the ½ is there so that its gradient is "
                "(λ / m) W[l].", partial(_l2_cost, scale="1/m")),
        mistake("not_squared", "||W||²_F is the sum of the squares of W's entries: the norm itself is not "
                "squared here.", partial(_l2_cost, squared=False)),
    ],
    "l2_backward": [
        mistake("no_1_over_m", "the gradient of (λ / 2m) ||W[l]||² is (λ / m) W[l]: the 1/m is missing.",
                partial(_l2_backward, scale="1")),
        mistake("biases", "the biases are not penalized, so db[l] is unchanged.", partial(_l2_backward, biases=True)),
        mistake("half", "the ½ of the penalty cancels against the 2 of the square: the term is (λ / m) W[l], not "
                "(λ / 2m) W[l].", partial(_l2_backward, scale="1/2m")),
        mistake("penalty_only", "the penalty's gradient is added to dW[l] of the data cost, which stays.",
                partial(_l2_backward, keep_data=False)),
    ],
    "choose_hyperparameters": [
        mistake("train_accuracy", "the setting is chosen on validation accuracy: the training accuracy rewards "
                "whatever fits the training set best, overfitting included.",
                partial(_choose, grid="train")),
        mistake("lowest", "the best setting has the highest validation accuracy.", partial(_choose, best=np.argmin)),
        mistake("flat_index", "the flat index of the maximum gives the row with // the number of columns (hidden "
                "sizes) and the column with %; np.unravel_index does both.", partial(_choose, divisor="rows")),
    ],
}
